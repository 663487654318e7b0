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
    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // Compared against when the account does not exist, so a wrong email takes as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(new UserRecord(), "not a password anyone has");

    private AuthOptions Options => options.Value;

    public static string HashPassword(UserRecord user, string password) => Hasher.HashPassword(user, password);

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
        if (record.UsedAt is not null || !await accounts.SpendRefreshTokenAsync(hash, cancellationToken))
        {
            // A browser that reloads while a refresh is in flight never receives the successor and presents the old
            // token again; so does a second tab. Moments after its use, and while its successor is still unused,
            // that is no theft: hand out another token of the family. Anything else revokes the family.
            var spent = await accounts.FindRefreshTokenAsync(hash, cancellationToken);
            var grace = TimeSpan.FromSeconds(Options.RefreshReuseGraceSeconds).TotalMilliseconds;
            if (spent?.UsedAt is { } usedAt && clock.GetUtcNow().ToUnixTimeMilliseconds() - usedAt <= grace
                && !await accounts.FamilyUsedSinceAsync(record.Family, usedAt, cancellationToken)
                && await accounts.FindUserAsync(id: record.UserId, cancellationToken: cancellationToken) is { } again)
            {
                return (await StartAsync(again, record.Family, cancellationToken), null);
            }
            await accounts.RevokeFamilyAsync(record.Family, cancellationToken);
            return (null, "refresh_token_reused");
        }
        if (await accounts.FindUserAsync(id: record.UserId, cancellationToken: cancellationToken) is not { } user)
            return (null, "invalid_refresh_token");
        return (await StartAsync(user, record.Family, cancellationToken), null);
    }

    public async Task LogoutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if (await accounts.FindRefreshTokenAsync(Secrets.Hash(refreshToken), cancellationToken) is { } record)
            await accounts.RevokeFamilyAsync(record.Family, cancellationToken);
    }
}
