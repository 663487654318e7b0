using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>A share link as its video's managers see it.</summary>
internal sealed record ShareDto(string Id, string Url, string? Label, DateTime? ExpiresAt, bool HasPassword, bool AllowDownload, long Views, DateTime CreatedAt);

internal sealed record ShareList(IReadOnlyList<ShareDto> Items);

/// <summary>A new share link; every field may be left out (no label, no expiry, no password, downloads on).</summary>
internal sealed record CreateShareRequest(string? Label, DateTimeOffset? ExpiresAt, string? Password, bool? AllowDownload);

/// <summary>What a PATCH may change; a field sent as null clears it (label, expiry, password).</summary>
internal sealed record PatchShareRequest(string? Label, DateTimeOffset? ExpiresAt, string? Password, bool? AllowDownload);

internal sealed record UnlockRequest(string? Password);

/// <summary>
/// Share links: made, changed and revoked by whoever may manage the video, opened by whoever holds the key. A viewer's
/// media URLs are bound to the share (<see cref="StreamTokens"/>), so revoking it, expiring, a new password or turning
/// downloads off stops them too (<see cref="LinkRevocations"/>).
/// </summary>
internal sealed class Shares(ShareStore shares, VideoStore videos, LinkRevocations revocations, LoginLimiter limiter, TimeProvider clock)
{
    public const int MaxLabelLength = 100;
    public const int MinPasswordLength = 4;
    public const int MaxPasswordLength = 200;
    private const int KeyBytes = 24;
    private static readonly PasswordHasher<ShareRecord> Hasher = new();

    /// <summary>What a token handed out through the share carries (ADR 21).</summary>
    public static ShareGrant GrantOf(ShareRecord share) =>
        new(share.Id, share.Generation, share.ExpiresAt is { } ends ? DateTimeOffset.FromUnixTimeMilliseconds(ends) : null, share.AllowDownload);

    public static ShareDto Render(ShareRecord s) => new(
        s.Id, ShareUrls.Page(s.ShareKey), s.Label, s.ExpiresAt is { } e ? Utc(e) : null, s.PasswordHash is not null, s.AllowDownload, s.Views, Utc(s.CreatedAt));

    public Task<IReadOnlyList<ShareRecord>> ListAsync(string videoId, CancellationToken cancellationToken) => shares.ListAsync(videoId, cancellationToken);

