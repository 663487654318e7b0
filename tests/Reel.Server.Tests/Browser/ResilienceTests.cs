using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reel.Server.Tests.Support;
using Clip = Reel.Server.Tests.Support.Clip;

namespace Reel.Server.Tests.Browser;

/// <summary>The watch page when the way to Reel breaks while a video plays: a network cut by a proxy, and no network at all.</summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class ResilienceTests
{
    private const string Player = "video[data-testid=player]";

    /// <summary>Long enough to seek into and play on from there, small enough that its one rung encodes in a moment.</summary>
    private static readonly Clip Short180p = new("short-180p.mp4", "video/mp4", 320, 180, true, ["180p"],
    [
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=12",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=12", "-ac", "1",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac", "-b:a", "64k",
        "-movflags", "+faststart",
    ]);

    /// <summary>Where the viewer moves during the outage: the player has nothing of it.</summary>
    private const double SeekTarget = 6;

    [Fact]
    public async Task The_player_says_reel_is_unreachable_during_an_outage_and_plays_on_by_itself_when_it_is_back()
    {
        await using var server = await ReelServer.StartAsync();
        var video = await server.UploadAsync(await Clips.PathAsync(Short180p));
        await server.WaitUntilReadyAsync(video.Id);
        await using var proxy = new LoopbackProxy(server.Port);
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;

        // The network drops just as the player asks for its first segment (held here until the proxy is cut), so it
        // has nothing to play and needs Reel for every second of the video.
        var segmentAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(new Regex(@"\.ts(\?|$)"), async route =>
        {
            segmentAsked.TrySetResult();
            await cut.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync($"http://127.0.0.1:{proxy.Port}/watch/{video.Id}");
        await segmentAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        proxy.Cut();
        cut.SetResult();

        var outage = page.GetByTestId("outage");
        await Assertions.Expect(outage).ToContainTextAsync("Reel is unreachable");
        await Assertions.Expect(outage).ToContainTextAsync(new Regex(@"Retrying in \d+ s|Trying again"));
        await Assertions.Expect(outage.GetByRole(AriaRole.Button, new() { Name = "Try now" })).ToBeVisibleAsync();
        // No error screen; the controls are there, and the viewer moves on with the seek bar meanwhile.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Slider, new() { Name = "Seek" }).FillAsync(SeekTarget.ToString(CultureInfo.InvariantCulture));
        await Chromium.AssertAccessibleAsync(page, "the player while Reel is unreachable");
        await chromium.ScreenshotAsync("player-outage");

        // Without any network the blame moves to this side.
        await chromium.Context.SetOfflineAsync(true);
        await Assertions.Expect(outage).ToContainTextAsync("You are offline. Playback resumes when you are back online.");
        await chromium.Context.SetOfflineAsync(false);
        await Assertions.Expect(outage).ToContainTextAsync("Reel is unreachable");
        // Seconds after the last touch, with nothing to play, the controls are still in view.
        await page.Mouse.MoveAsync(0, 0);
        await Assertions.Expect(page.Locator(".player .controls")).Not.ToHaveClassAsync(new Regex(@"\bhidden\b"));

        // Reel is back: nobody clicks anything, and the video plays on from where the viewer moved.
        proxy.Restore();
        await page.WaitForFunctionAsync(
            """
            seconds => {
              const v = document.querySelector('video[data-testid=player]');
              if (v.error) throw new Error(`video error ${v.error.code}: ${v.error.message}`);
              return v.currentTime > seconds && !v.paused;
            }
            """,
            SeekTarget + 1, new() { Timeout = 30_000, PollingInterval = 100 });
        await Assertions.Expect(outage).ToHaveCountAsync(0);

        // The browser reports the refused loads of the outage; nothing else may go wrong.
        chromium.AssertNoPageErrors(error => error.Contains("net::ERR_", StringComparison.Ordinal));
    }
}
