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

    /// <summary>ffprobe of a file assembled from bytes (an init segment plus a media segment, a JPEG, an MP4).</summary>
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
