using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Features.Videos;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Uploads;

/// <summary>
/// Resumable uploads with the tus 1.0 protocol (core, creation, creation-with-upload, termination, expiration,
/// checksum): the protocol's headers, read and written here, over <see cref="ResumableUploads"/>. An upload is a
/// video from its creation, with status <c>uploading</c>; once its last byte arrives it is judged and processed
/// exactly like <c>POST /api/videos</c>. The upload's URL is its capability: a secret key of its own, unrelated to the
/// video's id, which any tus client can use as it is (ADR 15). See docs/api.md and ADR 9.
/// </summary>
internal static class TusEndpoints
{
    public const string Prefix = "/api/uploads";
    private const string Version = "1.0.0";
    private const string OffsetContentType = "application/offset+octet-stream";
    private const string VideoIdHeader = "Reel-Video-Id";
    private static readonly string[] Checksums = ["sha1", "sha256", "md5"];

    /// <summary>The headers a browser on another origin must be allowed to read.</summary>
    public static readonly string[] ExposedHeaders =
        ["Upload-Offset", "Upload-Length", "Upload-Expires", "Tus-Resumable", "Tus-Version", "Tus-Max-Size", "Tus-Extension", VideoIdHeader, Caller.ManageTokenHeader];

    public static IEndpointRouteBuilder MapTusUploads(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup(Prefix).WithTags("Resumable uploads (tus 1.0)").AddEndpointFilter(RequireTusVersionAsync);
        uploads.MapMethods("/", [HttpMethods.Options], Options).WithSummary("What this tus server supports");
        uploads.MapMethods("/{key}", [HttpMethods.Options], Options).WithSummary("What this tus server supports");
        uploads.MapPost("/", CreateAsync).RequireRateLimiting(UploadRateLimit.Policy).WithSummary("Start a resumable upload (tus creation, creation-with-upload); it is a video from now on");
        uploads.MapMethods("/{key}", [HttpMethods.Head], HeadAsync).WithSummary("How many bytes of the upload the server has (tus core)");
        uploads.MapPatch("/{key}", PatchAsync).WithSummary("Append bytes at Upload-Offset (tus core, checksum)");
        uploads.MapDelete("/{key}", DeleteAsync).WithSummary("Abandon the upload and its bytes (tus termination)");
        return app;
    }

