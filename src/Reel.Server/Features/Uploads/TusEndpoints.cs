using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Videos;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Uploads;

/// <summary>
/// Resumable uploads with the tus 1.0 protocol (core, creation, creation-with-upload, termination, expiration,
/// checksum). An upload is a video from its creation, with status <c>uploading</c>; once its last byte arrives it is
/// judged and processed exactly like <c>POST /api/videos</c>. See docs/api.md and ADR 9.
/// </summary>
internal static class TusEndpoints
{
    public const string Prefix = "/api/uploads";
    private const string Version = "1.0.0";
    private const string OffsetContentType = "application/offset+octet-stream";
    private const string VideoIdHeader = "Reel-Video-Id";
    private const int BufferSize = 128 * 1024;
    internal static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LockRenewal = TimeSpan.FromSeconds(10);
    private static readonly string[] Checksums = ["sha1", "sha256", "md5"];

    /// <summary>The headers a browser on another origin must be allowed to read.</summary>
    public static readonly string[] ExposedHeaders =
        ["Upload-Offset", "Upload-Length", "Upload-Expires", "Tus-Resumable", "Tus-Version", "Tus-Max-Size", "Tus-Extension", VideoIdHeader, Caller.ManageTokenHeader];

    internal sealed record TusServices(
        UploadStore Uploads,
        VideoStore Videos,
        IMediaStorage Storage,
        MediaTools Media,
        WorkSignal Signal,
        VideoViews Views,
        NodeSettings Node,
        TimeProvider Clock,
        IOptions<UploadOptions> Options,
        ILogger<UploadStore> Logger);

