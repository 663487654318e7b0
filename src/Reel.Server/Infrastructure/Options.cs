using System.ComponentModel.DataAnnotations;

namespace Reel.Server.Infrastructure;

internal sealed class UploadOptions
{
    public const string Section = "Upload";

    /// <summary>Largest accepted upload in bytes (1 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>Who may upload: <c>Anonymous</c> (anyone), <c>ApiKey</c> (a key, or a signed-in uploader), <c>Accounts</c> (signed-in uploaders).</summary>
    [RegularExpression("^(Anonymous|ApiKey|Accounts)$", ErrorMessage = "Upload:Policy must be Anonymous, ApiKey or Accounts.")]
    public string Policy { get; set; } = UploadPolicy.Anonymous;

    /// <summary>A resumable upload nothing is added to for this long is abandoned: it and its bytes are removed (24 h).</summary>
    [Range(0.01, 60 * 24 * 365)]
    public double ResumableExpiryMinutes { get; set; } = 24 * 60;

    /// <summary>
    /// Bytes each account may keep: its videos' uploaded sizes plus the declared lengths of its resumable uploads still
    /// arriving. 0 means unlimited, the default: on a single machine the disk is the owner's limit (ADR 17).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long QuotaBytes { get; set; }

    /// <summary>Resumable uploads one uploader (account, upload key, or address without either) may have open at once; 0 means no cap.</summary>
    [Range(0, 1_000_000)]
    public int MaxOpenUploads { get; set; } = 20;

    /// <summary>New uploads (plain and resumable creations together) per client address per minute, on each node; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public double RateLimitPerMinute { get; set; } = 30;

    /// <summary>New uploads a client address may start at once before <see cref="RateLimitPerMinute"/> paces it.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitBurst { get; set; } = 10;

    /// <summary>
    /// A resumable upload request whose body brings no byte for this long has stalled (a dead connection): it ends,
    /// keeping the bytes that arrived, and lets go of the upload (10 s).
    /// </summary>
    [Range(0.1, 3600)]
    public double StallSeconds { get; set; } = 10;
}

internal static class UploadPolicy
{
    public const string Anonymous = "Anonymous";
    public const string ApiKey = "ApiKey";
    public const string Accounts = "Accounts";
}

internal sealed class AuthOptions
{
    public const string Section = "Auth";

    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>How long after its use a refresh token may be presented again while its successor is unused (a reload mid-refresh).</summary>
    [Range(0, 300)]
    public double RefreshReuseGraceSeconds { get; set; } = 10;

    [Range(0.01, 7 * 24 * 60)]
    public double StreamTokenMinutes { get; set; } = 360;

    /// <summary>Folder of RSA private keys (PEM); the newest signs, all verify. Default: <c>DataDir/keys</c>, made on first start.</summary>
    public string? SigningKeysDir { get; set; }

    /// <summary>32 bytes, base64, shared by every node. Default: <c>DataDir/keys/stream.key</c>, made on first start.</summary>
    public string? StreamKey { get; set; }

    public string Issuer { get; set; } = "reel";

    public string Audience { get; set; } = "reel";

    public bool AllowRegistration { get; set; } = true;

    [RegularExpression("^(admin|uploader|viewer)$")]
    public string RegistrationRole { get; set; } = Roles.Uploader;

    /// <summary>An admin account made at start when it does not exist yet (both or neither).</summary>
    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    /// <summary>Upload keys for the <c>ApiKey</c> policy, besides those an admin makes.</summary>
    public string[] ApiKeys { get; set; } = [];

    [Range(1, 1000)]
    public int LoginAttemptsPerAccount { get; set; } = 5;

    [Range(1, 10000)]
    public int LoginAttemptsPerIp { get; set; } = 20;

    [Range(1, 24 * 60)]
    public int LoginWindowMinutes { get; set; } = 15;

    [Range(0, 60)]
    public double ResumeBackoffSeconds { get; set; } = 5;

    /// <summary>
    /// How often a stream node reads revoked links from the database. On PostgreSQL a revocation also arrives at once
    /// by NOTIFY, so this is only the safety net there.
    /// </summary>
    [Range(0.1, 3600)]
    public double RevocationPollSeconds { get; set; } = 2;

