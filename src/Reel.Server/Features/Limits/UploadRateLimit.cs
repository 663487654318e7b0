using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Limits;

/// <summary>
/// Paces new uploads per client address: a token bucket shared by <c>POST /api/videos</c> and tus creation
/// (<c>POST /api/uploads</c>), never by the PATCH and HEAD of an upload under way or by playback. The address is the
/// real one behind trusted proxies (the forwarded-headers middleware runs first), an IPv6 client by its /64. Accounts
/// get no more than anyone else: registration is open by default, so an account costs an abuser nothing. Kept per
/// node, in memory (ADR 17).
/// </summary>
internal static class UploadRateLimit
{
    public const string Policy = "new-uploads";

    public static IServiceCollection AddUploadRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
            o.AddPolicy(Policy, Partition);
        });

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<UploadOptions>>().Value;
        if (options.RateLimitPerMinute <= 0) return RateLimitPartition.GetNoLimiter("off");
        var address = Caller.AddressOf(context.Connection.RemoteIpAddress) ?? "ip:unknown";
        return RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateLimitBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1 / options.RateLimitPerMinute),
            // The partitioned limiter replenishes every bucket from one timer; a timer per address would cost more.
            AutoReplenishment = false,
            // A refused upload is answered at once: a queued one would hold its connection (and its body) open.
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many uploads",
                $"Too many new uploads from your address. Try again in {seconds} s.")
            .ExecuteAsync(context);
    }
}
