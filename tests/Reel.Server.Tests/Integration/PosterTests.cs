using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>A poster of the owner's choice: an uploaded image made into a JPEG, or a frame picked by its time; the generated one comes back.</summary>
public sealed class PosterTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly ReelServer _server = shared.Server;

    [Fact]
    public async Task An_uploaded_image_becomes_the_poster_as_a_jpeg_of_the_posters_size_and_deleting_it_brings_back_the_generated_one()
    {
        var video = await ReadyVideoAsync();
        var generated = await PosterBytesAsync(video);

        // A portrait PNG with bytes after its end (which decoders skip), for a landscape video: fitted into the poster's
        // 320x180, and nothing of the upload but its picture kept.
        var png = (await ImageAsync("png", "testsrc2=size=200x400:duration=1")).Concat(Encoding.ASCII.GetBytes("GPS 51.5N")).ToArray();
        var changed = await PutImageAsync(video.Id, png, "image/png");
        Assert.Matches("^/s/[^/]+/poster-[^/]+/poster.jpg$", changed.ThumbnailUrl);
        Assert.True(changed.CustomPoster);
        var poster = await PosterBytesAsync(changed);
        Assert.Equal((0xFF, 0xD8), (poster[0], poster[1]));
        Assert.NotEqual(generated, poster);
        var probe = await Hls.ProbeBytesAsync(poster);
        Assert.Equal((320, 180), (probe.Video!.Width, probe.Video.Height));
        Assert.DoesNotContain("GPS", Encoding.Latin1.GetString(poster), StringComparison.Ordinal);
        // The video's other clients see it too.
        Assert.Equal(poster, await PosterBytesAsync(await _server.GetVideoAsync(video.Id)));

        // A WebP replaces it; JPEGs are made again, not passed through.
        var webp = await ImageAsync("webp", "testsrc2=size=640x360:duration=1");
        var again = await PutImageAsync(video.Id, webp, "image/webp");
        // The replaced poster's file is gone (asked for with a token that is still good).
        var replacedFile = changed.ThumbnailUrl!.Split('/', 4)[3];
        Assert.NotEqual(replacedFile, again.ThumbnailUrl!.Split('/', 4)[3]);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"/s/{again.ThumbnailUrl.Split('/')[2]}/{replacedFile}")).StatusCode);

        using (var reset = await _server.Client.DeleteAsync($"/api/videos/{video.Id}/poster"))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            var back = (await reset.Content.ReadFromJsonAsync<VideoJson>(JsonSerializerOptions.Web))!;
            Assert.EndsWith("/thumbnail.jpg", back.ThumbnailUrl, StringComparison.Ordinal);
            Assert.False(back.CustomPoster);
            Assert.Equal(generated, await PosterBytesAsync(back));
        }
    }

    [Fact]
    public async Task A_frame_picked_by_its_time_becomes_the_poster()
    {
        var video = await ReadyVideoAsync();
        using var response = await _server.Client.PutAsJsonAsync($"/api/videos/{video.Id}/poster", new { atSeconds = 1.5 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changed = (await response.Content.ReadFromJsonAsync<VideoJson>(JsonSerializerOptions.Web))!;
        var poster = await PosterBytesAsync(changed);
        Assert.Equal((320, 180), (await Hls.ProbeBytesAsync(poster)).Video is { } v ? (v.Width, v.Height) : (0, 0));
        Assert.NotEqual(await PosterBytesAsync(video), poster);

        foreach (var at in new[] { -1.0, video.DurationSeconds, 3600 })
        {
            using var refused = await _server.Client.PutAsJsonAsync($"/api/videos/{video.Id}/poster", new { atSeconds = at });
            await ProblemJson.AssertAsync(refused, HttpStatusCode.BadRequest, "invalid_position");
        }
    }

    [Fact]
    public async Task Svg_text_and_other_files_are_refused_and_only_managers_choose()
    {
        var video = await ReadyVideoAsync();
        var svg = Encoding.UTF8.GetBytes("""<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>""");
        foreach (var (bytes, type) in new[] { (svg, "image/svg+xml"), (Encoding.UTF8.GetBytes("just text"), "image/png"), (await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny)), "image/jpeg") })
        {
            using var refused = await PutAsync(_server.Client, video.Id, bytes, type);
            await ProblemJson.AssertAsync(refused, HttpStatusCode.UnsupportedMediaType, "unsupported_media");
        }
        // Bytes that start like a PNG but are not one.
        using (var broken = await PutAsync(_server.Client, video.Id, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3], "image/png"))
            await ProblemJson.AssertAsync(broken, HttpStatusCode.UnsupportedMediaType, "unsupported_media");
        using (var huge = await PutAsync(_server.Client, video.Id, new byte[(10 << 20) + 1], "image/png"))
            await ProblemJson.AssertAsync(huge, HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        Assert.EndsWith("/thumbnail.jpg", (await _server.GetVideoAsync(video.Id)).ThumbnailUrl, StringComparison.Ordinal);

        var png = await ImageAsync("png", "testsrc2=size=64x64:duration=1");
        using var anonymous = _server.AnonymousClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(anonymous, video.Id, png, "image/png")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.DeleteAsync($"/api/videos/{video.Id}/poster")).StatusCode);
    }

    private async Task<VideoJson> ReadyVideoAsync() =>
        await _server.WaitUntilReadyAsync((await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);

    private async Task<VideoJson> PutImageAsync(string id, byte[] image, string type)
    {
        using var response = await PutAsync(_server.Client, id, image, type);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<VideoJson>(JsonSerializerOptions.Web))!;
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string id, byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return client.PutAsync($"/api/videos/{id}/poster", content);
    }

    private async Task<byte[]> PosterBytesAsync(VideoJson video) => await _server.Client.GetByteArrayAsync(video.ThumbnailUrl);

    /// <summary>One frame of <paramref name="source"/> as an image file of the given kind, made by ffmpeg.</summary>
    private static async Task<byte[]> ImageAsync(string extension, string source)
    {
        var path = Path.Combine(TempDirs.Create("reel-poster"), "image." + extension);
        try
        {
            await Ffmpeg.RunAsync(["-v", "error", "-f", "lavfi", "-i", source, "-frames:v", "1", path]);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            TempDirs.Delete(Path.GetDirectoryName(path)!);
        }
    }
}