    /// <summary>
    /// How long a node may authorise requests with an account's roles as it last read them. The node that changes an
    /// account, and on PostgreSQL every node (by NOTIFY), forgets them at once; this bounds the rest (a second server
    /// process on the same SQLite file, a lost notification). 0 reads the account on every request.
    /// </summary>
    [Range(0, 60)]
    public double AccountCacheSeconds { get; set; } = 5;
}

internal static class Roles
{
    public const string Admin = "admin";
    public const string Uploader = "uploader";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Uploader, Viewer];
}

internal sealed class CorsOptions
{
    public const string Section = "Cors";

    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>The server's public face.</summary>
internal sealed class ServerOptions : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>
    /// The absolute base of links that leave the server (link previews, oEmbed), e.g. https://videos.example.org; behind
    /// a proxy that rewrites the host. Unset: the scheme and host of each request.
    /// </summary>
    public string? PublicUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(PublicUrl)
            && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Query.Length > 0 || url.Fragment.Length > 0))
            yield return new ValidationResult("Server:PublicUrl is an absolute http(s) URL without query, e.g. https://videos.example.org.", [nameof(PublicUrl)]);
    }
}

/// <summary>Who may frame the embed pages (/embed/…); every other page may be framed only by Reel itself.</summary>
internal sealed class EmbedOptions
{
    public const string Section = "Embed";

    /// <summary>Origins (e.g. https://blog.example.org) allowed to frame the player; empty or "*": any.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>Reverse proxies (nginx) whose X-Forwarded-For and X-Forwarded-Proto are believed.</summary>
internal sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Networks in CIDR notation (e.g. 10.0.0.0/8); empty means none, so the connection's own address counts.</summary>
    public string[] TrustedNetworks { get; set; } = [];
}

internal sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    [RegularExpression("^(local|s3)$", ErrorMessage = "Storage:Provider must be 'local' or 's3'.")]
    public string Provider { get; set; } = "local";

    /// <summary>Keep the uploaded file after processing succeeds.</summary>
    public bool KeepOriginals { get; set; }

    /// <summary>
    /// How stream nodes hand out media files: <c>proxy</c> sends the bytes themselves; <c>redirect</c> (S3 only) answers
    /// segments and files with a short-lived presigned URL; <c>accel</c> (local disk behind nginx) names the file in an
    /// <c>X-Accel-Redirect</c> header for nginx to send. Playlists are always sent by the node (ADR 8).
    /// </summary>
    [RegularExpression("^(proxy|redirect|accel)$", ErrorMessage = "Storage:Delivery must be 'proxy', 'redirect' or 'accel'.")]
    public string Delivery { get; set; } = "proxy";

    /// <summary>The nginx <c>internal</c> location that maps to the media folder, for accel delivery.</summary>
    [RegularExpression("^/[A-Za-z0-9_/-]*/$", ErrorMessage = "Storage:AccelPrefix must be a path that starts and ends with '/'.")]
    public string AccelPrefix { get; set; } = "/_reel_media/";

    public S3Options S3 { get; set; } = new();

    public bool IsS3 => Provider == "s3";

    public bool Redirects => Delivery == "redirect";

    public bool Accelerates => Delivery == "accel";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Redirects && !IsS3)
            yield return new ValidationResult("Storage:Delivery 'redirect' needs Storage:Provider 's3'.");
        if (Accelerates && IsS3)
            yield return new ValidationResult("Storage:Delivery 'accel' needs Storage:Provider 'local': nginx sends the files from the same disk.");
        if (!IsS3) yield break;
        foreach (var (name, value) in new[] { ("ServiceUrl", S3.ServiceUrl), ("Bucket", S3.Bucket), ("AccessKey", S3.AccessKey), ("SecretKey", S3.SecretKey) })
        {
            if (string.IsNullOrWhiteSpace(value)) yield return new ValidationResult($"Storage:S3:{name} is required when Storage:Provider is 's3'.");
        }
        foreach (var (name, value) in new[] { ("ServiceUrl", S3.ServiceUrl), ("PublicServiceUrl", S3.PublicServiceUrl) })
        {
            if (!string.IsNullOrWhiteSpace(value) && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                yield return new ValidationResult($"Storage:S3:{name} must be an absolute http(s) URL.");
        }
        // Nested options are not validated by their attributes alone.
        foreach (var result in ValidateMembers(S3)) yield return result;
    }

    private static List<ValidationResult> ValidateMembers(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}

