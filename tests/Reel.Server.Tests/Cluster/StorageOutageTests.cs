using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Reel.Media;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>Object storage goes away for a few seconds while videos process and upload; nothing is lost or served broken.</summary>
[RunsLong]
public sealed class StorageOutageTests : IAsyncLifetime
{
    private const string Bucket = "reel-outage";
    private ObjectStore _store = null!;
    private ReelServer _server = null!;

    public async Task InitializeAsync()
    {
        _store = await ObjectStore.StartAsync();
        _server = await ReelServer.StartAsync(settings: _store.SettingsFor(Bucket));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Jobs_wait_out_an_S3_outage_and_finish_while_uploads_in_flight_fail_clearly()
    {
        var processing = await _server.UploadAsync(await Clips.PathAsync(Clips.Watchable));
        processing = await _server.WaitForAsync(processing.Id, v => v.Playable && v.Progress >= 0.15, TimeSpan.FromSeconds(90));

        // An upload whose first part reached S3 and whose rest arrives during the outage.
        var bigClip = await BigClipAsync();
        var outageStarted = new TaskCompletionSource();
        using var content = new StreamContent(new PausingStream(await File.ReadAllBytesAsync(bigClip), pauseAt: 10 << 20, outageStarted.Task));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/x-matroska");
        var inFlight = _server.Client.PostAsync("/api/videos", content);
        // Its first part is in S3 once S3 holds an unfinished multipart upload.
        await Eventually.FoundAsync(async () => await _store.UnfinishedPartsAsync(Bucket) > 0 ? "begun" : null);

        await _store.StopProxyAsync();
        outageStarted.SetResult();
        using (var response = await inFlight)
            await AssertStorageUnavailableAsync(response);
        using (var response = await ReelServer.PostVideoAsync(_server.Client, await Clips.PathAsync(Clips.Silent)))
            await AssertStorageUnavailableAsync(response);
        // Files of the video are refused, never sent in part.
        await AssertNothingBrokenIsServedAsync(processing);
        // The outage lasts until the job has run into it.
        const string handedBack = "Object storage unavailable; the job runs again";
        await Eventually.FoundAsync(() => Task.FromResult(_server.LogTail(5000).Contains(handedBack, StringComparison.Ordinal) ? "handed back" : null));
        await AssertNothingBrokenIsServedAsync(processing);
        await _store.StartProxyAsync();

        var ready = await _server.WaitUntilReadyAsync(processing.Id, seconds: 240);
        await Hls.AssertCompleteAsync(_server.Client, ready, 20);
        Assert.Equal(new[] { processing.Id }, (await _store.KeysAsync(Bucket, "videos/")).Select(k => k.Split('/')[1]).Distinct());
        // The failed upload's parts were aborted once S3 answered again.
        await Eventually.FoundAsync(async () => (await _store.UnfinishedUploadsAsync(Bucket)).Count == 0 ? "aborted" : null);
        Assert.Empty(await _store.KeysAsync(Bucket, "originals/"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_server.DataDir, "tmp")));

        // And uploads work again.
        var after = await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        await _server.WaitUntilReadyAsync(after.Id);
    }

    private static async Task AssertStorageUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("storage_unavailable", problem.RootElement.GetProperty("code").GetString());
        Assert.True(response.Headers.RetryAfter is not null, "a client is told when to try again");
    }

    /// <summary>Each file of the video is either served whole and valid, or refused with a 503: never cut short.</summary>
    private async Task AssertNothingBrokenIsServedAsync(VideoJson video)
    {
        var current = await _server.GetVideoAsync(video.Id);
        foreach (var url in new[] { current.StreamUrl!, current.ThumbnailUrl! })
        {
            using var response = await _server.Client.GetAsync(url);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.OK)
                Assert.Equal(response.Content.Headers.ContentLength, body.Length);
            else
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
    }

    /// <summary>A valid video of about 20 MiB (raw frames), so several 8 MiB parts go to S3 as it arrives.</summary>
    private static async Task<string> BigClipAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"reel-big-{Guid.NewGuid():N}.mkv");
        await Ffmpeg.RunAsync(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", path]);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return Clips.Write($"big-{Guid.NewGuid():N}.mkv", bytes);
    }

    /// <summary>A request body that sends its first bytes at once and the rest only after <paramref name="resume"/>.</summary>
    private sealed class PausingStream(byte[] bytes, int pauseAt, Task resume) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= pauseAt) await resume.WaitAsync(cancellationToken);
            var end = _position < pauseAt ? pauseAt : bytes.Length;
            var count = Math.Min(buffer.Length, end - _position);
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
