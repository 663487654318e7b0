using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>Every bad upload gets its documented answer, leaves nothing behind, and harms no other video.</summary>
public sealed class BadUploadTests
{
    private const long TestLimit = 2 * 1024 * 1024;
    private static readonly Dictionary<string, string> SmallLimit = new() { ["Upload:MaxBytes"] = TestLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) };

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
        await using var server = await ReelServer.StartAsync(settings: SmallLimit);
        var good = await server.UploadAsync(await Clips.PathAsync(Clips.Silent));

        using var content = await BadContentAsync(kind);
        using var response = await server.Client.PostAsync("/api/videos", content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        Assert.DoesNotContain(server.DataDir, body, StringComparison.Ordinal);

        await AssertOnlyTheGoodVideoIsLeftAsync(server, good.Id);
    }

    [Fact]
    public async Task A_chunked_upload_of_exactly_the_size_limit_is_accepted()
    {
        var clip = await Clips.PathAsync(Clips.Silent);
        var size = new FileInfo(clip).Length;
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:MaxBytes"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture) });

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
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api" });

        using var anonymous = server.AnonymousClient();
        using (var register = await anonymous.PostAsync("/api/auth/register", new StringContent("{\"email\":\"a@reel.test\"}", Encoding.UTF8, "text/plain")))
            await AssertJsonTypeProblemAsync(register);
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.Silent));
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
        const int limit = 20 * 1024 * 1024;
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:MaxBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var good = await server.UploadAsync(await Clips.PathAsync(Clips.Silent));

        using var content = new StreamContent(new MemoryStream(new byte[limit + (4 * 1024 * 1024)]));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/videos") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertOnlyTheGoodVideoIsLeftAsync(server, good.Id);
    }

    [Theory]
    [InlineData("Processing:MaxWidth", "320")]
    [InlineData("Processing:MaxPixels", "100000")]
    [InlineData("Processing:MaxDurationSeconds", "2")]
    [InlineData("Processing:MaxStreams", "1")]
    public async Task A_video_beyond_the_configured_limits_is_refused_before_any_decoding(string setting, string value)
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { [setting] = value });
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Mov)));
        content.Headers.ContentType = new MediaTypeHeaderValue("video/quicktime");
        using var response = await server.Client.PostAsync("/api/videos", content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("media_limits_exceeded", problem.RootElement.GetProperty("code").GetString());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "tmp")));
    }

    [Fact]
    public async Task A_playlist_disguised_as_mp4_is_rejected_and_the_file_it_names_is_never_read()
    {
        await using var server = await ReelServer.StartAsync();
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
        await using var server = await ReelServer.StartAsync();
        var good = await server.UploadAsync(await Clips.PathAsync(Clips.Silent));
        var clip = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Mov));

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, server.Port);
            var stream = client.GetStream();
            var head = $"POST /api/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\nContent-Length: {clip.Length * 2}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(clip);
            await stream.FlushAsync();
            await Task.Delay(300);
        }

        await Task.Delay(500);
        await AssertOnlyTheGoodVideoIsLeftAsync(server, good.Id);
        await server.WaitUntilReadyAsync(good.Id);
    }

    private static async Task AssertOnlyTheGoodVideoIsLeftAsync(ReelServer server, string goodId)
    {
        var list = JsonDocument.Parse(await server.Client.GetStringAsync("/api/videos"));
        Assert.Equal(new[] { goodId }, list.RootElement.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetString()!).ToArray());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "tmp")));
        var stored = await StoredFiles.KeysAsync(server.DataDir, "originals/");
        Assert.All(stored, key => Assert.StartsWith($"originals/{goodId}/", key, StringComparison.Ordinal));
        if (ObjectStore.Selected)
            Assert.Empty(await (await ObjectStore.SharedAsync()).UnfinishedUploadsAsync(ObjectStore.BucketFor(server.DataDir)));
        using var response = await server.Client.GetAsync($"/api/videos/{goodId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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
                return Raw(Half(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.H264Aac720p))), "video/mp4");
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
                return Raw(await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent)), "text/plain");
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
