using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>Who is asking: a signed-in user (with roles), an upload key, or nobody; plus a video manage token if sent.</summary>
internal sealed record Caller(string? UserId, IReadOnlyList<string> Roles, string? ApiKeyId, string? ManageToken)
{
    public const string ManageTokenHeader = "Reel-Manage-Token";
    public const string ApiKeyClaim = "api_key";

    /// <summary>Nobody in particular: how a share link's viewer is treated, whoever they are.</summary>
    public static Caller Anonymous { get; } = new(null, [], null, null);

    public bool SignedIn => UserId is not null;

    public bool IsAdmin => Roles.Contains(Infrastructure.Roles.Admin);

    public bool IsUploader => IsAdmin || Roles.Contains(Infrastructure.Roles.Uploader);

    /// <summary>
    /// Who an upload of this caller belongs to for fair turns in the job queue, under every upload policy: the account,
    /// else the upload key, else the client's address (the real one behind trusted proxies: the forwarded-headers
    /// middleware has already replaced it). Null only when there is no address either.
    /// </summary>
    public string? Uploader { get; init; }

    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<Caller?>(From(context));

    public static Caller From(HttpContext context)
    {
        var user = context.User;
        var userId = user.FindFirstValue(Claims.Subject);
        var roles = userId is null ? [] : user.FindAll(Claims.Roles).Select(c => c.Value).ToList();
        var manage = context.Request.Headers[ManageTokenHeader].FirstOrDefault();
        var apiKeyId = user.FindFirstValue(ApiKeyClaim);
        return new Caller(userId, roles, apiKeyId, string.IsNullOrEmpty(manage) ? null : manage)
        {
            Uploader = UploaderOf(userId, apiKeyId, context.Connection.RemoteIpAddress),
        };
    }

    internal static string? UploaderOf(string? userId, string? apiKeyId, IPAddress? address)
    {
        if (userId is not null) return "user:" + userId;
        if (apiKeyId is not null) return "key:" + apiKeyId;
        return AddressOf(address);
    }

    /// <summary>The client's address as one party: <c>ip:&lt;address&gt;</c>, an IPv6 client by its /64. Null without one.</summary>
    internal static string? AddressOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // One IPv6 client is given a whole /64 and may send from any address in it: it takes one turn, not 2^64.
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return "ip:" + new IPAddress(bytes) + "/64";
        }
        return "ip:" + address;
    }

    /// <summary>Private videos are seen by their owner, admins and whoever holds the manage token; others by anyone with the id.</summary>
    public bool CanSee(VideoRecord video) => video.Visibility != "private" || CanManage(video);

    public bool CanManage(VideoRecord video) =>
        IsAdmin
        || (UserId is not null && video.OwnerId == UserId)
        || (ManageToken is not null && video.ManageTokenHash is { } hash && Secrets.Matches(ManageToken, hash));
}

internal static class Claims
{
    public const string Subject = "sub";
    public const string Roles = "roles";
    public const string Name = "name";
}

/// <summary>Random secrets handed out once and stored only as hashes.</summary>
internal static class Secrets
{
    public static string New(string prefix = "") => prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // The secrets are 256 random bits, so a plain (unsalted, fast) hash is as good as a slow one.
    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string hash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(hash));
}
