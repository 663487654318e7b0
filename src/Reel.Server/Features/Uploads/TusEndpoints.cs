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
using Reel.Server.Features.Limits;
using Reel.Server.Features.Videos;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Uploads;

/// <summary>
/// Resumable uploads with the tus 1.0 protocol (core, creation, creation-with-upload, termination, expiration,
/// checksum). An upload is a video from its creation, with status <c>uploading</c>; once its last byte arrives it is
/// judged and processed exactly like <c>POST /api/videos</c>. The upload's URL is its capability: a secret key of its
/// own, unrelated to the video's id, which any tus client can use as it is (ADR 15). See docs/api.md and ADR 9.
/// </summary>
internal static class TusEndpoints
{
    public const string Prefix = "/api/uploads";
    private const string Version = "1.0.0";
    private const string OffsetContentType = "application/offset+octet-stream";
    private const string VideoIdHeader = "Reel-Video-Id";
    private const int BufferSize = 128 * 1024;
    internal static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

    // The holder of an upload's lock renews it this often, and learns then that another request asked for the upload.
    private static readonly TimeSpan LockCheck = TimeSpan.FromSeconds(1);

    // How long a request waits for the holder it asked to stop: a check, then its last bytes stored (on S3, a part).
    private static readonly TimeSpan TakeoverWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan TakeoverPoll = TimeSpan.FromMilliseconds(100);

