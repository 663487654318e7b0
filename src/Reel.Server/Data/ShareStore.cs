using Dapper;

namespace Reel.Server.Data;

/// <summary>Share links and view counts. A revoked share keeps its row, raised in generation, so stream nodes hear of it.</summary>
internal sealed class ShareStore(Database database, TimeProvider clock)
{
    private const string Columns = "id, video_id, share_key, label, expires_at, password_hash, allow_download, views, created_at, generation, revoked_at";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InsertAsync(ShareRecord share, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO shares ({Columns}) VALUES (@Id, @VideoId, @ShareKey, @Label, @ExpiresAt, @PasswordHash, @AllowDownload, @Views, @CreatedAt, @Generation, @RevokedAt)",
            share, cancellationToken: cancellationToken));
    }

    /// <summary>The video's shares that are not revoked, oldest first.</summary>
    public async Task<IReadOnlyList<ShareRecord>> ListAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ShareRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM shares WHERE video_id = @videoId AND revoked_at IS NULL ORDER BY created_at, id",
            new { videoId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The share with this key, revoked or not; null when there is none.</summary>
    public async Task<ShareRecord?> GetByKeyAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ShareRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM shares WHERE share_key = @key", new { key }, cancellationToken: cancellationToken));
    }

    public async Task<ShareRecord?> GetAsync(string videoId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ShareRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM shares WHERE id = @id AND video_id = @videoId AND revoked_at IS NULL", new { id, videoId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Writes the share's label, expiry, password and download setting; with <paramref name="stopIssuedUrls"/> the media
    /// URLs handed out before stop working (on every node once it has read the change). False when it is gone.
    /// </summary>
    public Task<bool> UpdateAsync(ShareRecord share, bool stopIssuedUrls, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            UPDATE shares SET label = @Label, expires_at = @ExpiresAt, password_hash = @PasswordHash, allow_download = @AllowDownload,
                generation = generation + @raise, changed_at = CASE WHEN @raise = 1 THEN @now ELSE changed_at END
            WHERE id = @Id AND revoked_at IS NULL
            """,
            new { share.Id, share.Label, share.ExpiresAt, share.PasswordHash, share.AllowDownload, raise = stopIssuedUrls ? 1 : 0, now = Now },
            cancellationToken);

    /// <summary>The link stops, and every media URL handed out through it (once each node has read the change).</summary>
    public Task<bool> RevokeAsync(string videoId, string id, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE shares SET revoked_at = @now, generation = generation + 1, changed_at = @now WHERE id = @id AND video_id = @videoId AND revoked_at IS NULL",
            new { id, videoId, now = Now }, cancellationToken);

    /// <summary>Shares changed in a way that stops their issued URLs at or after <paramref name="since"/> (Unix ms), with their current generation.</summary>
    public async Task<IReadOnlyList<(string Id, int Generation, long ChangedAt)>> ChangedSinceAsync(long since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, long)>(new CommandDefinition(
            "SELECT id, generation, changed_at FROM shares WHERE changed_at >= @since", new { since }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>One view of the video, counted on the share it came through when there is one.</summary>
    public async Task CountViewAsync(string videoId, string? shareId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE videos SET views = views + 1 WHERE id = @videoId", new { videoId }, transaction);
        if (shareId is not null) await connection.ExecuteAsync("UPDATE shares SET views = views + 1 WHERE id = @shareId", new { shareId }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<bool> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)) > 0;
    }
}