    /// <summary>Every answer says which tus it speaks; every request but OPTIONS must speak the same.</summary>
    private static async ValueTask<object?> RequireTusVersionAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        http.Response.Headers["Tus-Resumable"] = Version;
        if (!HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers["Tus-Resumable"].ToString() != Version)
        {
            http.Response.Headers["Tus-Version"] = Version;
            return Problems.Create(StatusCodes.Status412PreconditionFailed, "unsupported_tus_version", "Unsupported tus version",
                $"Send 'Tus-Resumable: {Version}': it is the version this server speaks.");
        }
        return await next(context);
    }

    private static NoContent Options(HttpResponse response, IOptions<UploadOptions> options)
    {
        response.Headers["Tus-Version"] = Version;
        response.Headers["Tus-Max-Size"] = options.Value.MaxBytes.ToString(CultureInfo.InvariantCulture);
        response.Headers["Tus-Extension"] = "creation,creation-with-upload,termination,expiration,checksum";
        response.Headers["Tus-Checksum-Algorithm"] = string.Join(',', Checksums);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<VideoDto>, ProblemHttpResult>> CreateAsync(
        HttpContext context, Caller caller, VideoIntake intake, ResumableUploads uploads, VideoStore videos, VideoViews views, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (intake.Refusal(caller) is { } refused) return refused;
        if (request.Headers.ContainsKey("Upload-Defer-Length"))
            return Problems.BadRequest("invalid_upload_length", "Send Upload-Length: this server needs the size up front to check it against the limit.");
        if (!long.TryParse(request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return Problems.BadRequest("invalid_upload_length", "Send Upload-Length with the file's size in bytes.");
        if (await uploads.RefuseAsync(caller, length, cancellationToken) is { } limited) return limited;
        if (!TryParseMetadata(request.Headers["Upload-Metadata"], out var metadata))
            return Problems.BadRequest("invalid_metadata", "Upload-Metadata is 'key base64value' pairs separated by commas.");

        var fileName = metadata.GetValueOrDefault("filename") ?? metadata.GetValueOrDefault("name");
        if (VideoIntake.NewTitle(metadata.GetValueOrDefault("title"), fileName, out var title) is { } badTitle) return badTitle;
        VideoRecord? replacing = null;
        if (metadata.TryGetValue("replaces", out var replaces))
        {
            // A new file for an existing video (issue 16): its manager's upload, which becomes the video once playable.
            (replacing, var notManageable) = await VideoAccess.ManageableAsync(replaces ?? "", caller, videos, cancellationToken);
            if (replacing is null) return notManageable!;
            if (VideoIntake.ReplacementRefusal(replacing) is { } busy) return busy;
        }

        var (started, failed) = await uploads.StartAsync(caller, title, length, replacing, cancellationToken);
        if (started is null) return failed!;
        var (video, upload, key, manageToken) = started;

        var response = context.Response;
        response.Headers[VideoIdHeader] = replacing?.Id ?? video.Id;
        if (manageToken is not null) response.Headers[Caller.ManageTokenHeader] = manageToken;
        response.Headers.Location = $"{Prefix}/{key}";
        if (request.ContentType == OffsetContentType && request.ContentLength != 0)
        {
            // creation-with-upload: the first bytes came with the creation. Whatever happens to them, the upload
            // exists and the client resumes from the offset its next HEAD reports.
            if (await AppendAsync(context, video, upload, uploads, cancellationToken) is { } problem) return problem;
        }
        else
        {
            response.Headers["Upload-Offset"] = "0";
        }
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        // A replacement is told as the video it replaces, with the replacement's progress in it.
        var current = replacing is null ? await uploads.CurrentAsync(video, CancellationToken.None) : await videos.GetAsync(replacing.Id, CancellationToken.None) ?? replacing;
        var created = await views.RenderAsync(current, replacing is null ? caller with { ManageToken = manageToken } : caller, CancellationToken.None);
        return TypedResults.Created($"{Prefix}/{key}", created with { ManageToken = manageToken });
    }

    private static async Task<Results<Ok, ProblemHttpResult>> HeadAsync(string key, HttpContext context, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var (found, problem) = await uploads.FindAsync(key, cancellationToken);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
        {
            // Finished: the client that lost the last answer learns it has nothing left to send.
            response.Headers["Upload-Offset"] = response.Headers["Upload-Length"] = video.SizeBytes.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Ok();
        }
        if (upload.OffsetBytes == upload.Length)
        {
            // Every byte is stored but the request that stored the last one died before judging them.
            if (await uploads.FinishAsync(video, cancellationToken) is { } rejected) return rejected;
        }
        response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        return TypedResults.Ok();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PatchAsync(string key, HttpContext context, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        if (context.Request.ContentType != OffsetContentType)
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_type", "Unsupported content type", $"Send the bytes with Content-Type {OffsetContentType}.");
        var (found, problem) = await uploads.FindAsync(key, cancellationToken);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
        {
            context.Response.Headers["Upload-Offset"] = video.SizeBytes.ToString(CultureInfo.InvariantCulture);
            return ResumableUploads.OffsetMismatch("The upload is complete; there is nothing more to send.");
        }
        return await AppendAsync(context, video, upload, uploads, cancellationToken) is { } failed ? failed : TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string key, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        var (found, problem) = await uploads.FindAsync(key, cancellationToken, allowExpired: true);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
            return Problems.Create(StatusCodes.Status409Conflict, "upload_complete", "Upload complete", $"The upload is complete and is now video {video.Id}; delete the video instead.");
        // Done once the row is gone: bytes storage cannot remove now are removed by the sweep (never a 503 here).
        return await uploads.DiscardAsync(upload, CancellationToken.None) ? TypedResults.NoContent() : Problems.NotFound("upload");
    }

    /// <summary>
    /// Reads Upload-Offset and Upload-Checksum and appends the body at that offset; null once the bytes are recorded
    /// (and Upload-Offset says so), or the problem.
    /// </summary>
    private static async Task<ProblemHttpResult?> AppendAsync(
        HttpContext context, VideoRecord video, UploadRecord upload, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var response = context.Response;
        if (!long.TryParse(request.Headers["Upload-Offset"].Count == 0 && HttpMethods.IsPost(request.Method) ? "0" : request.Headers["Upload-Offset"].ToString(),
                NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return Problems.BadRequest("invalid_upload_offset", "Send Upload-Offset: the number of bytes the server already has, as HEAD reports it.");
        if (!TryParseChecksum(request.Headers["Upload-Checksum"], out var checksum))
            return Problems.BadRequest("unsupported_checksum", $"Upload-Checksum is '<algorithm> <base64 digest>' with one of: {string.Join(", ", Checksums)}.");

        var bytes = new IncomingBytes(request.Body, request.ContentLength, () =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        });
        var appended = await uploads.AppendAsync(video, upload, offset, checksum, bytes, cancellationToken);
        if (appended.Offset is { } now) response.Headers["Upload-Offset"] = now.ToString(CultureInfo.InvariantCulture);
        if (appended.ExpiresAt is { } expiresAt) response.Headers["Upload-Expires"] = HttpDate(expiresAt);
        return appended.Problem;
    }

    private static string HttpDate(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>tus metadata: comma-separated pairs of a key and an optional base64 value.</summary>
    internal static bool TryParseMetadata(string? header, out Dictionary<string, string?> metadata)
    {
        metadata = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header)) return true;
        if (header.Length > 16 * 1024) return false;
        foreach (var pair in header.Split(','))
        {
            var parts = pair.Trim().Split(' ');
            if (parts.Length > 2 || parts[0].Length == 0 || metadata.ContainsKey(parts[0])) return false;
            string? value = null;
            if (parts.Length == 2)
            {
                var bytes = new byte[parts[1].Length];
                if (!Convert.TryFromBase64String(parts[1], bytes, out var written)) return false;
                try
                {
                    value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
                }
                catch (DecoderFallbackException)
                {
                    return false;
                }
            }
            metadata[parts[0]] = value;
        }
        return true;
    }

    /// <summary>tus checksum: an algorithm we know and a base64 digest; a missing header is fine (null).</summary>
    internal static bool TryParseChecksum(string? header, out UploadChecksum? checksum)
    {
        checksum = null;
        if (string.IsNullOrEmpty(header)) return true;
        var parts = header.Split(' ');
        if (parts.Length != 2) return false;
        HashAlgorithmName? algorithm = parts[0] switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "md5" => HashAlgorithmName.MD5,
            _ => null,
        };
        var expected = new byte[64];
        if (algorithm is null || !Convert.TryFromBase64String(parts[1], expected, out var written)) return false;
        checksum = new UploadChecksum(IncrementalHash.CreateHash(algorithm.Value), expected[..written]);
        return true;
    }
}