    // The key of an upload's URL: 256 random bits, base64url (Secrets.New); a video id (22 characters) never matches.
    private const int KeyLength = 43;
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
        FileSweeper Files,
        VideoViews Views,
        NodeSettings Node,
        TimeProvider Clock,
        IOptions<UploadOptions> Options,
        ILogger<UploadStore> Logger);

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

    private static async Task<IResult> CreateAsync(HttpContext context, Caller caller, [AsParameters] TusServices services, UploadAllowance allowance, CancellationToken cancellationToken)
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
        if (await allowance.RefuseCreationAsync(caller, length, cancellationToken) is { } limited) return limited;
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
        // The URL is the capability to add to the upload: whoever has it may, with or without an account, as tus
        // clients expect; only its hash is stored.
        var key = Secrets.New();
        try
        {
            upload.StorageState = await services.Storage.StartResumableAsync(video.SourceKey!, cancellationToken);
            await services.Uploads.CreateAsync(video, upload, Secrets.Hash(key), cancellationToken);
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
        response.Headers.Location = $"{Prefix}/{key}";
        if (request.ContentType == OffsetContentType && request.ContentLength != 0)
        {
            // creation-with-upload: the first bytes came with the creation. Whatever happens to them, the upload
            // exists and the client resumes from the offset its next HEAD reports.
            if (await AppendAsync(context, video, upload, services, cancellationToken) is { } failed) return failed;
        }
        else
        {
            response.Headers["Upload-Offset"] = "0";
        }
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        var created = await services.Views.RenderAsync(await services.Videos.GetAsync(id, CancellationToken.None) ?? video, caller with { ManageToken = manageToken }, CancellationToken.None);
        return TypedResults.Created($"{Prefix}/{key}", created with { ManageToken = manageToken });
    }

    private static async Task<IResult> HeadAsync(string key, HttpContext context, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var (found, problem) = await FindAsync(key, services, cancellationToken);
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
            if (await FinishAsync(video, services, cancellationToken) is { } rejected) return rejected;
        }
        response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Expires"] = HttpDate(upload.ExpiresAt);
        return TypedResults.Ok();
    }

    private static async Task<IResult> PatchAsync(string key, HttpContext context, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        if (context.Request.ContentType != OffsetContentType)
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_type", "Unsupported content type", $"Send the bytes with Content-Type {OffsetContentType}.");
        var (found, problem) = await FindAsync(key, services, cancellationToken);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
        {
            context.Response.Headers["Upload-Offset"] = video.SizeBytes.ToString(CultureInfo.InvariantCulture);
            return OffsetMismatch("The upload is complete; there is nothing more to send.");
        }
        return (IResult?)await AppendAsync(context, video, upload, services, cancellationToken) ?? TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string key, [AsParameters] TusServices services, CancellationToken cancellationToken)
    {
        var (found, problem) = await FindAsync(key, services, cancellationToken, allowExpired: true);
        if (problem is not null) return problem;
        var (video, upload) = found!.Value;
        if (upload is null)
            return Problems.Create(StatusCodes.Status409Conflict, "upload_complete", "Upload complete", $"The upload is complete and is now video {video.Id}; delete the video instead.");
        // Done once the row is gone: bytes storage cannot remove now are removed by the sweep (never a 503 here).
        return await DiscardAsync(upload, services.Videos, services.Files, CancellationToken.None) ? TypedResults.NoContent() : Problems.NotFound("upload");
    }

    /// <summary>
    /// Appends the request body at the upload's offset, holding the upload's lock. The bytes received are kept even
    /// when the body breaks off or stalls, or another request takes the upload over (unless a checksum was promised,
    /// which they can no longer be checked against). Returns null once the bytes are recorded (and Upload-Offset says
    /// so), or the problem.
    /// </summary>
    private static async Task<ProblemHttpResult?> AppendAsync(
        HttpContext context, VideoRecord video, UploadRecord upload, TusServices services, CancellationToken cancellationToken)
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
        if (await LockAsync(upload.VideoId, owner, offset, services, cancellationToken) is { } busy)
        {
            if (busy.Offset is { } current) response.Headers["Upload-Offset"] = current.ToString(CultureInfo.InvariantCulture);
            return busy.Problem;
        }
        using var halt = new CancellationTokenSource();
        var watch = WatchLockAsync(upload.VideoId, owner, halt, services);
        try
        {
            // The lock is ours: the offset read now cannot move under us.
            if (await services.Uploads.GetAsync(upload.VideoId, cancellationToken) is not { } current) return UploadDeleted();
            upload = current;
            if (offset != upload.OffsetBytes)
            {
                response.Headers["Upload-Offset"] = upload.OffsetBytes.ToString(CultureInfo.InvariantCulture);
                return OffsetMismatch($"The server has {upload.OffsetBytes} bytes of this upload; send from there.");
            }
            var room = upload.Length - offset;
            if (request.ContentLength > room) return BeyondLength(upload);
            // The payload is counted below, byte for byte: the server's own limit would count a chunked body's framing
            // too, and refuse a body of exactly the bytes left.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;

            IResumableAppend append;
            try
            {
                append = await services.Storage.ResumeAsync(StorageKeys.OriginalFile(upload.VideoId), upload.StorageState, offset, cancellationToken);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                // The partial file is still open in a request that lost its lock without knowing (the database was
                // away longer than a lease): it lets go when it notices; until then, this one waits its turn.
                services.Logger.LogWarning(e, "Resumable upload still held open by an earlier request");
                return Locked();
            }
            await using (append)
            {
                var (received, broke) = await ReceiveAsync(context, append, hash, room, services, halt.Token, cancellationToken);
                if (received > room) return BeyondLength(upload);
                if (hash is not null)
                {
                    if (broke) return null;
                    if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), checksum!.Value.Expected))
                        return Problems.Create(460, "checksum_mismatch", "Checksum mismatch", "The bytes do not match Upload-Checksum; nothing of them was kept. Send them again.");
                }
                if (received == 0)
                {
                    if (broke && halt.IsCancellationRequested && await services.Uploads.GetAsync(upload.VideoId, CancellationToken.None) is null)
                        return await DeletedMeanwhileAsync(upload, services);
                    NoteProgress(response, upload, upload.ExpiresAt);
                    return null;
                }

                var end = offset + received;
                var last = end == upload.Length;
                // Once the client is gone nothing cancels what is left: bytes that arrived are stored and recorded.
                string? state = null;
                Exception? failure = null;
                try
                {
                    state = await append.CommitAsync(last, CancellationToken.None);
                }
                catch (Exception e) when (e is IOException or StorageUnavailableException or StorageRefusedException)
                {
                    // On S3 a delete aborts the multipart upload, so completing it is refused: judged below.
                    failure = e;
                }
                var expiresAt = ExpiryFrom(services);
                if (state is null || !await services.Uploads.SaveProgressAsync(upload.VideoId, owner, end, state, expiresAt, CancellationToken.None))
                {
                    // The upload was deleted while its bytes arrived: what this request stored after the delete removed
                    // the files is removed now.
                    if (await services.Uploads.GetAsync(upload.VideoId, CancellationToken.None) is null)
                        return await DeletedMeanwhileAsync(upload, services);
                    if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                    return Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "The upload was taken over while these bytes arrived; ask HEAD where it stands.");
                }
                await append.ForgetPreviousAsync(CancellationToken.None);
                upload.OffsetBytes = end;
                if (last && await FinishAsync(video, services, CancellationToken.None) is { } rejected) return rejected;
                NoteProgress(response, upload, expiresAt);
                return null;
            }
        }
        catch (StorageRefusedException)
        {
            // A part sent after the upload was deleted is refused by S3 (its multipart upload was aborted): the upload
            // is gone, which is no server error. Any other refusal is one.
            if (await services.Uploads.GetAsync(upload.VideoId, CancellationToken.None) is null) return await DeletedMeanwhileAsync(upload, services);
            throw;
        }
        catch (StorageUnavailableException e)
        {
            services.Logger.LogWarning(e, "Resumable upload interrupted: object storage unavailable");
            return Problems.StorageUnavailable("These bytes could not be stored because the server's object storage is unreachable. Ask HEAD for the offset and resume in a minute.");
        }
        finally
        {
            await halt.CancelAsync();
            await watch;
            await services.Uploads.UnlockAsync(upload.VideoId, owner, CancellationToken.None);
        }
    }

    private readonly record struct Busy(ProblemHttpResult Problem, long? Offset);

    /// <summary>
    /// Takes the upload's lock. When another request holds it and this one starts at the recorded offset (a client
    /// resuming as HEAD told it, while its earlier request hangs on a dead connection), the holder is asked to store
    /// what it has and let go, and this request waits for it briefly instead of being turned away.
    /// </summary>
    private static async Task<Busy?> LockAsync(string videoId, string owner, long offset, TusServices services, CancellationToken cancellationToken)
    {
        if (await services.Uploads.TryLockAsync(videoId, owner, LockLease, cancellationToken)) return null;
        if (await services.Uploads.GetAsync(videoId, cancellationToken) is not { } upload) return new Busy(UploadDeleted(), null);
        if (offset != upload.OffsetBytes)
            return new Busy(OffsetMismatch($"The server has {upload.OffsetBytes} bytes of this upload; send from there."), upload.OffsetBytes);
        await services.Uploads.RequestStopAsync(videoId, cancellationToken);
        var deadline = services.Clock.GetUtcNow() + TakeoverWait;
        while (services.Clock.GetUtcNow() < deadline)
        {
            await Task.Delay(TakeoverPoll, services.Clock, cancellationToken);
            if (await services.Uploads.TryLockAsync(videoId, owner, LockLease, cancellationToken)) return null;
        }
        return new Busy(Locked(), null);
    }

    /// <summary>
    /// Renews the lock while the body arrives, even when no byte does; stops the request (through
    /// <paramref name="halt"/>) when another request asked for the upload, the lock was lost, or the upload is gone.
    /// </summary>
    private static async Task WatchLockAsync(string videoId, string owner, CancellationTokenSource halt, TusServices services)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LockCheck, services.Clock, halt.Token);
                bool held;
                try
                {
                    held = await services.Uploads.RenewLockAsync(videoId, owner, LockLease, halt.Token);
                }
                catch (System.Data.Common.DbException e)
                {
                    // The database is away for a moment: the lease runs for a while yet, so try again next time.
                    services.Logger.LogWarning(e, "Could not renew the lock of resumable upload {VideoId}", videoId);
                    continue;
                }
                if (!held)
                {
                    services.Logger.LogInformation("Resumable upload {VideoId}: another request asked for it, or it is gone; storing what arrived", videoId);
                    await halt.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested)
        {
            // The request is done with the lock.
        }
    }

    /// <summary>
    /// Reads the body into the append; returns the bytes read and whether the body broke off (the client left, its
    /// connection went silent for longer than <see cref="UploadOptions.StallSeconds"/>, or the request was halted).
    /// </summary>
    private static async Task<(long Received, bool Broke)> ReceiveAsync(
        HttpContext context, IResumableAppend append, IncrementalHash? hash, long room, TusServices services, CancellationToken halted, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0;
        using var stalled = new CancellationTokenSource(Timeout.InfiniteTimeSpan, services.Clock);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, halted, stalled.Token);
        var stallAfter = TimeSpan.FromSeconds(services.Options.Value.StallSeconds);
        try
        {
            while (true)
            {
                // Re-armed for every read: only a body that brings nothing for this long has stalled.
                stalled.CancelAfter(stallAfter);
                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(0, BufferSize), reading.Token);
                if (read == 0) return (received, false);
                if (received + read > room) return (received + read, false);
                hash?.AppendData(buffer, 0, read);
                // Not cancelled when the client leaves: what is counted as received must be written whole.
                await append.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                received += read;
            }
        }
        catch (Exception e) when (e is BadHttpRequestException or ConnectionResetException
            || (e is OperationCanceledException or IOException && reading.IsCancellationRequested))
        {
            var reason = stalled.IsCancellationRequested ? "no byte arrived for too long"
                : halted.IsCancellationRequested ? "another request took the upload over, or it is gone"
                : e.Message;
            services.Logger.LogInformation("Resumable upload broke off after {Bytes} more bytes: {Reason}", received, reason);
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
    private static async Task<ProblemHttpResult?> FinishAsync(VideoRecord video, TusServices services, CancellationToken cancellationToken)
    {
        using var scope = services.Logger.BeginScope("VideoId:{VideoId}", video.Id);
        var scratch = Path.Combine(services.Node.TempDir, $"{video.Id}.{Guid.NewGuid():N}.probe");
        Directory.CreateDirectory(scratch);
        try
        {
            ProbeOutcome outcome;
            try
            {
                var source = await services.Storage.GetLocalPathAsync(video.SourceKey!, scratch, cancellationToken);
                outcome = await services.Media.ProbeAsync(source, cancellationToken);
            }
            catch (Exception e) when (e is StorageUnavailableException or StorageRefusedException)
            {
                // The file is not there because the upload was deleted meanwhile (S3 refuses: no such key), or
                // storage is away (503), or refused for another reason (a server error).
                if (await services.Videos.GetAsync(video.Id, CancellationToken.None) is null) return UploadDeleted();
                throw;
            }
            if (outcome.Problem is { } problem)
            {
                // A file deleted under the probe is no reason to call the upload unsupported.
                if (!await services.Videos.DeleteAsync(video.Id, null, CancellationToken.None)) return UploadDeleted();
                await services.Files.RemoveAsync(video.Id, null);
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
            else if (await services.Videos.GetAsync(video.Id, CancellationToken.None) is null)
            {
                // Deleted between its last byte and now; the delete's record removes the files.
                await services.Files.RemoveAsync(video.Id, null);
                return UploadDeleted();
            }
            return null;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Removes an upload and its video; every byte stored of it goes now, or by the sweep when storage cannot be
    /// reached. False when the video was already gone.
    /// </summary>
    internal static async Task<bool> DiscardAsync(UploadRecord upload, VideoStore videos, FileSweeper files, CancellationToken cancellationToken)
    {
        if (!await videos.DeleteAsync(upload.VideoId, upload.StorageState, cancellationToken)) return false;
        await files.RemoveAsync(upload.VideoId, upload.StorageState);
        return true;
    }

    /// <summary>
    /// The upload an URL key names: 404 when there is none (a video id is no key), 410 once it expired. Having the key
    /// is the right to add to the upload; who the caller is does not matter. A finished upload is found (Upload null)
    /// for as long as its video lives.
    /// </summary>
    private static async Task<((VideoRecord Video, UploadRecord? Upload)? Found, ProblemHttpResult? Problem)> FindAsync(
        string key, TusServices services, CancellationToken cancellationToken, bool allowExpired = false)
    {
        if (key.Length != KeyLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            || await services.Uploads.VideoIdOfAsync(Secrets.Hash(key), cancellationToken) is not { } id
            || await services.Videos.GetAsync(id, cancellationToken) is not { } video)
            return (null, Problems.NotFound("upload"));
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

    /// <summary>What was stored of an upload deleted while its bytes arrived is removed; the request is answered 410.</summary>
    private static async Task<ProblemHttpResult> DeletedMeanwhileAsync(UploadRecord upload, TusServices services)
    {
        services.Logger.LogInformation("Resumable upload {VideoId} was deleted while its bytes arrived; removing what was stored", upload.VideoId);
        await services.Files.RemoveAsync(upload.VideoId, upload.StorageState);
        return UploadDeleted();
    }

    private static ProblemHttpResult UploadDeleted() =>
        Problems.Create(StatusCodes.Status410Gone, "upload_deleted", "Upload deleted", "The upload was deleted while these bytes arrived; nothing of them was kept.");

    private static ProblemHttpResult Locked() =>
        Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "Another request is adding to this upload. Ask HEAD for the offset and try again shortly.");

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
