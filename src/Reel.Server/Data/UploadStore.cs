using Dapper;

namespace Reel.Server.Data;

/// <summary>
/// The SQL of resumable uploads. A request that appends to an upload holds its lock, a lease renewed while the body
/// arrives, so two requests (on any nodes) never append at once and a node that died lets go when the lease ends.
/// A request that wants the upload while another holds it asks the holder to stop (<see cref="RequestStopAsync"/>);
/// the holder learns it at its next renewal. An upload is found by the hash of its secret URL key (ADR 15).
/// </summary>
internal sealed class UploadStore(Database database, VideoStore videos, TimeProvider clock)
{
    private const string Columns = "video_id, length, offset_bytes, storage_state, expires_at";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Stores the video (status <c>uploading</c>), its upload and the hash of its URL key together. For a replacement,
    /// returns the replacements it took the place of, as <see cref="VideoStore.InsertWithJobAsync"/> does; null, and
    /// nothing stored, when the video it replaces is gone or uploading.
    /// </summary>
    public async Task<IReadOnlyList<FileDeletion>?> CreateAsync(VideoRecord video, UploadRecord upload, string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await videos.InsertAsync(connection, transaction, video) is not { } superseded) return null;
        await connection.ExecuteAsync(
            $"INSERT INTO uploads ({Columns}) VALUES (@VideoId, @Length, @OffsetBytes, @StorageState, @ExpiresAt)", upload, transaction);
        await connection.ExecuteAsync("INSERT INTO upload_urls (key_hash, video_id) VALUES (@keyHash, @VideoId)", new { keyHash, upload.VideoId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return superseded;
    }

    /// <summary>The video an upload URL key belongs to; kept after the upload finished, for as long as the video lives.</summary>
    public async Task<string?> VideoIdOfAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT video_id FROM upload_urls WHERE key_hash = @keyHash", new { keyHash });
    }

    public async Task<UploadRecord?> GetAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UploadRecord>($"SELECT {Columns} FROM uploads WHERE video_id = @videoId", new { videoId });
    }

    /// <summary>
    /// Takes the upload's lock for <paramref name="lease"/> unless another request holds it. With
    /// <paramref name="onlyIfExpired"/> (the sweeper's claim) only an upload still past its expiry is taken, so one that a
    /// request is adding to or judging, or has renewed since it was listed, is never removed.
    /// </summary>
    public async Task<bool> TryLockAsync(string videoId, string owner, TimeSpan lease, CancellationToken cancellationToken, bool onlyIfExpired = false)
    {
        var now = Now;
        return await database.ExecuteAsync(
            "UPDATE uploads SET lock_owner = @owner, lock_until = @until, lock_stop = 0 WHERE video_id = @videoId AND (lock_owner IS NULL OR lock_until < @now) AND expires_at < @expiredBefore",
            new { videoId, owner, until = now + (long)lease.TotalMilliseconds, now, expiredBefore = onlyIfExpired ? now : long.MaxValue }, cancellationToken) > 0;
    }

    /// <summary>
    /// Extends the lock; false when the holder should stop: another request asked for the upload, the lock was lost
    /// (expired and taken), or the upload is gone. A holder asked to stop still owns the lock until it unlocks, so it
    /// can record what it stored.
    /// </summary>
    public async Task<bool> RenewLockAsync(string videoId, string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE uploads SET lock_until = @until WHERE video_id = @videoId AND lock_owner = @owner AND lock_stop = 0",
            new { videoId, owner, until = Now + (long)lease.TotalMilliseconds }, cancellationToken) > 0;

    /// <summary>Asks whoever holds the upload's lock to store what it has and let go.</summary>
    public Task RequestStopAsync(string videoId, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE uploads SET lock_stop = 1 WHERE video_id = @videoId AND lock_owner IS NOT NULL", new { videoId }, cancellationToken);

    public Task UnlockAsync(string videoId, string owner, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "UPDATE uploads SET lock_owner = NULL, lock_until = NULL, lock_stop = 0 WHERE video_id = @videoId AND lock_owner = @owner", new { videoId, owner }, cancellationToken);

    /// <summary>Records bytes stored by the lock holder; false when the lock was lost and nothing was recorded.</summary>
    public async Task<bool> SaveProgressAsync(string videoId, string owner, long offset, string storageState, long expiresAt, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE uploads SET offset_bytes = @offset, storage_state = @storageState, expires_at = @expiresAt WHERE video_id = @videoId AND lock_owner = @owner",
            new { videoId, owner, offset, storageState, expiresAt }, cancellationToken) > 0;

    /// <summary>
    /// The last byte is in and the content is judged: the video takes its probed details and its first job, and the
    /// upload row goes, in one transaction. False when the video is no longer uploading (finished before, or deleted).
    /// </summary>
    public async Task<bool> FinishAsync(VideoRecord video, string jobKind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            """
            UPDATE videos SET status = @Status, duration_seconds = @DurationSeconds, width = @Width, height = @Height,
                size_bytes = @SizeBytes, probe_json = @ProbeJson, updated_at = @UpdatedAt
            WHERE id = @Id AND status = 'uploading'
            """, video, transaction);
        if (updated == 0) return false;
        await connection.ExecuteAsync("DELETE FROM uploads WHERE video_id = @Id", video, transaction);
        await JobQueue.EnqueueAsync(connection, transaction, video.Id, jobKind, Now);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Uploads nobody has added to before their expiry.</summary>
    public async Task<IReadOnlyList<UploadRecord>> ExpiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<UploadRecord>($"SELECT {Columns} FROM uploads WHERE expires_at < @now", new { now = Now })).AsList();
    }

    /// <summary>
    /// Resumable uploads of <paramref name="uploader"/> still open (not yet expired), counted in the database so the
    /// cap holds across nodes.
    /// </summary>
    public async Task<long> OpenCountAsync(string uploader, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM videos v JOIN uploads u ON u.video_id = v.id WHERE v.uploader = @uploader AND v.status = 'uploading' AND u.expires_at >= @now",
            new { uploader, now = Now }, cancellationToken: cancellationToken));
    }

    /// <summary>Ids of the videos whose uploads are still arriving.</summary>
    public async Task<IReadOnlySet<string>> ActiveIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT video_id FROM uploads")).ToHashSet(StringComparer.Ordinal);
    }
}
