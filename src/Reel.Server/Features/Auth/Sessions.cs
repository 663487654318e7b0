using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

internal sealed record UserDto(string Id, string Email, string DisplayName, IReadOnlyList<string> Roles, DateTime CreatedAt)
{
    public static UserDto From(UserRecord user) =>
        new(user.Id, user.Email, user.DisplayName, user.RoleList, DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAt).UtcDateTime);
}

internal sealed record SessionDto(string AccessToken, string? RefreshToken, int ExpiresIn, UserDto User);

/// <summary>Issues access tokens (RS256 JWTs) and rotating refresh tokens; checks passwords.</summary>
internal sealed class Sessions(AccountStore accounts, SigningKeys keys, IOptions<AuthOptions> options, TimeProvider clock)
{
    public const string RefreshCookie = "reel_refresh";
    public const int MinPasswordLength = 10;
    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // Compared against when the account does not exist, so a wrong email takes as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new UserRecord(), "not a password anyone has");

    private AuthOptions Options => options.Value;

    /// <summary>Makes an account (the very first one becomes admin); null when the email is taken.</summary>
    public async Task<UserRecord?> CreateUserAsync(string email, string displayName, string password, string roles, CancellationToken cancellationToken)
    {
        var user = new UserRecord
        {
            Id = Ids.New(),
            Email = email,
            DisplayName = displayName.Length > 0 ? displayName : email[..email.IndexOf('@', StringComparison.Ordinal)],
            Roles = roles,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        user.PasswordHash = Hasher.HashPassword(user, password);
        return await accounts.InsertUserAsync(user, Roles.Admin, cancellationToken) ? user : null;
    }

    /// <summary>The address in the one form it is stored and compared in; null when it is not an email address.</summary>
    public static string? NormalizeEmail(string? email)
    {
        var trimmed = (email ?? "").Trim();
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        return trimmed.Length is > 2 and <= 254 && at > 0 && at == trimmed.LastIndexOf('@') && at < trimmed.Length - 1
               && !trimmed.Any(char.IsWhiteSpace) && !trimmed.Any(char.IsControl)
            ? trimmed.ToLowerInvariant()
            : null;
    }


    /// <summary>Checks a password; returns whether it matched and, when the stored hash is outdated, a new one.</summary>
    public static (bool Ok, string? Rehashed) VerifyPassword(UserRecord? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(user ?? new UserRecord(), user?.PasswordHash ?? DummyHash, password);
        if (user is null || result == PasswordVerificationResult.Failed) return (false, null);
        return (true, result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password) : null);
    }

    public string AccessToken(UserRecord user)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer,
            Audience = Options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(Options.AccessTokenMinutes),
            SigningCredentials = new SigningCredentials(keys.Current, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                [Claims.Subject] = user.Id,
                [Claims.Roles] = user.RoleList,
                [Claims.Name] = user.DisplayName,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A new access token and a refresh token in <paramref name="family"/> (a new login when null).</summary>
    public async Task<SessionDto> StartAsync(UserRecord user, string? family, CancellationToken cancellationToken)
    {
        var refresh = Secrets.New("rt_");
        await accounts.InsertRefreshTokenAsync(Secrets.Hash(refresh), family ?? Guid.NewGuid().ToString("N"), user.Id,
            RefreshLifetime, cancellationToken);
        return new SessionDto(AccessToken(user), refresh, Options.AccessTokenMinutes * 60, UserDto.From(user));
    }

    public TimeSpan RefreshLifetime => TimeSpan.FromDays(Options.RefreshTokenDays);

    /// <summary>Spends a refresh token for a new session. Presenting a spent token revokes its whole family: it was stolen or replayed.</summary>
    public async Task<(SessionDto? Session, string? Problem)> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = Secrets.Hash(refreshToken);
        var record = await accounts.FindRefreshTokenAsync(hash, cancellationToken);
        if (record is null || record.RevokedAt is not null || record.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds())
            return (null, "invalid_refresh_token");
        var spentNow = record.UsedAt is null && await accounts.SpendRefreshTokenAsync(hash, cancellationToken);
        if (!spentNow && !await IsReloadAsync(record, hash, cancellationToken))
        {
            await accounts.RevokeFamilyAsync(record.Family, cancellationToken);
            return (null, "refresh_token_reused");
        }
        if (await accounts.FindUserAsync(id: record.UserId, cancellationToken: cancellationToken) is not { } user)
            return (null, "invalid_refresh_token");
        return (await StartAsync(user, record.Family, cancellationToken), null);
    }

    /// <summary>
    /// A browser that reloads while a refresh is in flight never receives the successor and presents the spent token
    /// again; so does a second tab. Moments after its use, and while no later token of the family has been used, that
    /// is no theft.
    /// </summary>
    private async Task<bool> IsReloadAsync(RefreshTokenRecord record, string hash, CancellationToken cancellationToken)
    {
        // Read again only when a concurrent request spent it between our read and our update.
        var usedAt = record.UsedAt ?? (await accounts.FindRefreshTokenAsync(hash, cancellationToken))?.UsedAt;
        return usedAt is { } at
            && clock.GetUtcNow().ToUnixTimeMilliseconds() - at <= TimeSpan.FromSeconds(Options.RefreshReuseGraceSeconds).TotalMilliseconds
            && !await accounts.FamilyUsedSinceAsync(record.Family, at, cancellationToken);
    }

    public async Task LogoutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if (await accounts.FindRefreshTokenAsync(Secrets.Hash(refreshToken), cancellationToken) is { } record)
            await accounts.RevokeFamilyAsync(record.Family, cancellationToken);
    }
}
