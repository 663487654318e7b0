using System.Text.Json;
using Microsoft.Playwright;
using Reel.Server.Tests.Support;
using Xunit.Abstractions;

namespace Reel.Server.Tests.Browser;

/// <summary>
/// What a viewer of a brand-new upload sees: how soon the picture starts after the upload's 201, and whether it ever
/// stops to wait for the encoder. Timing is what is tested, so this runs alone, after every parallel test.
/// </summary>
[Collection(Alone.Name)]
public sealed class PlaybackWhileProcessingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_viewer_who_opens_a_new_upload_at_once_watches_it_to_the_end_without_stalls_while_another_video_encodes()
    {
        await using var server = await ReelServer.StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        await chromium.Page.AddInitScriptAsync(PlaybackRecorder.Script);

        // Another video's ladder takes the encode lane first.
        var busy = await server.UploadAsync(await Clips.PathAsync(Clips.Long));
        await server.WaitForAsync(busy.Id, v => v.Renditions.Any(r => r.EncodedSeconds > 0), TimeSpan.FromSeconds(60));

        var source = await Clips.PathAsync(Clips.TenBit60);
        var created = await server.UploadAsync(source);
        var at201 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await chromium.Page.GotoAsync($"http://127.0.0.1:{server.Port}/watch/{created.Id}");

        // The viewer started while the other ladder held the encode lane: that is the case under test. (On a quiet
        // machine that ladder may finish before this video ends, so its state is read here, not at the end.)
        await chromium.Page.WaitForFunctionAsync("() => window.__playback && window.__playback.firstFrameAt !== null", null, new() { Timeout = 60_000, PollingInterval = 100 });
        Assert.NotEqual("ready", (await server.GetVideoAsync(busy.Id)).Status);
        await chromium.Page.WaitForFunctionAsync(PlaybackRecorder.Ended, null, new() { Timeout = 90_000, PollingInterval = 250 });
        var log = JsonDocument.Parse(await chromium.Page.EvaluateAsync<string>(PlaybackRecorder.Read)).RootElement;
        var firstFrame = (log.GetProperty("firstFrameAt").GetInt64() - at201) / 1000.0;
        var stalled = log.GetProperty("stalledMs").GetInt64() / 1000.0;

        output.WriteLine($"first frame {firstFrame:0.00} s after the 201, {stalled:0.00} s stalled in {log.GetProperty("stalls").GetInt32()} stalls");
        Assert.True(firstFrame <= 4, $"the first frame came {firstFrame:0.0} s after the 201");
        Assert.True(stalled <= 1, $"playback waited {stalled:0.0} s in {log.GetProperty("stalls").GetInt32()} stalls");

        await chromium.ScreenshotAsync("watch-while-processing");
        chromium.AssertNoPageErrors();
    }
}

/// <summary>Tests whose timing is what they test: xunit runs this collection by itself, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "Alone";
}
