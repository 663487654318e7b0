using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
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

/// <summary>An upload just started: the video (status <c>uploading</c>), its upload and the secret key of its URL.</summary>
internal sealed record StartedUpload(VideoRecord Video, UploadRecord Upload, string Key, string? ManageToken);

/// <summary>The upload an URL key names; <see cref="Upload"/> is null once it is finished and is a video like any other.</summary>
internal readonly record struct FoundUpload(VideoRecord Video, UploadRecord? Upload);

/// <summary>
/// What an append did: the problem, if any, and what the client should be told of the upload now (its offset, and
/// when it expires), each when known.
/// </summary>
internal readonly record struct Appended(ProblemHttpResult? Problem, long? Offset, long? ExpiresAt);

/// <summary>A request body to append: the stream, the length it declared, and how to let it run past the server's usual limit.</summary>
internal sealed record IncomingBytes(Stream Body, long? DeclaredLength, Action LiftSizeLimit);

/// <summary>A digest the client promised for the bytes of one request (tus checksum).</summary>
internal readonly record struct UploadChecksum(IncrementalHash Hash, byte[] Expected);

/// <summary>
/// Resumable uploads, whatever protocol carries them: start one, find it by its key, append to it under its lock,
/// judge it once the last byte is in (through <see cref="VideoIntake"/>, like any upload), and discard it. An upload is
/// a video from its start, with status <c>uploading</c>; its lock is a lease in the database, so one request at a
/// time appends, on any node (ADR 9, ADR 15).
/// </summary>
internal sealed class ResumableUploads(
    UploadStore uploads,
    VideoStore videos,
    IMediaStorage storage,
    VideoIntake intake,
    UploadAllowance allowance,
    FileSweeper files,
    NodeSettings node,
    TimeProvider clock,
    IOptions<UploadOptions> options,
    ILogger<ResumableUploads> logger)
{
    private const int BufferSize = 128 * 1024;
    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

    // The holder of an upload's lock renews it this often, and learns then that another request asked for the upload.
    private static readonly TimeSpan LockCheck = TimeSpan.FromSeconds(1);

    // How long a request waits for the holder it asked to stop: a check, then its last bytes stored (on S3, a part).
    private static readonly TimeSpan TakeoverWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan TakeoverPoll = TimeSpan.FromMilliseconds(100);

    // The key of an upload's URL: 256 random bits, base64url (Secrets.New); a video id (22 characters) never matches.
    private const int KeyLength = 43;

    /// <summary>Why an upload of <paramref name="length"/> bytes may not start: empty, over the size limit, the open-upload cap or the quota.</summary>
    public async Task<ProblemHttpResult?> RefuseAsync(Caller caller, long length, CancellationToken cancellationToken)
    {
        if (length == 0) return Problems.BadRequest("empty_upload", "The upload is empty.");
        var max = options.Value.MaxBytes;
        if (length > max)
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "file_too_large", "File too large", $"The upload is larger than the limit of {max} bytes.");
        return await allowance.RefuseCreationAsync(caller, length, cancellationToken);
    }

    /// <summary>
    /// Starts an upload: the video (or the replacement of <paramref name="replacing"/>'s file) exists from now on, as
    /// <c>uploading</c>. Its URL key is the capability to add to it: whoever has it may, with or without an account,
    /// as tus clients expect; only its hash is stored.
    /// </summary>
    public async Task<(StartedUpload? Started, ProblemHttpResult? Problem)> StartAsync(
        Caller caller, string title, long length, VideoRecord? replacing, CancellationToken cancellationToken)
    {
        var id = Ids.NewVideoId();
        using var scope = logger.BeginScope("VideoId:{VideoId}", id);
        var video = intake.NewVideo(id, title, caller, out var manageToken, replacing);
        video.Status = VideoStatus.Uploading;
        video.SizeBytes = length;
        var upload = new UploadRecord { VideoId = id, Length = length, ExpiresAt = NewExpiry() };
        var key = Secrets.New();
        try
        {
            upload.StorageState = await storage.StartResumableAsync(video.SourceKey!, cancellationToken);
            if (await uploads.CreateAsync(video, upload, Secrets.Hash(key), cancellationToken) is not { } superseded)
            {
                // The video whose file this was to replace was deleted meanwhile.
                await files.RemoveAsync(id, upload.StorageState);
                return (null, Problems.NotFound());
            }
            await files.RemoveAsync(superseded);
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Resumable upload not started: object storage unavailable");
            return (null, Problems.StorageUnavailable("The upload could not be started because the server's object storage is unreachable. Try again in a minute."));
        }
        logger.LogInformation("Resumable upload started: {Bytes} bytes", length);
        return (new StartedUpload(video, upload, key, manageToken), null);
    }

    /// <summary>The video as it stands now: the bytes sent with its creation may have finished it, or had it refused.</summary>
    public async Task<VideoRecord> CurrentAsync(VideoRecord video, CancellationToken cancellationToken) =>
        await videos.GetAsync(video.Id, cancellationToken) ?? video;

    /// <summary>
    /// The upload an URL key names: 404 when there is none (a video id is no key), 410 once it expired. Having the key
    /// is the right to add to the upload; who the caller is does not matter. A finished upload is found (Upload null)
    /// for as long as its video lives.
    /// </summary>
    public async Task<(FoundUpload? Found, ProblemHttpResult? Problem)> FindAsync(string key, CancellationToken cancellationToken, bool allowExpired = false)
    {
        if (key.Length != KeyLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            || await uploads.VideoIdOfAsync(Secrets.Hash(key), cancellationToken) is not { } id
            || await videos.GetAsync(id, cancellationToken) is not { } video)
            return (null, Problems.NotFound("upload"));
        if (video.Status != VideoStatus.Uploading) return (new FoundUpload(video, null), null);
        if (await uploads.GetAsync(id, cancellationToken) is not { } upload) return (null, Problems.NotFound("upload"));
        if (!allowExpired && upload.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds())
            return (null, Problems.Create(StatusCodes.Status410Gone, "upload_expired", "Upload expired", "Nothing was added to this upload for too long, so it was abandoned. Start again."));
        return (new FoundUpload(video, upload), null);
    }

    /// <summary>
    /// Appends a request body at <paramref name="offset"/>, holding the upload's lock. The bytes received are kept even
    /// when the body breaks off or stalls, or another request takes the upload over (unless a checksum was promised,
    /// which they can no longer be checked against). The last byte has the upload judged (<see cref="FinishAsync"/>).
    /// </summary>
    public async Task<Appended> AppendAsync(
        VideoRecord video, UploadRecord upload, long offset, UploadChecksum? checksum, IncomingBytes bytes, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope("VideoId:{VideoId}", upload.VideoId);
        using var hash = checksum?.Hash;
        var owner = Guid.NewGuid().ToString("N");
        if (await LockAsync(upload.VideoId, owner, offset, cancellationToken) is { } busy) return busy;
        using var halt = new CancellationTokenSource();
        var watch = WatchLockAsync(upload.VideoId, owner, halt);
        try
        {
            // The lock is ours: the offset read now cannot move under us.
            if (await uploads.GetAsync(upload.VideoId, cancellationToken) is not { } current) return new Appended(UploadDeleted(), null, null);
            upload = current;
            if (offset != upload.OffsetBytes)
                return new Appended(OffsetMismatch($"The server has {upload.OffsetBytes} bytes of this upload; send from there."), upload.OffsetBytes, null);
            var room = upload.Length - offset;
            if (bytes.DeclaredLength > room) return new Appended(BeyondLength(upload), null, null);
            // The payload is counted below, byte for byte: the server's own limit would count a chunked body's framing
            // too, and refuse a body of exactly the bytes left.
            bytes.LiftSizeLimit();

            IResumableAppend append;
            try
            {
                append = await storage.ResumeAsync(StorageKeys.OriginalFile(upload.VideoId), upload.StorageState, offset, cancellationToken);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                // The partial file is still open in a request that lost its lock without knowing (the database was
                // away longer than a lease): it lets go when it notices; until then, this one waits its turn.
                logger.LogWarning(e, "Resumable upload still held open by an earlier request");
                return new Appended(Locked(), null, null);
            }
            await using (append)
            {
                var (received, broke) = await ReceiveAsync(bytes.Body, append, hash, room, halt.Token, cancellationToken);
                if (received > room) return new Appended(BeyondLength(upload), null, null);
                if (hash is not null)
                {
                    if (broke) return default;
                    if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), checksum!.Value.Expected))
                        return new Appended(Problems.Create(460, "checksum_mismatch", "Checksum mismatch", "The bytes do not match Upload-Checksum; nothing of them was kept. Send them again."), null, null);
                }
                if (received == 0)
                {
                    if (broke && halt.IsCancellationRequested && await uploads.GetAsync(upload.VideoId, CancellationToken.None) is null)
                        return new Appended(await DeletedMeanwhileAsync(upload), null, null);
                    return new Appended(null, upload.OffsetBytes, upload.ExpiresAt);
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
                var expiresAt = NewExpiry();
                if (state is null || !await uploads.SaveProgressAsync(upload.VideoId, owner, end, state, expiresAt, CancellationToken.None))
                {
                    // The upload was deleted while its bytes arrived: what this request stored after the delete removed
                    // the files is removed now.
                    if (await uploads.GetAsync(upload.VideoId, CancellationToken.None) is null)
                        return new Appended(await DeletedMeanwhileAsync(upload), null, null);
                    if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                    return new Appended(
                        Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "The upload was taken over while these bytes arrived; ask HEAD where it stands."),
                        null, null);
                }
                await append.ForgetPreviousAsync(CancellationToken.None);
                upload.OffsetBytes = end;
                if (last && await FinishAsync(video, CancellationToken.None) is { } rejected) return new Appended(rejected, null, null);
                return new Appended(null, upload.OffsetBytes, expiresAt);
            }
        }
        catch (StorageRefusedException)
        {
            // A part sent after the upload was deleted is refused by S3 (its multipart upload was aborted): the upload
            // is gone, which is no server error. Any other refusal is one.
            if (await uploads.GetAsync(upload.VideoId, CancellationToken.None) is null) return new Appended(await DeletedMeanwhileAsync(upload), null, null);
            throw;
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Resumable upload interrupted: object storage unavailable");
            return new Appended(
                Problems.StorageUnavailable("These bytes could not be stored because the server's object storage is unreachable. Ask HEAD for the offset and resume in a minute."),
                null, null);
        }
        finally
        {
            await halt.CancelAsync();
            await watch;
            await uploads.UnlockAsync(upload.VideoId, owner, CancellationToken.None);
        }
    }

    /// <summary>
    /// Judges the complete upload by its content, as <c>POST /api/videos</c> does: refused content removes the video
    /// and its bytes; anything else is queued for processing. Safe to call again for an upload already finished.
    /// </summary>
    public async Task<ProblemHttpResult?> FinishAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope("VideoId:{VideoId}", video.Id);
        var scratch = Path.Combine(node.TempDir, $"{video.Id}.{Guid.NewGuid():N}.probe");
        Directory.CreateDirectory(scratch);
        try
        {
            ProblemHttpResult? refused;
            try
            {
                var source = await storage.GetLocalPathAsync(video.SourceKey!, scratch, cancellationToken);
                refused = await intake.JudgeAsync(video, source, cancellationToken);
            }
            catch (Exception e) when (e is StorageUnavailableException or StorageRefusedException)
            {
                // The file is not there because the upload was deleted meanwhile (S3 refuses: no such key), or
                // storage is away (503), or refused for another reason (a server error).
                if (await videos.GetAsync(video.Id, CancellationToken.None) is null) return UploadDeleted();
                throw;
            }
            if (refused is not null)
            {
                // A file deleted under the probe is no reason to call the upload unsupported.
                if (await videos.DeleteAsync(video.Id, null, CancellationToken.None) is not { } removed) return UploadDeleted();
                await files.RemoveAsync(removed);
                return refused;
            }
            if (!await intake.QueueUploadedAsync(video, CancellationToken.None)
                && await videos.GetAsync(video.Id, CancellationToken.None) is null)
            {
                // Deleted between its last byte and now; the delete's record removes the files.
                await files.RemoveAsync(video.Id, null);
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
    public async Task<bool> DiscardAsync(UploadRecord upload, CancellationToken cancellationToken)
    {
        if (await videos.DeleteAsync(upload.VideoId, upload.StorageState, cancellationToken) is not { } removed) return false;
        await files.RemoveAsync(removed);
        return true;
    }

    /// <summary>Removes the uploads nothing was added to before their expiry, with their bytes.</summary>
    public async Task DiscardExpiredAsync(CancellationToken cancellationToken)
    {
        foreach (var upload in await uploads.ExpiredAsync(cancellationToken))
        {
            // Claimed first, and never given back: the lock goes with the upload's row.
            if (!await uploads.TryLockAsync(upload.VideoId, Guid.NewGuid().ToString("N"), LockLease, cancellationToken, onlyIfExpired: true))
                continue;
            await DiscardAsync(upload, cancellationToken);
            logger.LogInformation("Removed resumable upload {VideoId}: abandoned at {Bytes} of {Length} bytes", upload.VideoId, upload.OffsetBytes, upload.Length);
        }
    }

    /// <summary>
    /// Takes the upload's lock; null once taken, or what the client is told. When another request holds it and this
    /// one starts at the recorded offset (a client resuming as HEAD told it, while its earlier request hangs on a dead
    /// connection), the holder is asked to store what it has and let go, and this request waits for it briefly
    /// instead of being turned away.
    /// </summary>
    private async Task<Appended?> LockAsync(string videoId, string owner, long offset, CancellationToken cancellationToken)
    {
        if (await uploads.TryLockAsync(videoId, owner, LockLease, cancellationToken)) return null;
        if (await uploads.GetAsync(videoId, cancellationToken) is not { } upload) return new Appended(UploadDeleted(), null, null);
        if (offset != upload.OffsetBytes)
            return new Appended(OffsetMismatch($"The server has {upload.OffsetBytes} bytes of this upload; send from there."), upload.OffsetBytes, null);
        await uploads.RequestStopAsync(videoId, cancellationToken);
        var deadline = clock.GetUtcNow() + TakeoverWait;
        while (clock.GetUtcNow() < deadline)
        {
            await Task.Delay(TakeoverPoll, clock, cancellationToken);
            if (await uploads.TryLockAsync(videoId, owner, LockLease, cancellationToken)) return null;
        }
        return new Appended(Locked(), null, null);
    }

    /// <summary>
    /// Renews the lock while the body arrives, even when no byte does; stops the request (through
    /// <paramref name="halt"/>) when another request asked for the upload, the lock was lost, or the upload is gone.
    /// </summary>
    private async Task WatchLockAsync(string videoId, string owner, CancellationTokenSource halt)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LockCheck, clock, halt.Token);
                bool held;
                try
                {
                    held = await uploads.RenewLockAsync(videoId, owner, LockLease, halt.Token);
                }
                catch (System.Data.Common.DbException e)
                {
                    // The database is away for a moment: the lease runs for a while yet, so try again next time.
                    logger.LogWarning(e, "Could not renew the lock of resumable upload {VideoId}", videoId);
                    continue;
                }
                if (!held)
                {
                    logger.LogInformation("Resumable upload {VideoId}: another request asked for it, or it is gone; storing what arrived", videoId);
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
    private async Task<(long Received, bool Broke)> ReceiveAsync(
        Stream body, IResumableAppend append, IncrementalHash? hash, long room, CancellationToken halted, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0;
        using var stalled = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, halted, stalled.Token);
        var stallAfter = TimeSpan.FromSeconds(options.Value.StallSeconds);
        try
        {
            while (true)
            {
                // Re-armed for every read: only a body that brings nothing for this long has stalled.
                stalled.CancelAfter(stallAfter);
                var read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), reading.Token);
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
            logger.LogInformation("Resumable upload broke off after {Bytes} more bytes: {Reason}", received, reason);
            return (received, true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What was stored of an upload deleted while its bytes arrived is removed; the request is answered 410.</summary>
    private async Task<ProblemHttpResult> DeletedMeanwhileAsync(UploadRecord upload)
    {
        logger.LogInformation("Resumable upload {VideoId} was deleted while its bytes arrived; removing what was stored", upload.VideoId);
        await files.RemoveAsync(upload.VideoId, upload.StorageState);
        return UploadDeleted();
    }

    private long NewExpiry() =>
        (clock.GetUtcNow() + TimeSpan.FromMinutes(options.Value.ResumableExpiryMinutes)).ToUnixTimeMilliseconds();

    private static ProblemHttpResult UploadDeleted() =>
        Problems.Create(StatusCodes.Status410Gone, "upload_deleted", "Upload deleted", "The upload was deleted while these bytes arrived; nothing of them was kept.");

    private static ProblemHttpResult Locked() =>
        Problems.Create(StatusCodes.Status423Locked, "upload_locked", "Upload busy", "Another request is adding to this upload. Ask HEAD for the offset and try again shortly.");

    /// <summary>409 for bytes sent from another offset than the server has (or to an upload already complete).</summary>
    public static ProblemHttpResult OffsetMismatch(string detail) =>
        Problems.Create(StatusCodes.Status409Conflict, "upload_offset_mismatch", "Wrong offset", detail);

    private static ProblemHttpResult BeyondLength(UploadRecord upload) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "exceeds_upload_length", "Beyond the upload's length",
            $"The upload was created with Upload-Length {upload.Length}; these bytes go past it. Nothing of them was kept.");
}
