using Dapper;

namespace Reel.Server.Data;

/// <summary>
/// The SQL of resumable uploads. A request that appends to an upload holds its lock, a lease renewed while the body
/// arrives, so two requests (on any nodes) never append at once and a node that died lets go when the lease ends.
/// </summary>
internal sealed class UploadStore(Database database, TimeProvider clock)
{
    private const string Columns = "video_id, length, offset_bytes, storage_state, expires_at";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Stores the video (status <c>uploading</c>) and its upload together.</summary>
    public async Task CreateAsync(VideoRecord video, UploadRecord upload, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await VideoStore.InsertAsync(connection, transaction, video);
        await connection.ExecuteAsync(
            $"INSERT INTO uploads ({Columns}) VALUES (@VideoId, @Length, @OffsetBytes, @StorageState, @ExpiresAt)", upload, transaction);
        await transaction.CommitAsync(cancellationToken);
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
            "UPDATE uploads SET lock_owner = @owner, lock_until = @until WHERE video_id = @videoId AND (lock_owner IS NULL OR lock_until < @now) AND expires_at < @expiredBefore",
            new { videoId, owner, until = now + (long)lease.TotalMilliseconds, now, expiredBefore = onlyIfExpired ? now : long.MaxValue }, cancellationToken) > 0;
    }

    /// <summary>Extends the lock; false when it was lost (expired and taken, or the upload is gone).</summary>
    public async Task<bool> RenewLockAsync(string videoId, string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE uploads SET lock_until = @until WHERE video_id = @videoId AND lock_owner = @owner",
            new { videoId, owner, until = Now + (long)lease.TotalMilliseconds }, cancellationToken) > 0;

    public Task UnlockAsync(string videoId, string owner, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE uploads SET lock_owner = NULL, lock_until = NULL WHERE video_id = @videoId AND lock_owner = @owner", new { videoId, owner }, cancellationToken);

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

    /// <summary>Ids of the videos whose uploads are still arriving.</summary>
    public async Task<IReadOnlySet<string>> ActiveIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT video_id FROM uploads")).ToHashSet(StringComparer.Ordinal);
    }
}
