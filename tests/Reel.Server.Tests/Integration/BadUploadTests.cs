using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// The server the bad uploads are sent to: a small size limit and a width limit to pass, and no worker, since a refusal
/// is decided before any job exists and the good videos beside them need not be encoded to be harmed or not.
/// </summary>
public sealed class BadUploadServer : SharedServer
{
    internal const long TestLimit = 2 * 1024 * 1024;

    /// <summary>Wider than <see cref="Clips.Tiny"/>, narrower than every other clip.</summary>
    internal const int MaxWidth = 320;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Roles"] = "api,stream",
        ["Upload:MaxBytes"] = TestLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Processing:MaxWidth"] = MaxWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Every bad upload gets its documented answer, leaves nothing behind, and harms no other video.</summary>
public sealed class BadUploadTests(BadUploadServer shared) : IClassFixture<BadUploadServer>
{
    private const long TestLimit = BadUploadServer.TestLimit;

    public static TheoryData<string, int, string> Cases => new()
    {
        { "empty body", 400, "empty_upload" },
        { "random bytes", 415, "unsupported_media" },
        { "text named .mp4", 415, "unsupported_media" },
        { "truncated mp4 with its index at the end", 415, "unsupported_media" },
        { "truncated mp4 with its index at the front", 415, "unsupported_media" },
        { "png named .mov", 422, "no_video_stream" },
        { "audio only m4a", 422, "no_video_stream" },
        { "two seconds of frames whose timestamps claim six hours", 422, "implausible_timestamps" },
        { "over the limit with an honest Content-Length", 413, "file_too_large" },
        { "over the limit, chunked, discovered mid-stream", 413, "file_too_large" },
        { "wrong content type", 415, "unsupported_content_type" },
        { "multipart without a file part", 400, "missing_file" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_upload_gets_its_documented_answer_and_leaves_nothing_behind(string kind, int status, string code)
    {
        var server = shared.Server;
        await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        var before = await VideoIdsAsync(server);

        using var content = await BadContentAsync(kind);
        // Asking before sending, as curl does for a large body: a server that refuses by the headers alone answers
        // and closes, and a client still writing the body would see a broken pipe instead of the answer.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = server.Client.BaseAddress,
            DefaultRequestHeaders = { Authorization = server.Client.DefaultRequestHeaders.Authorization, ExpectContinue = true },
        };
        using var response = await client.PostAsync("/api/videos", content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        Assert.DoesNotContain(server.DataDir, body, StringComparison.Ordinal);

        await AssertOnlyTheGoodVideosAreLeftAsync(server, before);
    }

    [Fact]
    public async Task A_chunked_upload_of_exactly_the_size_limit_is_accepted()
    {
        var server = shared.Server;
        // A real clip made exactly as large as the limit by a trailing MP4 'free' box, which players skip.
        var tiny = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny));
        var padded = new byte[TestLimit];
        tiny.CopyTo(padded, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(padded.AsSpan(tiny.Length), (uint)(TestLimit - tiny.Length));
        "free"u8.CopyTo(padded.AsSpan(tiny.Length + 4));
        var clip = Clips.Write("exactly-the-limit.mp4", padded);
        var size = new FileInfo(clip).Length;
        Assert.Equal(TestLimit, size);

        // Without Content-Length, in chunks: the chunks' framing is not the file's bytes and does not count.
        using var file = new StreamContent(File.OpenRead(clip));
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var response = await server.Client.PostAsync("/api/videos", new ChunkedContent(file));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        using var video = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(size, video.RootElement.GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task A_JSON_endpoint_sent_another_content_type_says_what_it_takes_and_only_uploads_talk_of_files()
    {
        var server = shared.Server;

        using var anonymous = server.AnonymousClient();
        using (var register = await anonymous.PostAsync("/api/auth/register", new StringContent("{\"email\":\"a@reel.test\"}", Encoding.UTF8, "text/plain")))
            await AssertJsonTypeProblemAsync(register);
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        using (var rename = await server.Client.PatchAsync($"/api/videos/{video.Id}", new StringContent("{\"title\":\"x\"}", Encoding.UTF8, "text/plain")))
            await AssertJsonTypeProblemAsync(rename);

        using var upload = await server.Client.PostAsync("/api/videos", new StringContent("not a video", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, upload.StatusCode);
        using var uploadProblem = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        Assert.Contains("multipart/form-data", uploadProblem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        static async Task AssertJsonTypeProblemAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unsupported_content_type", problem.RootElement.GetProperty("code").GetString());
            var detail = problem.RootElement.GetProperty("detail").GetString()!;
            Assert.Contains("Content-Type", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("multipart", detail, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("video", detail, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task An_upload_refused_after_several_storage_parts_were_sent_leaves_no_part_behind()
    {
        // Past two 8 MiB parts: on S3 those were already sent as parts of a multipart upload, which must be aborted.
        // This is about S3, so it runs there (and on PostgreSQL), whatever the rest of the suite runs on.
        const int limit = 20 * 1024 * 1024;
        await using var server = await ReelServer.StartAsync(backend: Backend.PostgresS3, settings: new Dictionary<string, string>
        {
            ["Roles"] = "api,stream",
            ["Upload:MaxBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.True(server.OnObjectStore);
        await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        var before = await VideoIdsAsync(server);

        using var content = new StreamContent(new MemoryStream(new byte[limit + (4 * 1024 * 1024)]));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/videos") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertOnlyTheGoodVideosAreLeftAsync(server, before);
    }

    [Fact]
    public async Task A_video_beyond_the_configured_limits_is_refused_before_any_decoding()
    {
        // The server's width limit is 320 (each limit setting is bound and applied in Unit/MediaLimitSettingsTests).
        var server = shared.Server;
        var before = await VideoIdsAsync(server);
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Mov)));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/quicktime");
        using var response = await server.Client.PostAsync("/api/videos", content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("media_limits_exceeded", problem.RootElement.GetProperty("code").GetString());
        Assert.Contains($"{BadUploadServer.MaxWidth}x", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertOnlyTheGoodVideosAreLeftAsync(server, before);
    }

    [Fact]
    public async Task A_playlist_disguised_as_mp4_is_rejected_and_the_file_it_names_is_never_read()
    {
        var server = shared.Server;
        var secret = Clips.Write("secret.txt", Encoding.UTF8.GetBytes("canary " + Guid.NewGuid()));
        var longAgo = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastAccessTimeUtc(secret, longAgo);
        var playlist = $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile://{secret}\n#EXTINF:10.0,\n{secret}\n#EXT-X-ENDLIST\n";
        var disguised = Clips.Write("holiday.mp4", Encoding.UTF8.GetBytes(playlist));

        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(disguised));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var response = await server.Client.PostAsync("/api/videos?title=holiday.mp4", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(longAgo, File.GetLastAccessTimeUtc(secret));
        // The check above can only fail if this file system records reads: prove that it does.
        _ = await File.ReadAllBytesAsync(secret);
        Assert.NotEqual(longAgo, File.GetLastAccessTimeUtc(secret));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "tmp")));
    }

    [Fact]
    public async Task An_upload_whose_body_ends_before_its_Content_Length_is_dropped_and_the_server_carries_on()
    {
        var server = shared.Server;
        var good = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        var before = await VideoIdsAsync(server);
        var clip = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Mov));
        var tmp = Path.Combine(server.DataDir, "tmp");

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, server.Port);
            var stream = client.GetStream();
            var head = $"POST /api/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\nContent-Length: {clip.Length * 2}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(clip);
            await stream.FlushAsync();
            // Hang up only once the server is receiving the body: its local copy exists.
            await Eventually.FoundAsync(() => Task.FromResult<string?>(Directory.GetFileSystemEntries(tmp).Length > 0 ? "receiving" : null));
        }

        // The broken upload's copy and parts are dropped as the server notices the hang-up.
        await Eventually.FoundAsync(() => Task.FromResult<string?>(Directory.GetFileSystemEntries(tmp).Length == 0 ? "dropped" : null));
        await AssertOnlyTheGoodVideosAreLeftAsync(server, before);
        // It carries on: the video before is whole, and the next upload is taken.
        Assert.Equal(good.SizeBytes, (await server.GetVideoAsync(good.Id)).SizeBytes);
        var next = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        Assert.Equal(good.SizeBytes, next.SizeBytes);
    }

    /// <summary>Every video of the server (the client is its admin), through every page.</summary>
    private static async Task<List<string>> VideoIdsAsync(ReelServer server)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            using var page = JsonDocument.Parse(await server.Client.GetStringAsync("/api/videos?all=true" + (cursor is null ? "" : $"&cursor={cursor}")));
            ids.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetString()!));
            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>The videos there were before the bad upload are all there is: no row, local copy, stored file or S3 part of it.</summary>
    private static async Task AssertOnlyTheGoodVideosAreLeftAsync(ReelServer server, IReadOnlyList<string> before)
    {
        Assert.Equal(before.Order(), (await VideoIdsAsync(server)).Order());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "tmp")));
        var stored = server.OnObjectStore
            ? await (await ObjectStore.SharedAsync()).KeysAsync(ObjectStore.BucketFor(server.DataDir), "originals/")
            : await StoredFiles.KeysAsync(server.DataDir, "originals/");
        Assert.All(stored, key => Assert.Contains(key.Split('/')[1], before));
        if (server.OnObjectStore)
            Assert.Empty(await (await ObjectStore.SharedAsync()).UnfinishedUploadsAsync(ObjectStore.BucketFor(server.DataDir)));
        foreach (var id in before)
        {
            using var response = await server.Client.GetAsync($"/api/videos/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static async Task<HttpContent> BadContentAsync(string kind)
    {
        switch (kind)
        {
            case "empty body":
                return Raw([], "video/mp4");
            case "random bytes":
                var random = new byte[100_000];
                new Random(7).NextBytes(random);
                return Raw(random, "application/octet-stream");
            case "text named .mp4":
                return Multipart(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("This is not a video. ", 500))), "notes.mp4");
            case "truncated mp4 with its index at the end":
                return Raw(Half(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.H264MoovAtEnd))), "video/mp4");
            case "truncated mp4 with its index at the front":
                // Tiny is within the server's width limit: the truncation, not the size, is what is refused.
                return Raw(Half(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny))), "video/mp4");
            case "png named .mov":
                var png = Clips.Write("still.png", []);
                await Ffmpeg.RunAsync(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-f", "image2", "-c:v", "png", png]);
                return Multipart(await File.ReadAllBytesAsync(png), "still.mov");
            case "audio only m4a":
                var m4a = Clips.Write("song.m4a", []);
                await Ffmpeg.RunAsync(["-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", "-f", "mp4", m4a]);
                return Multipart(await File.ReadAllBytesAsync(m4a), "song.mp4");
            case "two seconds of frames whose timestamps claim six hours":
                var gap = Clips.Write("gap.mkv", []);
                await Ffmpeg.RunAsync(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-frames:v", "50",
                    "-vf", "setpts='PTS+gte(N,25)*21500/TB'", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-f", "matroska", gap]);
                return Raw(await File.ReadAllBytesAsync(gap), "video/x-matroska");
            case "over the limit with an honest Content-Length":
                return Raw(new byte[TestLimit + 1], "video/mp4");
            case "over the limit, chunked, discovered mid-stream":
                var chunked = new StreamContent(new MemoryStream(new byte[TestLimit + 100_000]));
                chunked.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
                chunked.Headers.ContentLength = null;
                return new ChunkedContent(chunked);
            case "wrong content type":
                return Raw(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny)), "text/plain");
            case "multipart without a file part":
                return new MultipartFormDataContent { { new StringContent("just a title"), "title" } };
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static byte[] Half(byte[] bytes) => bytes[..(bytes.Length / 2)];

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private static MultipartFormDataContent Multipart(byte[] bytes, string fileName)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>Sends its inner content without a Content-Length, so the size is only known as bytes arrive.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent inner;

        public ChunkedContent(HttpContent inner)
        {
            this.inner = inner;
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
