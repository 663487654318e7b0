using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Reel.Cli;

/// <summary>
/// Uploads a file with tus 1.0 (<c>/api/uploads</c>), in requests of at most <see cref="DefaultChunkSize"/> bytes.
/// Where the upload lives on the server is saved before the first byte is sent, so a run that is interrupted (Ctrl+C,
/// a crash, a lost network) is continued by the next run for the same file from the offset the server reports.
/// Within a run, a broken connection or a busy server is retried with growing pauses.
/// </summary>
internal sealed class TusUpload(ReelApi api, CliConfig config)
{
    /// <summary>Small enough to pass proxies that limit request bodies; large enough that requests cost nothing.</summary>
    public const long DefaultChunkSize = 64L << 20;

    private const string Version = "1.0.0";
    private const int MaxPacedWaits = 30;
    private static readonly TimeSpan[] RetryDelays = [.. new[] { 0.5, 1, 2, 4, 8, 15, 30, 30, 30 }.Select(TimeSpan.FromSeconds)];

    public sealed record Outcome(string VideoId, string? ManageToken, long ResumedFrom);

    /// <param name="progress">Called with the bytes the server has (or is being sent) so far.</param>
    /// <param name="note">A line for the person, e.g. that an earlier upload is being resumed.</param>
    public async Task<Outcome> RunAsync(
        FileInfo file, string? title, long chunkSize, long? bytesPerSecond, Action<long> progress, Action<string> note, CancellationToken cancellationToken)
    {
        var fingerprint = CliConfig.Fingerprint(api.Server, file);
        var pending = config.FindUpload(fingerprint);
        long? offset = null;
        if (pending is not null)
        {
            offset = await WithRetriesAsync(() => HeadAsync(pending, cancellationToken), note, cancellationToken);
            if (offset is null)
            {
                note("The earlier, unfinished upload of this file is no longer on the server; starting again.");
                pending = null;
            }
            else
            {
                note($"Resuming the earlier upload of this file at {Units.Bytes(offset.Value)} of {Units.Bytes(file.Length)}.");
            }
        }
        if (pending is null)
        {
            pending = await CreateAsync(file, title, note, cancellationToken);
            config.SaveUpload(fingerprint, pending);
            offset = 0;
        }

        var resumedFrom = offset!.Value;
        progress(resumedFrom);
        try
        {
            var at = resumedFrom;
            while (at < file.Length)
            {
                var from = at;
                at = await WithRetriesAsync(async () =>
                {
                    // After a failure the server may hold more, or fewer, bytes than were sent: ask.
                    var start = from;
                    if (start < 0) start = await HeadAsync(pending, cancellationToken) ?? throw Gone();
                    progress(start);
                    return start >= file.Length ? start : await PatchAsync(pending, file, start, Math.Min(chunkSize, file.Length - start), bytesPerSecond, progress, cancellationToken);
                }, note, cancellationToken, onRetry: () => from = -1);
            }
        }
        catch (CliException e) when (e.ExitCode != ExitCodes.NotAllowed)
        {
            // Refused for good (not a video, expired, deleted): there is nothing to resume any more.
            config.SaveUpload(fingerprint, null);
            throw;
        }
        config.SaveUpload(fingerprint, null);
        return new Outcome(pending.VideoId, pending.ManageToken, resumedFrom);
    }

    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> action, Action<string> note, CancellationToken cancellationToken, Action? onRetry = null)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await action();
            }
            catch (CliException e) when (IsTransient(e) && failures < RetryDelays.Length)
            {
                note($"{e.Message} Trying again in {RetryDelays[failures].TotalSeconds:0.#} s.");
                await Task.Delay(RetryDelays[failures], cancellationToken);
                onRetry?.Invoke();
            }
        }
    }

    // The network or the server failed, or another request of ours still held the upload: worth another try.
    private static bool IsTransient(CliException e) =>
        e.ExitCode == ExitCodes.Unavailable || e.Code is "upload_offset_mismatch" or "upload_locked";

    private async Task<PendingUpload> CreateAsync(FileInfo file, string? title, Action<string> note, CancellationToken cancellationToken)
    {
        var metadata = "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(file.Name));
        if (title is not null) metadata += ",title " + Convert.ToBase64String(Encoding.UTF8.GetBytes(title));
        for (var paced = 0; ; paced++)
        {
            using var response = await api.SendAsync(() =>
            {
                var request = Tus(HttpMethod.Post, "/api/uploads");
                request.Headers.Add("Upload-Length", file.Length.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add("Upload-Metadata", metadata);
                return request;
            }, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Created) return Pending(response);
            var problem = await ReelApi.ProblemAsync(response, cancellationToken);
            // The server paces new uploads per address: many files in one run wait their turn rather than fail.
            if (problem.Code != "rate_limited" || paced >= MaxPacedWaits) throw problem;
            var wait = TimeSpan.FromSeconds(Math.Clamp(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 5, 1, 60));
            note($"The server takes only so many new uploads at a time from one address; waiting {wait.TotalSeconds:0} s for a turn.");
            await Task.Delay(wait, cancellationToken);
        }
    }

    private PendingUpload Pending(HttpResponseMessage response)
    {
        var videoId = response.Headers.TryGetValues("Reel-Video-Id", out var ids) ? ids.First() : throw new CliException(ExitCodes.Unexpected, "The server did not say which video the upload becomes.");
        // The upload's URL is its own secret, not the video's id: only the Location names it.
        var location = response.Headers.Location ?? throw new CliException(ExitCodes.Unexpected, "The server did not say where the upload is (no Location).");
        var manageToken = response.Headers.TryGetValues(ReelApi.ManageTokenHeader, out var tokens) ? tokens.First() : null;
        return new PendingUpload(new Uri(new Uri(api.Server + "/"), location).ToString(), videoId, manageToken);
    }

    /// <summary>The server's offset, or null when the upload is gone (expired, removed, or someone else's).</summary>
    private async Task<long?> HeadAsync(PendingUpload pending, CancellationToken cancellationToken)
    {
        using var response = await api.SendAsync(() => Tus(HttpMethod.Head, pending.UploadUrl), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone or HttpStatusCode.Forbidden) return null;
        if (!response.IsSuccessStatusCode) throw await ReelApi.ProblemAsync(response, cancellationToken);
        return Offset(response);
    }

    private async Task<long> PatchAsync(
        PendingUpload pending, FileInfo file, long offset, long count, long? bytesPerSecond, Action<long> progress, CancellationToken cancellationToken)
    {
        using var response = await api.SendAsync(() =>
        {
            var request = Tus(HttpMethod.Patch, pending.UploadUrl);
            request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            request.Content = new FileSliceContent(file.FullName, offset, count, bytesPerSecond, progress);
            return request;
        }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NoContent) throw await ReelApi.ProblemAsync(response, cancellationToken);
        return Offset(response);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", Version);
        return request;
    }

    private static long Offset(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Upload-Offset", out var values) && long.TryParse(values.First(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw new CliException(ExitCodes.Unexpected, "The server's answer has no Upload-Offset.");

    private static CliException Gone() =>
        new(ExitCodes.Refused, "The upload is no longer on the server (it expired or was removed). Run the command again to start over.", "upload_gone");

    /// <summary>A slice of a file as a request body, read as it is sent, reporting progress and keeping to a rate.</summary>
    private sealed class FileSliceContent : HttpContent
    {
        private const int BufferSize = 256 * 1024;
        private readonly string _path;
        private readonly long _offset;
        private readonly long _count;
        private readonly long? _bytesPerSecond;
        private readonly Action<long> _progress;

        public FileSliceContent(string path, long offset, long count, long? bytesPerSecond, Action<long> progress)
        {
            (_path, _offset, _count, _bytesPerSecond, _progress) = (path, offset, count, bytesPerSecond, progress);
            Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            file.Position = _offset;
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            var clock = Stopwatch.StartNew();
            try
            {
                long sent = 0;
                while (sent < _count)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, _count - sent)), cancellationToken);
                    if (read == 0) throw new CliException(ExitCodes.Usage, $"{_path} became shorter while it was being uploaded.");
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    sent += read;
                    _progress(_offset + sent);
                    if (_bytesPerSecond is { } rate && TimeSpan.FromSeconds(sent / (double)rate) - clock.Elapsed is { } ahead && ahead > TimeSpan.Zero)
                        await Task.Delay(ahead, cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = _count;
            return true;
        }
    }
}
