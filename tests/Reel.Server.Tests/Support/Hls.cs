using Reel.Media;

namespace Reel.Server.Tests.Support;

internal sealed record Variant(string Uri, int Width, int Height, string Line);

/// <summary>Reads what a player would read, over HTTP, and checks it with ffprobe.</summary>
internal static class Hls
{
    public static IReadOnlyList<Variant> ParseMaster(string text)
    {
        Assert.StartsWith("#EXTM3U", text, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var variants = new List<Variant>();
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (!lines[i].StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)) continue;
            var resolution = lines[i].Split(',').Single(p => p.StartsWith("RESOLUTION=", StringComparison.Ordinal))["RESOLUTION=".Length..].Split('x');
            variants.Add(new Variant(lines[i + 1], int.Parse(resolution[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(resolution[1], System.Globalization.CultureInfo.InvariantCulture), lines[i]));
        }
        return variants;
    }

    /// <summary>The URL of <paramref name="relative"/> resolved against <paramref name="baseUrl"/> the way a player resolves it.</summary>
    public static string Resolve(string baseUrl, string relative) =>
        new Uri(new Uri("http://x" + baseUrl), relative).AbsolutePath;

    /// <summary>
    /// A ready video is whole: the master lists every rendition; each media playlist is ended, as long as the video,
    /// and every segment it names is there; the last segment of each decodes at the rendition's size.
    /// </summary>
    public static async Task AssertCompleteAsync(HttpClient client, VideoJson ready, double durationSeconds)
    {
        Assert.Equal("ready", ready.Status);
        var master = ParseMaster(await GetTextAsync(client, ready.StreamUrl!));
        Assert.Equal(ready.Renditions.Count, master.Count);
        foreach (var variant in master)
        {
            var url = Resolve(ready.StreamUrl!, variant.Uri);
            var playlist = HlsPlaylists.ParseMedia(await GetTextAsync(client, url));
            Assert.True(playlist.Ended);
            Assert.InRange(playlist.DurationSeconds, durationSeconds - 0.5, durationSeconds + 0.5);
            foreach (var segment in playlist.Segments)
            {
                using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Resolve(url, segment.Uri)));
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            }
            // MPEG-TS segments, each of which decodes on its own.
            Assert.Null(playlist.InitUri);
            var last = await ProbeBytesAsync(await GetBytesAsync(client, Resolve(url, playlist.Segments[^1].Uri)));
            Assert.Equal((variant.Width, variant.Height), (last.Video!.Width, last.Video.Height));
        }
    }

    public static async Task<string> GetTextAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    public static async Task<byte[]> GetBytesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>ffprobe of a file assembled from bytes (a media segment, a JPEG, an MP4).</summary>
    public static async Task<MediaProbe> ProbeBytesAsync(params byte[][] parts)
    {
        var path = Path.Combine(Path.GetTempPath(), $"reel-probe-{Guid.NewGuid():N}.bin");
        try
        {
            await using (var file = File.Create(path))
            {
                foreach (var part in parts) await file.WriteAsync(part);
            }
            return FfprobeParser.Parse(await Ffmpeg.ProbeJsonAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