    public async Task<(ShareRecord? Share, ProblemHttpResult? Problem)> CreateAsync(string videoId, CreateShareRequest request, CancellationToken cancellationToken)
    {
        var share = new ShareRecord
        {
            Id = Ids.New(),
            VideoId = videoId,
            ShareKey = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes)),
            AllowDownload = request.AllowDownload ?? true,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        if ((SetLabel(share, request.Label) ?? SetExpiry(share, request.ExpiresAt) ?? SetPassword(share, request.Password)) is { } problem)
            return (null, problem);
        await shares.InsertAsync(share, cancellationToken);
        return (share, null);
    }

    /// <summary>Applies the fields present in <paramref name="body"/> (a JSON object); a change that narrows access stops the URLs handed out before.</summary>
    public async Task<(ShareRecord? Share, ProblemHttpResult? Problem)> ChangeAsync(string videoId, string shareId, JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object) return (null, Problems.BadRequest("invalid_request", "Send a JSON object with the fields to change."));
        if (await shares.GetAsync(videoId, shareId, cancellationToken) is not { } share) return (null, Problems.NotFound("share"));
        var narrows = false;
        foreach (var field in body.EnumerateObject())
        {
            var problem = field.Name switch
            {
                "label" => String(field.Value, out var label) ?? SetLabel(share, label),
                "expiresAt" => Time(field.Value, out var at) ?? Narrowing(ref narrows, at is not null && (share.ExpiresAt is null || at.Value.ToUnixTimeMilliseconds() < share.ExpiresAt)) ?? SetExpiry(share, at),
                "password" => String(field.Value, out var password) ?? Narrowing(ref narrows, !string.IsNullOrEmpty(password)) ?? SetPassword(share, password),
                "allowDownload" => field.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? Narrowing(ref narrows, share.AllowDownload && !field.Value.GetBoolean()) ?? SetDownload(share, field.Value.GetBoolean())
                    : Problems.BadRequest("invalid_request", "allowDownload is true or false."),
                _ => Problems.BadRequest("invalid_request", $"A share has no field '{field.Name}' that can be changed: label, expiresAt, password, allowDownload."),
            };
            if (problem is not null) return (null, problem);
        }
        if (!await shares.UpdateAsync(share, narrows, cancellationToken)) return (null, Problems.NotFound("share"));
        if (narrows)
        {
            share.Generation++;
            await revocations.RefreshAsync(cancellationToken);
        }
        return (share, null);
    }

    public async Task<bool> RevokeAsync(string videoId, string shareId, CancellationToken cancellationToken)
    {
        if (!await shares.RevokeAsync(videoId, shareId, cancellationToken)) return false;
        // This node stops the share's media URLs at once; the others when they hear of it (NOTIFY, or their next poll).
        await revocations.RefreshAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The share and its video as a viewer may open them: 404 for a key that is unknown or revoked (or whose video is
    /// gone), 410 once it expired, 401 while it has a password that <paramref name="password"/> is not.
    /// </summary>
    public async Task<(ShareRecord? Share, VideoRecord? Video, ProblemHttpResult? Problem)> OpenAsync(
        string key, string? password, string address, HttpResponse response, CancellationToken cancellationToken)
    {
        var (share, video, problem) = await FindAsync(key, cancellationToken);
        if (problem is not null) return (null, null, problem);
        if (share!.PasswordHash is { } hash)
        {
            if (password is null)
                return (null, null, Problems.Create(StatusCodes.Status401Unauthorized, "password_required", "This link needs a password",
                    "Whoever shared this video protected the link with a password. Send it to POST /api/shares/{key}/unlock."));
            var limiterKey = "share:" + share.Id;
            if (limiter.Attempt(address, limiterKey) is { } wait)
                return (null, null, Problems.TooManyAttempts(response, wait, "wrong passwords for this link"));
            if (Hasher.VerifyHashedPassword(share, hash, password) == PasswordVerificationResult.Failed)
            {
                limiter.Failed(limiterKey);
                return (null, null, Problems.Create(StatusCodes.Status401Unauthorized, "invalid_password", "Wrong password", "That is not the password of this link."));
            }
            limiter.Succeeded(limiterKey);
        }
        return (share, video, null);
    }

    /// <summary>Counts one view through the share (and of its video): the player sends it once per visit, after 10 s of playback or at the end.</summary>
    public async Task<bool> CountViewAsync(string key, CancellationToken cancellationToken)
    {
        var (share, video, problem) = await FindAsync(key, cancellationToken);
        if (problem is not null) return false;
        await shares.CountViewAsync(video!.Id, share!.Id, cancellationToken);
        return true;
    }

    public Task CountViewAsync(VideoRecord video, CancellationToken cancellationToken) => shares.CountViewAsync(video.Id, null, cancellationToken);

    /// <summary>The link and its video while the link works (known, not revoked, not expired, its video there); the problem otherwise.</summary>
    public async Task<(ShareRecord? Share, VideoRecord? Video, ProblemHttpResult? Problem)> FindAsync(string key, CancellationToken cancellationToken)
    {
        if (key.Length != Base64Url.GetEncodedLength(KeyBytes)
            || await shares.GetByKeyAsync(key, cancellationToken) is not { RevokedAt: null } share
            || await videos.GetAsync(share.VideoId, cancellationToken) is not { } video)
            return (null, null, Problems.NotFound("share link"));
        if (share.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds())
            return (null, null, Problems.Create(StatusCodes.Status410Gone, "share_expired", "This link has expired",
                $"The link stopped working on {Utc(share.ExpiresAt.Value):yyyy-MM-dd HH:mm} UTC. Ask whoever shared it for a new one."));
        return (share, video, null);
    }

    private static ProblemHttpResult? SetLabel(ShareRecord share, string? label)
    {
        var clean = label is null ? null : OneLine.Clean(label);
        if (clean?.Length > MaxLabelLength) return Problems.BadRequest("invalid_label", $"A label has at most {MaxLabelLength} characters.");
        share.Label = string.IsNullOrEmpty(clean) ? null : clean;
        return null;
    }

    private ProblemHttpResult? SetExpiry(ShareRecord share, DateTimeOffset? at)
    {
        if (at is { } when && when <= clock.GetUtcNow())
            return Problems.BadRequest("invalid_expiry", "expiresAt is a time in the future (ISO 8601, e.g. 2027-01-31T18:00:00Z), or null for a link that never expires.");
        share.ExpiresAt = at?.ToUnixTimeMilliseconds();
        return null;
    }

    private static ProblemHttpResult? SetPassword(ShareRecord share, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            share.PasswordHash = null;
            return null;
        }
        if (password.Length is < MinPasswordLength or > MaxPasswordLength)
            return Problems.BadRequest("invalid_password", $"A link's password has {MinPasswordLength} to {MaxPasswordLength} characters.");
        share.PasswordHash = Hasher.HashPassword(share, password);
        return null;
    }

    private static ProblemHttpResult? SetDownload(ShareRecord share, bool allow)
    {
        share.AllowDownload = allow;
        return null;
    }

    private static ProblemHttpResult? Narrowing(ref bool narrows, bool change)
    {
        narrows |= change;
        return null;
    }

    private static ProblemHttpResult? String(JsonElement value, out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return value.ValueKind is JsonValueKind.String or JsonValueKind.Null ? null : Problems.BadRequest("invalid_request", "label and password are strings or null.");
    }

    private static ProblemHttpResult? Time(JsonElement value, out DateTimeOffset? at)
    {
        at = null;
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var parsed))
        {
            at = parsed;
            return null;
        }
        return Problems.BadRequest("invalid_expiry", "expiresAt is a time (ISO 8601, e.g. 2027-01-31T18:00:00Z), or null for a link that never expires.");
    }

    private static DateTime Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
}
