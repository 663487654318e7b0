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
    private const string Columns = "id, title, status, visibility, progress, error_code, error_message, duration_seconds, width, height, size_bytes, source_key, probe_json, renditions, playable, has_thumbnail, has_storyboard, has_download, created_at, ready_at, updated_at, owner_id, manage_token_hash, links_generation, uploader, views, poster_file";

    // What a read returns: the columns, and the progress of an upload still arriving.
    private const string Selected = Columns + ", (SELECT u.offset_bytes FROM uploads u WHERE u.video_id = videos.id) AS uploaded_bytes";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Stores a new video and its first job in one transaction: a video never exists without work to do.</summary>
    public async Task InsertWithJobAsync(VideoRecord video, string jobKind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertAsync(connection, transaction, video);
        await JobQueue.EnqueueAsync(connection, transaction, video.Id, jobKind, Now);
        await transaction.CommitAsync(cancellationToken);
    }

    // An owner whose account was deleted while the upload was in flight gives a video owned by nobody, as a deletion a
    // moment later would have (ON DELETE SET NULL), rather than a foreign-key error.
    internal static Task InsertAsync(DbConnection connection, DbTransaction transaction, VideoRecord video) =>
        connection.ExecuteAsync(
            $"INSERT INTO videos ({Columns}) VALUES (@Id, @Title, @Status, @Visibility, @Progress, @ErrorCode, @ErrorMessage, @DurationSeconds, @Width, @Height, @SizeBytes, @SourceKey, @ProbeJson, @Renditions, @Playable, @HasThumbnail, @HasStoryboard, @HasDownload, @CreatedAt, @ReadyAt, @UpdatedAt, (SELECT id FROM users WHERE id = @OwnerId), @ManageTokenHash, @LinksGeneration, @Uploader, @Views, @PosterFile)",
            video, transaction);

    public async Task<VideoRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<VideoRecord>($"SELECT {Selected} FROM videos WHERE id = @id", new { id });
    }

    /// <summary>Newest first; the cursor is the (created_at, id) of the last item of the previous page.</summary>
    public async Task<IReadOnlyList<VideoRecord>> ListAsync(VideoScope scope, string? userId, int limit, (long CreatedAt, string Id)? after, CancellationToken cancellationToken)
    {
        var visible = scope switch
        {
            VideoScope.All => "1 = 1",
            VideoScope.OwnedBy => "owner_id = @userId",
            _ => "((visibility = 'public' AND status <> 'uploading') OR owner_id = @userId)",
        };
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<VideoRecord>(
            $"SELECT {Selected} FROM videos WHERE {visible} AND (@hasCursor = 0 OR created_at < @createdAt OR (created_at = @createdAt AND id < @id)) ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { userId, hasCursor = after is null ? 0 : 1, createdAt = after?.CreatedAt ?? 0, id = after?.Id ?? "", limit });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<VideoRecord>> ListByStatusAsync(string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VideoRecord>($"SELECT {Selected} FROM videos WHERE status = @status", new { status })).AsList();
    }

    /// <summary>Which of <paramref name="ids"/> are videos (a page of a storage listing, not every id there is).</summary>
    public async Task<IReadOnlySet<string>> ExistingAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return new HashSet<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>($"SELECT id FROM videos WHERE id {database.InList("ids")}", new { ids = ids.ToArray() })).ToHashSet(StringComparer.Ordinal);
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

    /// <summary>Sets or (with null) clears the chosen poster's file name; returns the one it replaced, or null when the video is gone.</summary>
    public async Task<(bool Found, string? Previous)> SetPosterAsync(string id, string? posterFile, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var previous = await connection.QuerySingleOrDefaultAsync<(string Id, string? PosterFile)?>(
            $"SELECT id, poster_file FROM videos WHERE id = @id{database.ForUpdate}", new { id }, transaction);
        if (previous is null) return (false, null);
        await connection.ExecuteAsync("UPDATE videos SET poster_file = @posterFile, updated_at = @now WHERE id = @id", new { id, posterFile, now = Now }, transaction);
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
    /// Removes the video with its jobs (and, by cascade, everything else of it), and records that its files are to be
    /// removed (<see cref="FileDeletion"/>; <paramref name="resumableState"/> names an unfinished resumable upload's
    /// storage). False when there was no such video, and nothing is recorded. The jobs go first, in their own
    /// statement: a worker finishing a job locks its job row and then the video row (its next job's reference), so
    /// taking them in the same order never deadlocks with it on PostgreSQL.
    /// </summary>
    public async Task<bool> DeleteAsync(string id, string? resumableState, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM jobs WHERE video_id = @id", new { id }, transaction);
        var deleted = await connection.ExecuteAsync("DELETE FROM videos WHERE id = @id", new { id }, transaction);
        // With the row: whatever storage does next, the files are removed (now, or by the worker's sweep).
        if (deleted > 0)
        {
            await connection.ExecuteAsync(
                "INSERT INTO file_deletions (video_id, resumable_state, requested_at) VALUES (@id, @resumableState, @now) ON CONFLICT (video_id) DO NOTHING",
                new { id, resumableState, now = Now }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    /// <summary>Deleted videos whose files are still to remove, oldest first.</summary>
    public async Task<IReadOnlyList<FileDeletion>> FileDeletionsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<FileDeletion>(
            "SELECT video_id AS VideoId, resumable_state AS ResumableState FROM file_deletions ORDER BY requested_at LIMIT @limit", new { limit })).AsList();
    }

    /// <summary>The files of a deleted video are gone.</summary>
    public Task ForgetFileDeletionAsync(string id, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM file_deletions WHERE video_id = @id", new { id }, cancellationToken);

    /// <summary>Moves a queued video to processing; a failed or ready one stays as it is.</summary>
    public Task<bool> StartProcessingAsync(string id, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE videos SET status = 'processing', updated_at = @now WHERE id = @id AND status IN ('queued', 'processing')", new { id, now = Now }, cancellationToken);

    public Task<bool> SetProgressAsync(string id, double progress, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE videos SET progress = @progress, updated_at = @now WHERE id = @id", new { id, progress = Math.Clamp(progress, 0, 1), now = Now }, cancellationToken);

    public Task<bool> SetRenditionsAsync(string id, IReadOnlyList<RenditionState> renditions, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE videos SET renditions = @json, playable = @playable, updated_at = @now WHERE id = @id",
            new { id, json = JsonSerializer.Serialize(renditions), playable = RenditionState.Listed(renditions).Variants.Count > 0, now = Now },
            cancellationToken);

    public Task<bool> SetFilesAsync(string id, bool? thumbnail, bool? storyboard, bool? download, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE videos SET has_thumbnail = COALESCE(@thumbnail, has_thumbnail), has_storyboard = COALESCE(@storyboard, has_storyboard), has_download = COALESCE(@download, has_download), updated_at = @now WHERE id = @id",
            new { id, thumbnail, storyboard, download, now = Now },
            cancellationToken);

    public Task<bool> MarkReadyAsync(string id, string? sourceKey, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE videos SET status = 'ready', progress = 1, error_code = NULL, error_message = NULL, source_key = @sourceKey, ready_at = COALESCE(ready_at, @now), updated_at = @now WHERE id = @id",
            new { id, sourceKey, now = Now },
            cancellationToken);

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
