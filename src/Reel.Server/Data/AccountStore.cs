using Dapper;

namespace Reel.Server.Data;

internal sealed class UserRecord
{
    public string Id { get; set; } = "";
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string Roles { get; set; } = "";
    public long CreatedAt { get; set; }

    public string[] RoleList => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class RefreshTokenRecord
{
    public string TokenHash { get; set; } = "";
    public string Family { get; set; } = "";
    public string UserId { get; set; } = "";
    public long ExpiresAt { get; set; }
    public long? UsedAt { get; set; }
    public long? RevokedAt { get; set; }
}

internal sealed class ApiKeyRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? CreatedBy { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>False once its maker was deleted or is no longer an admin: the key no longer works.</summary>
    public bool Active { get; set; }
}

/// <summary>The SQL of users, their refresh tokens, upload keys and where they stopped watching.</summary>
internal sealed class AccountStore(Database database, TimeProvider clock)
{
    private const string UserColumns = "id, email, display_name, password_hash, roles, created_at";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Adds a user; the very first one gets <paramref name="firstUserRoles"/>. False when the email is taken.</summary>
    public async Task<bool> InsertUserAsync(UserRecord user, string firstUserRoles, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE email = @Email", user, transaction) > 0) return false;
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users", transaction: transaction) == 0) user.Roles = firstUserRoles;
        await connection.ExecuteAsync($"INSERT INTO users ({UserColumns}) VALUES (@Id, @Email, @DisplayName, @PasswordHash, @Roles, @CreatedAt)", user, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<UserRecord?> FindUserAsync(string? id = null, string? email = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(
            $"SELECT {UserColumns} FROM users WHERE id = @id OR email = @email", new { id, email });
    }

    /// <summary>The account's roles as stored (comma-separated); null when there is no such account.</summary>
    public Task<string?> RolesOfAsync(string userId, CancellationToken cancellationToken) =>
        ScalarAsync<string?>("SELECT roles FROM users WHERE id = @userId", new { userId }, cancellationToken);

    /// <summary>Display names of the given users, in one query; deleted users are missing.</summary>
    public async Task<IReadOnlyDictionary<string, string>> DisplayNamesAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0) return new Dictionary<string, string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string DisplayName)>(
            $"SELECT id, display_name FROM users WHERE id {database.InList("userIds")}", new { userIds = userIds.ToArray() });
        return rows.ToDictionary(r => r.Id, r => r.DisplayName, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<UserRecord>> ListUsersAsync(int limit, (long CreatedAt, string Id)? after, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<UserRecord>(
            $"SELECT {UserColumns} FROM users WHERE @hasCursor = 0 OR created_at < @createdAt OR (created_at = @createdAt AND id < @id) ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { hasCursor = after is null ? 0 : 1, createdAt = after?.CreatedAt ?? 0, id = after?.Id ?? "", limit })).AsList();
    }

    public Task<int> CountAdminsAsync(CancellationToken cancellationToken) =>
        ScalarAsync<int>("SELECT COUNT(*) FROM users WHERE ',' || roles || ',' LIKE '%,admin,%'", null, cancellationToken);

    public Task<int> SetRolesAsync(string userId, string roles, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE users SET roles = @roles WHERE id = @userId", new { userId, roles }, cancellationToken);

    public Task<int> SetPasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @userId", new { userId, passwordHash }, cancellationToken);

    public Task<int> DeleteUserAsync(string userId, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM users WHERE id = @userId", new { userId }, cancellationToken);

    public Task<int> InsertRefreshTokenAsync(string tokenHash, string family, string userId, TimeSpan lifetime, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, family, user_id, created_at, expires_at) VALUES (@tokenHash, @family, @userId, @now, @expires)",
            new { tokenHash, family, userId, now = Now, expires = Now + (long)lifetime.TotalMilliseconds }, cancellationToken);

    public async Task<RefreshTokenRecord?> FindRefreshTokenAsync(string tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RefreshTokenRecord>(
            "SELECT token_hash, family, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = @tokenHash", new { tokenHash });
    }

    /// <summary>Spends a refresh token; false when it was already spent (by a concurrent request or a thief).</summary>
    public async Task<bool> SpendRefreshTokenAsync(string tokenHash, CancellationToken cancellationToken) =>
        await database.ExecuteAsync("UPDATE refresh_tokens SET used_at = @now WHERE token_hash = @tokenHash AND used_at IS NULL AND revoked_at IS NULL",
            new { tokenHash, now = Now }, cancellationToken) == 1;

    /// <summary>Whether a token of the family was spent after <paramref name="since"/> (Unix ms).</summary>
    public async Task<bool> FamilyUsedSinceAsync(string family, long since, CancellationToken cancellationToken) =>
        await ScalarAsync<long>("SELECT COUNT(*) FROM refresh_tokens WHERE family = @family AND used_at > @since", new { family, since }, cancellationToken) > 0;

    public Task<int> RevokeFamilyAsync(string family, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE refresh_tokens SET revoked_at = @now WHERE family = @family AND revoked_at IS NULL", new { family, now = Now }, cancellationToken);

    public Task<int> InsertApiKeyAsync(string id, string name, string keyHash, string? createdBy, CancellationToken cancellationToken) =>
        database.ExecuteAsync("INSERT INTO api_keys (id, name, key_hash, created_by, created_at) VALUES (@id, @name, @keyHash, @createdBy, @now)",
            new { id, name, keyHash, createdBy, now = Now }, cancellationToken);

    // A key acts for the admin who made it: it works while that account exists and is still an admin. Checked in the
    // same query that finds the key, so it costs nothing more and is current on every node at once.
    private const string KeyMakerIsAdmin = "(k.created_by IS NULL OR ',' || u.roles || ',' LIKE '%,admin,%')";

    /// <summary>The id of a working upload key; null when there is none, or its maker was deleted or is no longer an admin.</summary>
    public Task<string?> FindApiKeyIdAsync(string keyHash, CancellationToken cancellationToken) =>
        ScalarAsync<string?>($"SELECT k.id FROM api_keys k LEFT JOIN users u ON u.id = k.created_by WHERE k.key_hash = @keyHash AND {KeyMakerIsAdmin}",
            new { keyHash }, cancellationToken);

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ApiKeyRecord>(
            $"SELECT k.id, k.name, k.created_by, k.created_at, CASE WHEN {KeyMakerIsAdmin} THEN 1 ELSE 0 END AS active FROM api_keys k LEFT JOIN users u ON u.id = k.created_by ORDER BY k.created_at DESC")).AsList();
    }

    public Task<int> DeleteApiKeyAsync(string id, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM api_keys WHERE id = @id", new { id }, cancellationToken);

    /// <summary>Nothing is saved (0) when the account or the video was deleted meanwhile: no foreign-key error.</summary>
    public Task<int> SaveProgressAsync(string userId, string videoId, double positionSeconds, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            """
            INSERT INTO watch_progress (user_id, video_id, position_seconds, updated_at)
            SELECT @userId, @videoId, @positionSeconds, @now
            WHERE EXISTS (SELECT 1 FROM users WHERE id = @userId) AND EXISTS (SELECT 1 FROM videos WHERE id = @videoId)
            ON CONFLICT (user_id, video_id) DO UPDATE SET position_seconds = excluded.position_seconds, updated_at = excluded.updated_at
            """,
            new { userId, videoId, positionSeconds, now = Now }, cancellationToken);

    public Task<int> ClearProgressAsync(string userId, string videoId, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM watch_progress WHERE user_id = @userId AND video_id = @videoId", new { userId, videoId }, cancellationToken);

    public async Task<IReadOnlyDictionary<string, double>> ProgressAsync(string userId, IReadOnlyCollection<string> videoIds, CancellationToken cancellationToken)
    {
        if (videoIds.Count == 0) return new Dictionary<string, double>();
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string VideoId, double PositionSeconds)>(
            $"SELECT video_id, position_seconds FROM watch_progress WHERE user_id = @userId AND video_id {database.InList("videoIds")}",
            new { userId, videoIds = videoIds.ToArray() });
        return rows.ToDictionary(r => r.VideoId, r => r.PositionSeconds, StringComparer.Ordinal);
    }

    private async Task<T> ScalarAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)))!;
    }
}