    public static IEndpointRouteBuilder MapTusUploads(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup(Prefix).WithTags("Resumable uploads (tus 1.0)").AddEndpointFilter(RequireTusVersionAsync);
        uploads.MapMethods("/", [HttpMethods.Options], Options).WithSummary("What this tus server supports");
        uploads.MapMethods("/{id}", [HttpMethods.Options], Options).WithSummary("What this tus server supports");
        uploads.MapPost("/", CreateAsync).WithSummary("Start a resumable upload (tus creation, creation-with-upload); it is a video from now on");
        uploads.MapMethods("/{id}", [HttpMethods.Head], HeadAsync).WithSummary("How many bytes of the upload the server has (tus core)");
        uploads.MapPatch("/{id}", PatchAsync).WithSummary("Append bytes at Upload-Offset (tus core, checksum)");
        uploads.MapDelete("/{id}", DeleteAsync).WithSummary("Abandon the upload and its bytes (tus termination)");
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

    private static async Task<IResult> CreateAsync(HttpContext context, Caller caller, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var options = services.Options.Value;
        if (VideoEndpoints.UploadRefusal(caller, options.Policy) is { } refused) return refused;
        if (request.Headers.ContainsKey("Upload-Defer-Length"))
            return Problems.BadRequest("invalid_upload_length", "Send Upload-Length: this server needs the size up front to check it against the limit.");
        if (!long.TryParse(request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return Problems.BadRequest("invalid_upload_length", "Send Upload-Length with the file's size in bytes.");
        if (length == 0) return Problems.BadRequest("empty_upload", "The upload is empty.");
        if (length > options.MaxBytes)
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "file_too_large", "File too large", $"The upload is larger than the limit of {options.MaxBytes} bytes.");
        if (!TryParseMetadata(request.Headers["Upload-Metadata"], out var metadata))
            return Problems.BadRequest("invalid_metadata", "Upload-Metadata is 'key base64value' pairs separated by commas.");

        var fileName = metadata.GetValueOrDefault("filename") ?? metadata.GetValueOrDefault("name");
        if (VideoEndpoints.NewTitle(metadata.GetValueOrDefault("title"), fileName, out var title) is { } badTitle) return badTitle;

        var id = Ids.NewVideoId();
        using var scope = services.Logger.BeginScope("VideoId:{VideoId}", id);
        var video = VideoEndpoints.NewVideo(id, title, caller, services.Clock, out var manageToken);
        video.Status = VideoStatus.Uploading;
        video.SizeBytes = length;
        var upload = new UploadRecord
        {
            VideoId = id,
            Length = length,
            ExpiresAt = ExpiryFrom(services),
        };
        try
        {
            upload.StorageState = await services.Storage.StartResumableAsync(video.SourceKey!, cancellationToken);
            await services.Uploads.CreateAsync(video, upload, cancellationToken);
        }
        catch (StorageUnavailableException e)
        {
            services.Logger.LogWarning(e, "Resumable upload not started: object storage unavailable");
            return Problems.StorageUnavailable("The upload could not be started because the server's object storage is unreachable. Try again in a minute.");
        }
        services.Logger.LogInformation("Resumable upload started: {Bytes} bytes", length);

        var response = context.Response;
        response.Headers[VideoIdHeader] = id;
        if (manageToken is not null) response.Headers[Caller.ManageTokenHeader] = manageToken;
        response.Headers.Location = $"{Prefix}/{id}";
        if (request.ContentType == OffsetContentType && request.ContentLength != 0)
        {
            // creation-with-upload: the first bytes came with the creation. Whatever happens to them, the upload
            // exists and the client resumes from the offset its next HEAD reports.
            if (await AppendAsync(context, video, upload, caller, services, cancellationToken) is { } failed) return failed;
        }
        else
        {
            response.Headers["Upload-Offset"] = "0";
        }
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        var created = await services.Views.RenderAsync(await services.Videos.GetAsync(id, CancellationToken.None) ?? video, caller with { ManageToken = manageToken }, CancellationToken.None);
        return TypedResults.Created($"{Prefix}/{id}", created with { ManageToken = manageToken });
    }

    private static async Task<IResult> HeadAsync(string id, HttpContext context, Caller caller, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var (found, problem) = await FindAsync(id, caller, services, cancellationToken);
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
            if (await FinishAsync(video, caller, services, cancellationToken) is { } rejected) return rejected;
        }
        response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        return TypedResults.Ok();
    }

    private static async Task<IResult> PatchAsync(string id, HttpContext context, Caller caller, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        if (context.Request.ContentType != OffsetContentType)
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_type", "Unsupported content type", $"Send the bytes with Content-Type {OffsetContentType}.");
        var (found, problem) = await FindAsync(id, caller, services, cancellationToken);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
        {
            context.Response.Headers["Upload-Offset"] = video.SizeBytes.ToString(CultureInfo.InvariantCulture);
            return OffsetMismatch("The upload is complete; there is nothing more to send.");
        }
        return (IResult?)await AppendAsync(context, video, upload, caller, services, cancellationToken) ?? TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string id, Caller caller, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        var (found, problem) = await FindAsync(id, caller, services, cancellationToken, allowExpired: true);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
            return Problems.Create(StatusCodes.Status409Conflict, "upload_complete", "Upload complete", $"The upload is complete and is now video {video.Id}; delete the video instead.");
        await DiscardAsync(upload, services.Videos, services.Storage, CancellationToken.None);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Appends the request body at the upload's offset, holding the upload's lock. The bytes received are kept even
    /// when the body breaks off (unless a checksum was promised, which they can no longer be checked against). Returns
    /// null once the bytes are recorded (and Upload-Offset says so), or the problem.
    /// </summary>
    private static async Task<ProblemHttpResult?> AppendAsync(
        HttpContext context, VideoRecord video, UploadRecord upload, Caller caller, TusServices services, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var response = context.Response;
        if (!long.TryParse(request.Headers["Upload-Offset"].Count == 0 && HttpMethods.IsPost(request.Method) ? "0" : request.Headers["Upload-Offset"].ToString(),
                NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return Problems.BadRequest("invalid_upload_offset", "Send Upload-Offset: the number of bytes the server already has, as HEAD reports it.");
        if (!TryParseChecksum(request.Headers["Upload-Checksum"], out var checksum))
            return Problems.BadRequest("unsupported_checksum", $"Upload-Checksum is '<algorithm> <base64 digest>' with one of: {string.Join(", ", Checksums)}.");
        using var hash = checksum?.Hash;

        var owner = Guid.NewGuid().ToString("N");
        if (!await services.Uploads.TryLockAsync(upload.VideoId, owner, LockLease, cancellationToken))
            return Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "Another request is adding to this upload. Ask HEAD for the offset and try again shortly.");
        try
        {
            // The lock is ours: the offset read now cannot move under us.
            upload = await services.Uploads.GetAsync(upload.VideoId, cancellationToken) ?? upload;
            if (offset != upload.OffsetBytes)
            {
                response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
                return OffsetMismatch($"The server has {upload.OffsetBytes} bytes of this upload; send from there.");
            }
            var room = upload.Length - offset;
            if (request.ContentLength > room) return BeyondLength(upload);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = room;

            await using var append = await services.Storage.ResumeAsync(StorageKeys.OriginalFile(upload.VideoId), upload.StorageState, offset, cancellationToken);
            var (received, broke) = await ReceiveAsync(context, upload, owner, append, hash, room, services, cancellationToken);
            if (received > room) return BeyondLength(upload);
            if (hash is not null)
            {
                if (broke) return null;
                if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), checksum!.Value.Expected))
                    return Problems.Create(460, "checksum_mismatch", "Checksum mismatch", "The bytes do not match Upload-Checksum; nothing of them was kept. Send them again.");
            }
            if (received == 0)
            {
                NoteProgress(response, upload, upload.ExpiresAt);
                return null;
            }

            var end = offset + received;
            var last = end == upload.Length;
            // Once the client is gone nothing cancels what is left: bytes that arrived are stored and recorded.
            var state = await append.CommitAsync(last, CancellationToken.None);
            var expiresAt = ExpiryFrom(services);
            if (!await services.Uploads.SaveProgressAsync(upload.VideoId, owner, end, state, expiresAt, CancellationToken.None))
                return Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "The upload was taken over or removed while these bytes arrived; ask HEAD where it stands.");
            await append.ForgetPreviousAsync(CancellationToken.None);
            upload.OffsetBytes = end;
            if (last && await FinishAsync(video, caller, services, CancellationToken.None) is { } rejected) return rejected;
            NoteProgress(response, upload, expiresAt);
            return null;
        }
        catch (StorageUnavailableException e)
        {
            services.Logger.LogWarning(e, "Resumable upload interrupted: object storage unavailable");
            return Problems.StorageUnavailable("These bytes could not be stored because the server's object storage is unreachable. Ask HEAD for the offset and resume in a minute.");
        }
        finally
        {
            await services.Uploads.UnlockAsync(upload.VideoId, owner, CancellationToken.None);
        }
    }

    /// <summary>Reads the body into the append; returns the bytes read and whether the body broke off.</summary>
    private static async Task<(long Received, bool Broke)> ReceiveAsync(
        HttpContext context, UploadRecord upload, string owner, IResumableAppend append, IncrementalHash? hash, long room, TusServices services, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0;
        var renewAt = services.Clock.GetUtcNow() + LockRenewal;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                if (received + read > room) return (received + read, false);
                hash?.AppendData(buffer, 0, read);
                // Not cancelled when the client leaves: what is counted as received must be written whole.
                await append.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                received += read;
                if (services.Clock.GetUtcNow() >= renewAt)
                {
                    if (!await services.Uploads.RenewLockAsync(upload.VideoId, owner, LockLease, cancellationToken))
                        throw new IOException("The upload's lock was lost while its bytes arrived.");
                    renewAt = services.Clock.GetUtcNow() + LockRenewal;
                }
            }
            return (received, false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without Content-Length that runs past the upload's length: none of it is kept.
            return (room + 1, false);
        }
        catch (Exception e) when (e is BadHttpRequestException or ConnectionResetException
            || (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested))
        {
            services.Logger.LogInformation("Resumable upload broke off after {Bytes} more bytes: {Reason}", received, e.Message);
            return (received, true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Judges the complete upload by its content, as <c>POST /api/videos</c> does: refused content removes the video
    /// and its bytes; anything else is queued for processing. Safe to call again for an upload already finished.
    /// </summary>
    private static async Task<ProblemHttpResult?> FinishAsync(VideoRecord video, Caller caller, TusServices services, CancellationToken cancellationToken)
    {
        using var scope = services.Logger.BeginScope("VideoId:{VideoId}", video.Id);
        var scratch = Path.Combine(services.Node.TempDir, $"{video.Id}.{Guid.NewGuid():N}.probe");
        Directory.CreateDirectory(scratch);
        try
        {
            var source = await services.Storage.GetLocalPathAsync(video.SourceKey!, scratch, cancellationToken);
            var outcome = await services.Media.ProbeAsync(source, cancellationToken);
            if (outcome.Problem is { } problem)
            {
                await services.Videos.DeleteAsync(video.Id, CancellationToken.None);
                await services.Storage.DeletePrefixAsync(StorageKeys.Original(video.Id), CancellationToken.None);
                return VideoEndpoints.Rejected(problem, services.Logger);
            }
            VideoEndpoints.TakeProbe(video, outcome);
            video.UpdatedAt = services.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (await services.Uploads.FinishAsync(video, JobKind.Prepare, CancellationToken.None))
            {
                services.Signal.Wake(JobKind.Prepare);
                services.Logger.LogInformation("Resumable upload complete: {Bytes} bytes, {Width}x{Height}, {Duration:0.0} s",
                    video.SizeBytes, video.Width, video.Height, video.DurationSeconds);
            }
            return null;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Removes an upload, its video and every byte stored of it.</summary>
    internal static async Task DiscardAsync(UploadRecord upload, VideoStore videos, IMediaStorage storage, CancellationToken cancellationToken)
    {
        await videos.DeleteAsync(upload.VideoId, cancellationToken);
        await storage.DiscardResumableAsync(StorageKeys.OriginalFile(upload.VideoId), upload.StorageState, cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.Original(upload.VideoId), cancellationToken);
    }

    /// <summary>The upload the caller may add to: 404 when there is none, 410 once it expired, 403 when it is someone else's.</summary>
    private static async Task<((VideoRecord Video, UploadRecord? Upload)? Found, ProblemHttpResult? Problem)> FindAsync(
        string id, Caller caller, TusServices services, CancellationToken cancellationToken, bool allowExpired = false)
    {
        var (video, problem) = await VideoEndpoints.ManageableAsync(id, caller, services.Videos, cancellationToken);
        if (video is null) return (null, problem is { StatusCode: StatusCodes.Status404NotFound } ? Problems.NotFound("upload") : problem);
        if (video.Status != VideoStatus.Uploading) return ((video, null), null);
        if (await services.Uploads.GetAsync(id, cancellationToken) is not { } upload) return (null, Problems.NotFound("upload"));
        if (!allowExpired && upload.ExpiresAt <= services.Clock.GetUtcNow().ToUnixTimeMilliseconds())
            return (null, Problems.Create(StatusCodes.Status410Gone, "upload_expired", "Upload expired", "Nothing was added to this upload for too long, so it was abandoned. Start again."));
        return ((video, upload), null);
    }

    private static void NoteProgress(HttpResponse response, UploadRecord upload, long expiresAt)
    {
        response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Expires"] = HttpDate(expiresAt);
    }

    private static ProblemHttpResult OffsetMismatch(string detail) =>
        Problems.Create(StatusCodes.Status409Conflict, "upload_offset_mismatch", "Wrong offset", detail);

    private static ProblemHttpResult BeyondLength(UploadRecord upload) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "exceeds_upload_length", "Beyond the upload's length",
            $"The upload was created with Upload-Length {upload.Length}; these bytes go past it. Nothing of them was kept.");

    private static long ExpiryFrom(TusServices services) =>
        (services.Clock.GetUtcNow() + TimeSpan.FromMinutes(services.Options.Value.ResumableExpiryMinutes)).ToUnixTimeMilliseconds();

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

    internal readonly record struct Checksum(IncrementalHash Hash, byte[] Expected);

    /// <summary>tus checksum: an algorithm we know and a base64 digest; a missing header is fine (null).</summary>
    internal static bool TryParseChecksum(string? header, out Checksum? checksum)
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
        checksum = new Checksum(IncrementalHash.CreateHash(algorithm.Value), expected[..written]);
        return true;
    }
}
