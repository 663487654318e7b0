using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Browser;

/// <summary>
/// The player's controls as people expect them from other players (issue 18): a list of the keys, tooltips naming
/// them, a preview where a key seek lands, picture-in-picture, a bar that survives a high-contrast theme and taps on a
/// phone that show the controls instead of pausing.
/// </summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class PlayerControlsTests
{
    private const string Player = "video[data-testid=player]";
    private const string Controls = "[data-testid=player-controls]";

    [Fact]
    public async Task The_player_lists_its_shortcuts_on_question_mark_previews_key_seeks_names_keys_in_tooltips_keeps_its_bars_in_forced_colours_and_a_tap_on_a_phone_only_shows_the_controls()
    {
        await using var server = await ReelServer.StartAsync();
        var video = await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        var watch = $"http://127.0.0.1:{server.Port}/watch/{video.Id}";

        await using (var chromium = await Chromium.LaunchAsync())
        {
            var page = chromium.Page;
            await page.GotoAsync(watch);
            await PausedWhenLoadedAsync(page);
            var player = page.GetByRole(AriaRole.Region, new() { Name = "Video player" });
            var playerBox = await player.BoundingBoxAsync() ?? throw new InvalidOperationException("The player is not visible.");

            // A tooltip names the play button's key above the bar, inside the player; the button's name stays "Play".
            var play = page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true });
            await Assertions.Expect(play).ToHaveAttributeAsync("aria-keyshortcuts", "k Space");
            await play.HoverAsync();
            var tooltip = page.GetByTestId("player-tooltip");
            await Assertions.Expect(tooltip).ToHaveTextAsync("Play (k)");
            var tipBox = await tooltip.BoundingBoxAsync() ?? throw new InvalidOperationException("The tooltip is not visible.");
            Assert.InRange(tipBox.X, playerBox.X, playerBox.X + playerBox.Width - tipBox.Width);
            Assert.True(tipBox.Y + tipBox.Height <= (await play.BoundingBoxAsync())!.Y, "The tooltip covers the button.");

            // ? lists the keys in a modal dialog; Escape closes it and the focus is back on the button it left.
            await play.FocusAsync();
            await page.Keyboard.PressAsync("?");
            var help = page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });
            await Assertions.Expect(help).ToBeVisibleAsync();
            await Assertions.Expect(help.GetByRole(AriaRole.Row).Filter(new() { HasText = "Forward 10 seconds" })).ToContainTextAsync("l");
            await Chromium.AssertAccessibleAsync(page, "the player's keyboard shortcuts");
            await chromium.ScreenshotAsync("player-shortcuts");
            await page.Keyboard.PressAsync("Escape");
            await Assertions.Expect(help).ToBeHiddenAsync();
            await Assertions.Expect(play).ToBeFocusedAsync();

            // The same list by mouse, closed by its button.
            await page.GetByRole(AriaRole.Button, new() { Name = "Keyboard shortcuts" }).ClickAsync();
            await help.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
            await Assertions.Expect(help).ToBeHiddenAsync();

            // → previews the frame where it landed for a moment, as pointing at the seek bar does. The storyboard is
            // loaded once pointing shows it; the key's preview is watched for, as it goes again after a second.
            var seek = page.GetByRole(AriaRole.Slider, new() { Name = "Seek" });
            await seek.HoverAsync();
            var preview = page.GetByTestId("storyboard-preview");
            await Assertions.Expect(preview).ToBeVisibleAsync();
            await page.Mouse.MoveAsync(playerBox.X + playerBox.Width / 2, playerBox.Y + 10);
            await Assertions.Expect(preview).ToBeHiddenAsync();
            await page.EvaluateAsync("""
                () => {
                  window.previewSeen = false;
                  new MutationObserver(() => window.previewSeen ||= !!document.querySelector('[data-testid=storyboard-preview]'))
                    .observe(document.body, { childList: true, subtree: true });
                }
                """);
            await play.FocusAsync();
            await page.Keyboard.PressAsync("ArrowRight");
            await page.WaitForFunctionAsync("() => window.previewSeen", null, new() { Timeout = 10_000 });
            await Assertions.Expect(preview).ToBeHiddenAsync();

            // Picture-in-picture where the browser has it.
            if (await page.EvaluateAsync<bool>("() => document.pictureInPictureEnabled === true"))
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Picture in picture", Exact = true }).ClickAsync();
                await page.WaitForFunctionAsync("() => document.pictureInPictureElement?.matches('video[data-testid=player]') === true", null, new() { Timeout = 10_000 });
                await page.GetByRole(AriaRole.Button, new() { Name = "Exit picture in picture" }).ClickAsync();
                await page.WaitForFunctionAsync("() => document.pictureInPictureElement === null", null, new() { Timeout = 10_000 });
            }
            else
            {
                await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Picture in picture", Exact = true })).ToHaveCountAsync(0);
            }

            // A high-contrast theme: the bar is a solid block of the theme's background (a see-through one left the theme's
            // text over the dark picture), and the seek bar's played part and rail's edge stand out from it.
            await page.EmulateMediaAsync(new() { ForcedColors = ForcedColors.Active });
            var colours = await page.EvalOnSelectorAsync<string[]>(Controls, """
                controls => {
                  const rail = getComputedStyle(controls.querySelector('.rail'));
                  const bar = getComputedStyle(controls).backgroundColor;
                  return [bar, getComputedStyle(controls.querySelector('.played')).backgroundColor, rail.outlineStyle, rail.outlineColor];
                }
                """);
            Assert.DoesNotMatch(@"^(transparent|rgba\(.*, 0\))$", colours[0]);
            Assert.NotEqual(colours[0], colours[1]);
            Assert.NotEqual("none", colours[2]);
            Assert.NotEqual(colours[0], colours[3]);
            Assert.True((await seek.BoundingBoxAsync())?.Width > 0, "The seek bar has no size.");
            Assert.True((await page.Locator(Controls).BoundingBoxAsync())?.Height > 0, "The control bar has no size.");
            await Chromium.AssertAccessibleAsync(player, "the player in forced-colours mode");
            chromium.AssertNoPageErrors();
        }

        // A phone: a tap on the picture puts the controls away and the next brings them back; neither pauses nor plays.
        await using (var phone = await Chromium.LaunchAsync(390, 844, touch: true))
        {
            var page = phone.Page;
            await page.GotoAsync(watch);
            await PausedWhenLoadedAsync(page);
            var controls = page.Locator(Controls);
            await Assertions.Expect(controls).Not.ToHaveClassAsync(new Regex(@"\bhidden\b"));
            await page.Locator(Player).TapAsync();
            await Assertions.Expect(controls).ToHaveClassAsync(new Regex(@"\bhidden\b"));
            await page.Locator(Player).TapAsync();
            await Assertions.Expect(controls).Not.ToHaveClassAsync(new Regex(@"\bhidden\b"));
            Assert.True(await page.EvalOnSelectorAsync<bool>(Player, "v => v.paused"), "A tap played the video.");
            phone.AssertNoPageErrors();
        }
    }

    /// <summary>Waits until the clip can play, then holds it at the start: the controls stay up while it is paused.</summary>
    private static async Task PausedWhenLoadedAsync(IPage page)
    {
        await page.WaitForFunctionAsync($"() => document.querySelector('{Player}')?.readyState >= 2", null, new() { Timeout = 60_000, PollingInterval = 100 });
        await page.EvalOnSelectorAsync(Player, "v => { v.pause(); v.currentTime = 0; }");
        await page.WaitForFunctionAsync($"() => document.querySelector('{Player}').paused", null, new() { Timeout = 10_000 });
    }
}