internal sealed class S3Options
{
    /// <summary>The endpoint, e.g. http://127.0.0.1:9000; addressed path-style, which every S3-compatible server accepts.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The endpoint as clients reach it, when that differs from <see cref="ServiceUrl"/> (redirect delivery presigns
    /// URLs for this host). Its bucket must allow cross-origin GETs from the web UI's origin.
    /// </summary>
    public string? PublicServiceUrl { get; set; }

    /// <summary>The origin redirected media comes from, for the web UI's Content-Security-Policy.</summary>
    public string? MediaOrigin => (PublicServiceUrl ?? ServiceUrl) is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>Part size of multipart uploads; S3 needs at least 5 MiB for every part but the last.</summary>
    [Range(5, 512, ErrorMessage = "Storage:S3:PartSizeMiB must be between 5 and 512.")]
    public int PartSizeMiB { get; set; } = 8;

    /// <summary>How long a presigned URL of redirect delivery stays valid; players fetch at once, so it is short.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Storage:S3:PresignMinutes must be between 1 and 1440.")]
    public double PresignMinutes { get; set; } = 10;
}

internal sealed class DatabaseOptions
{
    public const string Section = "Database";

    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Database:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Defaults to reel.db in the data directory.</summary>
    public string? ConnectionString { get; set; }
}

internal sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>Ladder encodes at once. ffmpeg uses every core, so one per four cores.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 4);

    /// <summary>Jobs that make a new video playable (a remux, or the first rung) at once; they run beside the encodes, ahead of them.</summary>
    [Range(1, 64)]
    public int PrepareConcurrency { get; set; } = 2;

    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>A job's lease; a worker renews it while it works, and anyone may take the job once it lapses.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often the files of deleted videos that storage could not remove at once are tried again (60 s).</summary>
    [Range(0.1, 3600)]
    public double FileSweepSeconds { get; set; } = 60;

    /// <summary>Failures the job itself causes (ffmpeg fails on the file…) before its video is failed.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Runs of one job cut short by a crash of the server or a lapsed lease before its video is failed. Not the video's
    /// fault, so far more than <see cref="MaxAttempts"/>: only a file that brings the server down every time reaches it.
    /// </summary>
    [Range(1, 1000)]
    public int MaxInterruptions { get; set; } = 10;

    /// <summary>How long the remuxed first rendition stays after the ladder is ready, for viewers who started on it.</summary>
    [Range(0, 60 * 24 * 30)]
    public double FastStartRetentionMinutes { get; set; } = 360;

    /// <summary>How long the files of a replaced version stay after its replacement became playable, for viewers who started on it.</summary>
    [Range(0, 60 * 24 * 30)]
    public double ReplacedVersionRetentionMinutes { get; set; } = 360;

    /// <summary>An ffmpeg run may take this many seconds per second of video, plus two minutes.</summary>
    [Range(1, 1000)]
    public double TimeoutFactor { get; set; } = 20;

    [Range(16, 100_000)]
    public int MaxWidth { get; set; } = 7680;

    [Range(16, 100_000)]
    public int MaxHeight { get; set; } = 7680;

    [Range(256, long.MaxValue)]
    public long MaxPixels { get; set; } = 7680L * 4320;

    [Range(1, 1_000_000)]
    public double MaxDurationSeconds { get; set; } = 6 * 3600;

    [Range(1, 1000)]
    public int MaxStreams { get; set; } = 16;

    public Reel.Media.MediaLimits Limits => new(MaxWidth, MaxHeight, MaxPixels, MaxDurationSeconds, MaxStreams);

    public TimeSpan TimeoutFor(double durationSeconds) =>
        TimeSpan.FromSeconds(120 + (Math.Max(durationSeconds, 1) * TimeoutFactor));
}
