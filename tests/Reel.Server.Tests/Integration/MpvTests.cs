using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>mpv is a demanding HTTP client: it needs Range to open and seek, and plays HLS as it grows.</summary>
public sealed class MpvTests
{
    [Fact]
    public async Task Mpv_plays_the_stream_while_it_encodes_and_seeks_the_download_without_fetching_it_all()
    {
        await using var server = await ReelServer.StartAsync();
        // 40 s to seek in, but 360p: the ladder mpv waits for is one rung.
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.LongSmallPicture));
        video = await server.WaitForAsync(video.Id, v => v.Playable, TimeSpan.FromSeconds(30));

        var streamUrl = $"http://127.0.0.1:{server.Port}{video.StreamUrl}";
        var (code, output) = await Mpv.RunAsync("--length=2", streamUrl);
        Assert.True(code == 0, $"mpv could not play {streamUrl}:\n{output}");

        var ready = await server.WaitUntilReadyAsync(video.Id, seconds: 120);
        var fileLength = (await Hls.GetBytesAsync(server.Client, ready.DownloadUrl!)).LongLength;
        await using var proxy = new LoopbackProxy(server.Port);
        (code, output) = await Mpv.RunAsync("--start=30", "--length=2", $"http://127.0.0.1:{proxy.Port}{ready.DownloadUrl}");
        Assert.True(code == 0, $"mpv could not seek the download:\n{output}");
        Assert.Contains("AV: 00:00:3", output, StringComparison.Ordinal);
        Assert.InRange(proxy.BytesFromServer, 1, fileLength * 6 / 10);

        // Seeking the stream too: libavformat before 8.0 could not seek the fMP4 segments Reel used to serve.
        (code, output) = await Mpv.RunAsync("--start=30", "--length=2", $"http://127.0.0.1:{server.Port}{ready.StreamUrl}");
        Assert.True(code == 0, $"mpv could not seek the finished stream:\n{output}");
        Assert.Contains("AV: 00:00:3", output, StringComparison.Ordinal);
    }
}
