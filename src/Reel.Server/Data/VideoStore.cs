using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace Reel.Server.Data;

internal enum VideoScope
{
    /// <summary>Public videos and the caller's own.</summary>
    Listed,
    OwnedBy,
    All,
}

/// <summary>The SQL of videos.</summary>
internal sealed class VideoStore(Database database, TimeProvider clock)
{
    private const string Columns = "id, title, status, visibility, progress, error_code, error_message, duration_seconds, width, height, size_bytes, source_key, probe_json, renditions, playable, has_thumbnail, has_storyboard, has_download, created_at, ready_at, updated_at, owner_id, manage_token_hash, links_generation, uploader, views, poster_file, media_id, replaces_id, chapters";

    // A job's change to its video names the folder it works on: once the video took another version's files (a
    // replacement), the jobs of the old version change nothing and stop as if the video were gone.
    private const string OfMedia = "id = @VideoId AND COALESCE(media_id, id) = @Folder";

    // What a read returns: the columns, and the progress of an upload still arriving.
    private const string Selected = Columns + ", (SELECT u.offset_bytes FROM uploads u WHERE u.video_id = videos.id) AS uploaded_bytes";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Stores a new video and its first job in one transaction: a video never exists without work to do. A replacement
    /// takes the place of any earlier one still pending for its video (returned, for their files to go); null, and
    /// nothing stored, when the video it replaces is gone or is still being uploaded itself.
    /// </summary>
    public async Task<IReadOnlyList<FileDeletion>?> InsertWithJobAsync(VideoRecord video, string jobKind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await InsertAsync(connection, transaction, video) is not { } superseded) return null;
        await JobQueue.EnqueueAsync(connection, transaction, video.Id, jobKind, Now);
        await transaction.CommitAsync(cancellationToken);
        return superseded;
    }

    /// <summary>
    /// Inserts a video row; for a replacement (<see cref="VideoRecord.ReplacesId"/>) first locks the video it replaces
    /// and removes the replacements pending for it. Null, and nothing inserted, when that video is gone or uploading.
    /// </summary>
    internal async Task<IReadOnlyList<FileDeletion>?> InsertAsync(DbConnection connection, DbTransaction transaction, VideoRecord video)
    {
        IReadOnlyList<FileDeletion> superseded = [];
        if (video.ReplacesId is { } target)
        {
            var status = await connection.QuerySingleOrDefaultAsync<string>(
                $"SELECT status FROM videos WHERE id = @target AND replaces_id IS NULL{database.ForUpdate}", new { target }, transaction);
            if (status is null or VideoStatus.Uploading) return null;
            superseded = await RemoveReplacementsAsync(connection, transaction, target, Now);
        }
        await InsertRowAsync(connection, transaction, video);
        return superseded;
    }

    // An owner whose account was deleted while the upload was in flight gives a video owned by nobody, as a deletion a
    // moment later would have (ON DELETE SET NULL), rather than a foreign-key error.
    private static Task<int> InsertRowAsync(DbConnection connection, DbTransaction transaction, VideoRecord video) =>
        connection.ExecuteAsync(
            $"INSERT INTO videos ({Columns}) VALUES (@Id, @Title, @Status, @Visibility, @Progress, @ErrorCode, @ErrorMessage, @DurationSeconds, @Width, @Height, @SizeBytes, @SourceKey, @ProbeJson, @Renditions, @Playable, @HasThumbnail, @HasStoryboard, @HasDownload, @CreatedAt, @ReadyAt, @UpdatedAt, (SELECT id FROM users WHERE id = @OwnerId), @ManageTokenHash, @LinksGeneration, @Uploader, @Views, @PosterFile, @MediaId, @ReplacesId, @Chapters)",
            video, transaction);

    public async Task<VideoRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<VideoRecord>($"SELECT {Selected} FROM videos WHERE id = @id", new { id });
    }

    /// <summary>The videos among <paramref name="ids"/> that exist, in no particular order; replacements are no videos of their own.</summary>
    public async Task<IReadOnlyList<VideoRecord>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VideoRecord>(
            $"SELECT {Selected} FROM videos WHERE id {database.InList("ids")} AND replaces_id IS NULL", new { ids = ids.ToArray() })).AsList();
    }

    /// <summary>Newest first; the cursor is the (created_at, id) of the last item of the previous page.</summary>
    public async Task<IReadOnlyList<VideoRecord>> ListAsync(VideoListQuery query, int limit, CancellationToken cancellationToken)
    {
        // A replacement is no video of its own until it takes its video's place.
        var where = new List<string>
        {
            "replaces_id IS NULL",
            query.Scope switch
            {
                VideoScope.All => "1 = 1",
                VideoScope.OwnedBy => "owner_id = @UserId",
                _ => "((visibility = 'public' AND status <> 'uploading') OR owner_id = @UserId)",
            },
        };
        if (query.Status is not null) where.Add("status = @Status");
        // lower() on both sides, as PostgreSQL's LIKE minds case and SQLite's lower() only folds ASCII: the two sides
        // are folded alike either way.
        if (query.TitleContains is not null) where.Add(@"lower(title) LIKE lower(@Pattern) ESCAPE '\'");
        // Each order with the condition for "after the cursor" in it; title compares lower() to lower() for the same
        // reason as the search.
        var (order, after) = query.Sort switch
        {
            VideoSort.Oldest => ("created_at, id", "(created_at > @CreatedAt OR (created_at = @CreatedAt AND id > @Id))"),
            VideoSort.Title => ("lower(title), id", "(lower(title) > lower(@Title) OR (lower(title) = lower(@Title) AND id > @Id))"),
            VideoSort.Duration => ("duration_seconds, id", "(duration_seconds > @DurationSeconds OR (duration_seconds = @DurationSeconds AND id > @Id))"),
            _ => ("created_at DESC, id DESC", "(created_at < @CreatedAt OR (created_at = @CreatedAt AND id < @Id))"),
        };
        if (query.After is not null) where.Add(after);

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<VideoRecord>(
            $"SELECT {Selected} FROM videos WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT @limit",
            new
            {
                query.UserId,
                query.Status,
                Pattern = query.TitleContains is null ? null : "%" + EscapeLike(query.TitleContains) + "%",
                CreatedAt = query.After?.CreatedAt,
                Title = query.After?.Title,
                DurationSeconds = query.After?.DurationSeconds,
                Id = query.After?.Id,
                limit,
            });
        return rows.AsList();
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    public async Task<IReadOnlyList<VideoRecord>> ListByStatusAsync(string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VideoRecord>($"SELECT {Selected} FROM videos WHERE status = @status", new { status })).AsList();
    }

    /// <summary>
    /// Which of the storage folders <paramref name="ids"/> (a page of a storage listing, not every id there is) belong
    /// to something: a video's or a replacement's files, or a replaced version's, kept until their removal is due.
    /// </summary>
    public async Task<IReadOnlySet<string>> KnownFoldersAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return new HashSet<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(
            $"""
            SELECT id FROM videos WHERE id {database.InList("ids")}
            UNION SELECT media_id FROM videos WHERE media_id {database.InList("ids")}
            UNION SELECT video_id FROM file_deletions WHERE video_id {database.InList("ids")}
            """, new { ids = ids.ToArray() })).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Ready videos whose files were not checked since they last changed, in id order; the condition is the partial
    /// index's, so a page costs the same however many videos were checked before.
    /// </summary>
    public async Task<IReadOnlyList<VideoRecord>> UnverifiedReadyAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VideoRecord>(
            $"SELECT {Selected} FROM videos WHERE status = 'ready' AND (files_verified_at IS NULL OR files_verified_at <> updated_at) ORDER BY id LIMIT @limit",
            new { limit })).AsList();
    }

    /// <summary>Records that the video's files were found whole as of its <paramref name="updatedAt"/>; a change since keeps it unverified.</summary>
    public Task<bool> MarkFilesVerifiedAsync(string id, long updatedAt, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE videos SET files_verified_at = @updatedAt WHERE id = @id AND updated_at = @updatedAt", new { id, updatedAt }, cancellationToken);

    /// <summary>Renames or changes visibility; making a video private also revokes its outstanding playback links.</summary>
    public async Task<bool> UpdateDetailsAsync(string id, string? title, string? visibility, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            """
            UPDATE videos SET
                title = COALESCE(@title, title),
                links_generation = links_generation + CASE WHEN @visibility = 'private' AND visibility <> 'private' THEN 1 ELSE 0 END,
                links_revoked_at = CASE WHEN @visibility = 'private' AND visibility <> 'private' THEN @now ELSE links_revoked_at END,
                visibility = COALESCE(@visibility, visibility),
                updated_at = @now
            WHERE id = @id
            """,
            new { id, title, visibility, now = Now }) > 0;
    }

    /// <summary>
    /// Sets or (with null) clears the chosen poster's file name, whose file is in <paramref name="media"/>'s folder;
    /// returns the one it replaced. Not found when the video is gone or has taken a replacement's files meanwhile.
    /// </summary>
    public async Task<(bool Found, string? Previous)> SetPosterAsync(MediaOf media, string? posterFile, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var previous = await connection.QuerySingleOrDefaultAsync<(string Id, string? PosterFile)?>(
            $"SELECT id, poster_file FROM videos WHERE {OfMedia}{database.ForUpdate}", new { media.VideoId, media.Folder }, transaction);
        if (previous is null) return (false, null);
        await connection.ExecuteAsync("UPDATE videos SET poster_file = @posterFile, updated_at = @now WHERE id = @id", new { id = media.VideoId, posterFile, now = Now }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return (true, previous.Value.PosterFile);
    }

    /// <summary>Every playback token made before this stops working (on every node, once it has read the change).</summary>
    public Task<bool> RevokeLinksAsync(string id, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE videos SET links_generation = links_generation + 1, links_revoked_at = @now WHERE id = @id", new { id, now = Now }, cancellationToken);

    /// <summary>Videos whose links were revoked at or after <paramref name="since"/> (Unix ms), with their current generation.</summary>
    public async Task<IReadOnlyList<(string Id, int Generation, long RevokedAt)>> RevokedSinceAsync(long since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, long)>(
            "SELECT id, links_generation, links_revoked_at FROM videos WHERE links_revoked_at >= @since", new { since })).AsList();
    }

    /// <summary>
    /// Removes the video with its jobs and any replacement pending for it (and, by cascade, everything else of them),
    /// and records that their files are to be removed (<see cref="FileDeletion"/>; <paramref name="resumableState"/>
    /// names an unfinished resumable upload's storage), the files of a version it replaced included, now. Returns what
    /// was recorded; null when there was no such video, and nothing is recorded. The jobs go first, in their own
    /// statement: a worker finishing a job locks its job row and then the video row (its next job's reference), so
    /// taking them in the same order never deadlocks with it on PostgreSQL.
    /// </summary>
    public async Task<IReadOnlyList<FileDeletion>?> DeleteAsync(string id, string? resumableState, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM jobs WHERE video_id = @id", new { id }, transaction);
        var removed = (await RemoveReplacementsAsync(connection, transaction, id, now)).ToList();
        var media = await connection.QuerySingleOrDefaultAsync<string>("SELECT COALESCE(media_id, id) FROM videos WHERE id = @id", new { id }, transaction);
        var deleted = await connection.ExecuteAsync("DELETE FROM videos WHERE id = @id", new { id }, transaction);
        if (deleted == 0 || media is null) return null;
        // With the row: whatever storage does next, the files are removed (now, or by the worker's sweep).
        removed.Add(await RecordFileDeletionAsync(connection, transaction, media, resumableState, now, notBefore: 0));
        if (media != id) removed.Add(await RecordFileDeletionAsync(connection, transaction, id, null, now, notBefore: 0));
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>
    /// Removes the replacement pending for the video, if any (returned, for its files to go), as when the owner
    /// cancels it; an empty list when there was none.
    /// </summary>
    public async Task<IReadOnlyList<FileDeletion>> CancelReplacementAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = await RemoveReplacementsAsync(connection, transaction, id, Now);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>The replacement pending for the video, if any: being uploaded, queued, processing, or failed.</summary>
    public async Task<VideoRecord?> ReplacementOfAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<VideoRecord>(
            $"SELECT {Selected} FROM videos WHERE replaces_id = @id ORDER BY created_at DESC", new { id });
    }

    /// <summary>
    /// A replacement that became playable takes its video's place, in one transaction, if the claim of the job that
    /// made it playable still holds: the video takes its probed details, state and files (<see cref="VideoRecord.MediaId"/>)
    /// and its jobs; the old version's jobs go (their changes no longer match, see <c>OfMedia</c>), its files are
    /// recorded for removal after <paramref name="keepOldFor"/> (viewers who started on it play on meanwhile), and a
    /// poster chosen for it and the captions taken from it go with it. Returns the video's id (which <paramref name="job"/> now names too); null when
    /// the replacement or the claim is gone.
    /// </summary>
    public async Task<string?> PromoteAsync(string replacementId, JobRecord job, TimeSpan keepOldFor, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Job rows before video rows, as a worker finishing a job and a delete take them.
        var claimed = await connection.QuerySingleOrDefaultAsync<long?>(
            $"SELECT id FROM jobs WHERE id = @Id AND state = 'running' AND lease_token = @LeaseToken{database.ForUpdate}", job, transaction);
        var replacement = await connection.QuerySingleOrDefaultAsync<VideoRecord>(
            $"SELECT {Columns} FROM videos WHERE id = @replacementId AND replaces_id IS NOT NULL{database.ForUpdate}", new { replacementId }, transaction);
        if (claimed is null || replacement is null) return null;
        var target = replacement.ReplacesId!;
        var oldMedia = await connection.QuerySingleAsync<string>(
            $"SELECT COALESCE(media_id, id) FROM videos WHERE id = @target{database.ForUpdate}", new { target }, transaction);
        await connection.ExecuteAsync("DELETE FROM jobs WHERE video_id = @target", new { target }, transaction);
        await connection.ExecuteAsync("UPDATE jobs SET video_id = @target WHERE video_id = @replacementId", new { target, replacementId }, transaction);
        // A client that lost the answer to its last bytes asks its upload URL, which now leads to the video.
        await connection.ExecuteAsync("UPDATE upload_urls SET video_id = @target WHERE video_id = @replacementId", new { target, replacementId }, transaction);
        await connection.ExecuteAsync(
            """
            UPDATE videos SET status = @Status, progress = @Progress, error_code = NULL, error_message = NULL,
                duration_seconds = @DurationSeconds, width = @Width, height = @Height, size_bytes = @SizeBytes,
                source_key = @SourceKey, probe_json = @ProbeJson, renditions = @Renditions, playable = @Playable,
                has_thumbnail = @HasThumbnail, has_storyboard = @HasStoryboard, has_download = @HasDownload,
                ready_at = NULL, poster_file = NULL, files_verified_at = NULL, media_id = @Media, updated_at = @UpdatedAt
            WHERE id = @Target
            """,
            new
            {
                replacement.Status, replacement.Progress, replacement.DurationSeconds, replacement.Width, replacement.Height,
                replacement.SizeBytes, replacement.SourceKey, replacement.ProbeJson, replacement.Renditions, replacement.Playable,
                replacement.HasThumbnail, replacement.HasStoryboard, replacement.HasDownload, replacement.Media, UpdatedAt = now, Target = target,
            }, transaction);
        await connection.ExecuteAsync("DELETE FROM videos WHERE id = @replacementId", new { replacementId }, transaction);
        // Captions taken from the old file go with it (their files are in its folder); uploaded ones stay.
        await connection.ExecuteAsync("DELETE FROM captions WHERE video_id = @target AND origin = 'source'", new { target }, transaction);
        await RecordFileDeletionAsync(connection, transaction, oldMedia, null, now, now + (long)keepOldFor.TotalMilliseconds);
        await transaction.CommitAsync(cancellationToken);
        // The claim's record follows its row: completing it queues what follows for the video.
        job.VideoId = target;
        return target;
    }

    /// <summary>Deletes the replacements pending for a video, with their jobs, and records their files for removal now.</summary>
    private static async Task<IReadOnlyList<FileDeletion>> RemoveReplacementsAsync(DbConnection connection, DbTransaction transaction, string id, long now)
    {
        var pending = (await connection.QueryAsync<FileDeletion>(
            "SELECT r.id AS VideoId, u.storage_state AS ResumableState FROM videos r LEFT JOIN uploads u ON u.video_id = r.id WHERE r.replaces_id = @id",
            new { id }, transaction)).AsList();
        if (pending.Count == 0) return [];
        await connection.ExecuteAsync("DELETE FROM jobs WHERE video_id IN (SELECT id FROM videos WHERE replaces_id = @id)", new { id }, transaction);
        await connection.ExecuteAsync("DELETE FROM videos WHERE replaces_id = @id", new { id }, transaction);
        foreach (var replacement in pending)
            await RecordFileDeletionAsync(connection, transaction, replacement.VideoId, replacement.ResumableState, now, notBefore: 0);
        return pending;
    }

    /// <summary>
    /// Records a folder's files for removal from <paramref name="notBefore"/> (Unix ms) on; one already recorded is
    /// due at the earlier of the two times (a video deleted while its replaced version's files wait goes at once).
    /// </summary>
    private static async Task<FileDeletion> RecordFileDeletionAsync(
        DbConnection connection, DbTransaction transaction, string folder, string? resumableState, long now, long notBefore)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO file_deletions (video_id, resumable_state, requested_at, not_before) VALUES (@folder, @resumableState, @now, @notBefore)
            ON CONFLICT (video_id) DO UPDATE SET not_before = CASE WHEN excluded.not_before < file_deletions.not_before THEN excluded.not_before ELSE file_deletions.not_before END
            """,
            new { folder, resumableState, now, notBefore }, transaction);
        return new FileDeletion { VideoId = folder, ResumableState = resumableState };
    }

    /// <summary>Folders whose files are to remove (deleted videos, replaced versions) and are due, oldest first.</summary>
    public async Task<IReadOnlyList<FileDeletion>> FileDeletionsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<FileDeletion>(
            "SELECT video_id AS VideoId, resumable_state AS ResumableState FROM file_deletions WHERE not_before <= @now ORDER BY requested_at LIMIT @limit",
            new { limit, now = Now })).AsList();
    }

    /// <summary>The files of a deleted video are gone.</summary>
    public Task ForgetFileDeletionAsync(string id, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM file_deletions WHERE video_id = @id", new { id }, cancellationToken);

    /// <summary>Moves a queued video to processing; a failed or ready one stays as it is.</summary>
    public Task<bool> StartProcessingAsync(MediaOf media, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE videos SET status = 'processing', updated_at = @now WHERE {OfMedia} AND status IN ('queued', 'processing')", new { media.VideoId, media.Folder, now = Now }, cancellationToken);

    public Task<bool> SetProgressAsync(MediaOf media, double progress, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE videos SET progress = @progress, updated_at = @now WHERE {OfMedia}", new { media.VideoId, media.Folder, progress = Math.Clamp(progress, 0, 1), now = Now }, cancellationToken);

    public Task<bool> SetRenditionsAsync(MediaOf media, IReadOnlyList<RenditionState> renditions, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE videos SET renditions = @json, playable = @playable, updated_at = @now WHERE {OfMedia}",
            new { media.VideoId, media.Folder, json = JsonSerializer.Serialize(renditions), playable = RenditionState.Listed(renditions).Variants.Count > 0, now = Now },
            cancellationToken);

    public Task<bool> SetFilesAsync(MediaOf media, bool? thumbnail, bool? storyboard, bool? download, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE videos SET has_thumbnail = COALESCE(@thumbnail, has_thumbnail), has_storyboard = COALESCE(@storyboard, has_storyboard), has_download = COALESCE(@download, has_download), updated_at = @now WHERE {OfMedia}",
            new { media.VideoId, media.Folder, thumbnail, storyboard, download, now = Now },
            cancellationToken);

    public Task<bool> MarkReadyAsync(MediaOf media, string? sourceKey, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE videos SET status = 'ready', progress = 1, error_code = NULL, error_message = NULL, source_key = @sourceKey, ready_at = COALESCE(ready_at, @now), updated_at = @now WHERE {OfMedia}",
            new { media.VideoId, media.Folder, sourceKey, now = Now },
            cancellationToken);

    /// <summary>
    /// A failed video whose upload is still stored is processed again: its old jobs go, and the job that follows what
    /// it has (the rest of the ladder for a playable one, else a new start) is queued, in one transaction. Returns that
    /// job's kind; null when the video is not failed or its upload is gone.
    /// </summary>
    public async Task<string?> RetryAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var video = await connection.QuerySingleOrDefaultAsync<VideoRecord>(
            $"SELECT {Columns} FROM videos WHERE id = @id{database.ForUpdate}", new { id }, transaction);
        if (video is not { Status: VideoStatus.Failed, SourceKey: not null }) return null;
        await connection.ExecuteAsync("DELETE FROM jobs WHERE video_id = @id", new { id }, transaction);
        await connection.ExecuteAsync(
            "UPDATE videos SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = @now WHERE id = @id", new { id, now = Now }, transaction);
        var kind = video.Playable ? JobKind.Encode : JobKind.Prepare;
        await JobQueue.EnqueueAsync(connection, transaction, id, kind, Now);
        await transaction.CommitAsync(cancellationToken);
        return kind;
    }

    public Task<bool> MarkFailedAsync(string id, string code, string message, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE videos SET status = 'failed', error_code = @code, error_message = @message, updated_at = @now WHERE id = @id AND status <> 'ready'",
            new { id, code, message, now = Now },
            cancellationToken);

    /// <summary>
    /// What an account's quota counts: the uploaded size of each of its videos, whatever their state, and for an upload
    /// still arriving its declared length (its row's size until the last byte is in).
    /// </summary>
    public async Task<long> StoredBytesOfAsync(string ownerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            new CommandDefinition("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM videos WHERE owner_id = @ownerId", new { ownerId }, cancellationToken: cancellationToken));
    }

    public static IReadOnlyList<RenditionState> Renditions(VideoRecord video) =>
        JsonSerializer.Deserialize<List<RenditionState>>(video.Renditions) ?? [];

    private async Task<bool> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(sql, parameters, cancellationToken) > 0;
}
