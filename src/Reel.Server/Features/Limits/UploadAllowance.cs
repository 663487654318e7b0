using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Limits;

/// <summary>How much of its quota an account uses; <see cref="LimitBytes"/> is never 0 (unlimited has no quota).</summary>
internal readonly record struct StorageQuota(long UsedBytes, long LimitBytes)
{
    public long RemainingBytes => Math.Max(0, LimitBytes - UsedBytes);
}

/// <summary>An account's storage as GET /api/auth/me shows it; <c>QuotaBytes</c> null means unlimited.</summary>
internal sealed record StorageUsageDto(long UsedBytes, long? QuotaBytes);

/// <summary>
/// What a caller may still upload: the per-account storage quota (<c>Upload:QuotaBytes</c>) and the cap on open
/// resumable uploads per uploader (<c>Upload:MaxOpenUploads</c>). Both are read from the database, so they hold
/// across nodes. Admins have no quota: they set it.
/// </summary>
internal sealed class UploadAllowance(VideoStore videos, UploadStore uploads, IOptions<UploadOptions> options)
{
    public const string QuotaExceededCode = "quota_exceeded";

    /// <summary>The caller's quota and use, or null when nothing limits it (no quota set, no account, or an admin).</summary>
    public async Task<StorageQuota?> QuotaOfAsync(Caller caller, CancellationToken cancellationToken)
    {
        var limit = options.Value.QuotaBytes;
        if (limit <= 0 || caller.UserId is not { } userId || caller.IsAdmin) return null;
        return new StorageQuota(await videos.StoredBytesOfAsync(userId, cancellationToken), limit);
    }

    public async Task<StorageUsageDto> UsageAsync(Caller caller, string userId, CancellationToken cancellationToken) =>
        await QuotaOfAsync(caller, cancellationToken) is { } quota
            ? new StorageUsageDto(quota.UsedBytes, quota.LimitBytes)
            : new StorageUsageDto(await videos.StoredBytesOfAsync(userId, cancellationToken), null);

    /// <summary>
    /// The refusal of a new resumable upload of <paramref name="length"/> bytes: too many open already (429), or beyond
    /// the account's quota (413); null when it may start. Its declared length counts against the quota from now on.
    /// </summary>
    public async Task<ProblemHttpResult?> RefuseCreationAsync(Caller caller, long length, CancellationToken cancellationToken)
    {
        var cap = options.Value.MaxOpenUploads;
        if (cap > 0 && caller.Uploader is { } uploader && await uploads.OpenCountAsync(uploader, cancellationToken) >= cap)
        {
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_open_uploads", "Too many open uploads",
                $"There are already {cap} unfinished resumable uploads from you. Finish or delete (tus DELETE) some of them before starting another; abandoned ones expire on their own.");
        }
        return await QuotaOfAsync(caller, cancellationToken) is { } quota && length > quota.RemainingBytes ? QuotaExceeded(quota, length) : null;
    }

    /// <summary>413 <c>quota_exceeded</c>: what is used, of what, and what the upload needed when that was known.</summary>
    public static ProblemHttpResult QuotaExceeded(StorageQuota quota, long? needed) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, QuotaExceededCode, "Storage quota exceeded", QuotaDetail(quota, needed));

    public static string QuotaDetail(StorageQuota quota, long? needed) =>
        (needed is { } n
            ? $"This upload needs {Size(n)}, but the account has {Size(quota.RemainingBytes)} left: it uses {Size(quota.UsedBytes)} of its {Size(quota.LimitBytes)} quota."
            : $"The upload goes past the account's quota: it uses {Size(quota.UsedBytes)} of its {Size(quota.LimitBytes)} quota.")
        + " Nothing of it was kept. Delete videos to make room.";

    /// <summary>Binary multiples with the short names people know, and the exact count under 1 KiB.</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["KB", "MB", "GB", "TB", "PB"];
        if (bytes < 1024) return bytes == 1 ? "1 byte" : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
