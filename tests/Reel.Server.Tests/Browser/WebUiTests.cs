using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Browser;

/// <summary>The web UI in Debian's Chromium against the real server, as a person uses it.</summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class WebUiTests
{
    private const string Player = "video[data-testid=player]";

    // Fails the wait at once when the element reports a media error, instead of timing out later.
    private const string PlayedPast = """
        seconds => {
          const v = document.querySelector('video[data-testid=player]');
          if (!v) return false;
          if (v.error) throw new Error(`video error ${v.error.code}: ${v.error.message}`);
          return v.currentTime > seconds;
        }
        """;

    private static readonly PageWaitForFunctionOptions Patiently = new() { Timeout = 60_000, PollingInterval = 100 };

    [Fact]
    public async Task A_clip_uploaded_through_the_page_lands_on_its_watch_page_plays_switches_quality_and_seeks()
    {
        await using var server = await ReelServer.StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        var clip = await Clips.PathAsync(Clips.Browsable);

        await page.GotoAsync(Url(server, "/"));
        // Slow enough that the progress bar is seen moving; the upload still takes only seconds.
        await chromium.ThrottleUploadsAsync(new FileInfo(clip).Length / 4.0);
        await page.SetInputFilesAsync("input[type=file]", clip);
        var item = page.GetByTestId("upload-item");
        await Assertions.Expect(item.GetByTestId("upload-status")).ToContainTextAsync(new Regex(@"\d+ ?%"));
        await chromium.ScreenshotAsync("upload-progress");
        await Chromium.AssertAccessibleAsync(page, "the library while a file uploads");

        await page.WaitForURLAsync(new Regex("/watch/[A-Za-z0-9_-]{22}$"), new() { Timeout = 60_000 });
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await page.WaitForFunctionAsync(PlayedPast, 2.0, Patiently);
        await Chromium.AssertAccessibleAsync(page, "the watch page of a video still processing");
        await Assertions.Expect(page).ToHaveTitleAsync(new Regex("browsable-480p"));

        // Keyboard: → skips 5 s ahead.
        var before = await CurrentTimeAsync(page);
        await page.Locator("body").PressAsync("ArrowRight");
        await page.WaitForFunctionAsync(PlayedPast, before + 4.5, Patiently);

        // Space pauses, so the clip does not play to its end while the ladder finishes.
        await page.Locator("body").PressAsync("Space");
        await page.WaitForFunctionAsync($"() => document.querySelector('{Player}').paused", null, Patiently);
        await server.WaitUntilReadyAsync(id);

        // The storyboard: pointing at the middle of the seek bar previews a sprite of that moment.
        var seek = page.GetByRole(AriaRole.Slider, new() { Name = "Seek" });
        var box = await seek.BoundingBoxAsync() ?? throw new InvalidOperationException("The seek bar is not visible.");
        await seek.HoverAsync(new() { Position = new Position { X = box.Width * 0.5f, Y = box.Height / 2 } });
        var preview = page.GetByTestId("storyboard-preview");
        await Assertions.Expect(preview).ToBeVisibleAsync();
        Assert.Contains("/storyboard/", await preview.EvaluateAsync<string>("e => getComputedStyle(e).backgroundImage"), StringComparison.Ordinal);
        await chromium.ScreenshotAsync("watch");
        await Chromium.AssertAccessibleAsync(page, "the watch page of a ready video");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Quality") }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitemradio, new() { NameRegex = new Regex("^360p") }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).First.ClickAsync();
        await page.WaitForFunctionAsync($"() => document.querySelector('{Player}').videoHeight === 360", null, Patiently);
        var switchedAt = await CurrentTimeAsync(page);
        await page.WaitForFunctionAsync(PlayedPast, switchedAt + 1, Patiently);

        await seek.ClickAsync(new() { Position = new Position { X = box.Width * 0.8f, Y = box.Height / 2 } });
        var duration = await page.EvalOnSelectorAsync<double>(Player, "v => v.duration");
        var landed = await CurrentTimeAsync(page);
        Assert.InRange(landed, duration * 0.7, duration * 0.9);
        await page.WaitForFunctionAsync(PlayedPast, landed + 1, Patiently);
        chromium.AssertNoPageErrors();
    }

    [Fact]
    public async Task An_upload_cut_off_by_a_page_reload_resumes_where_it_stopped_when_the_same_file_is_chosen_again()
    {
        await using var server = await ReelServer.StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        var clip = await Clips.PathAsync(Clips.Bulky);
        var length = new FileInfo(clip).Length;

        await page.GotoAsync(Url(server, "/"));
        await chromium.ThrottleUploadsAsync(length / 10.0);
        await page.SetInputFilesAsync("input[type=file]", clip);
        await Assertions.Expect(page.GetByTestId("upload-item").GetByTestId("upload-status")).ToContainTextAsync(new Regex(@"\b[3-9]\d ?%"), new() { Timeout = 30_000 });
        await page.ReloadAsync();

        // The server kept what arrived before the page went away.
        var interrupted = await Eventually.FoundAsync(async () => (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true"))!.Items
            .SingleOrDefault(v => v.Status == "uploading" && v.UploadedBytes > length / 4));
        await chromium.ThrottleUploadsAsync(-1);
        await page.SetInputFilesAsync("input[type=file]", clip);

        await page.WaitForURLAsync(new Regex($"/watch/{interrupted.Id}$"), new() { Timeout = 60_000 });
        await page.WaitForFunctionAsync(PlayedPast, 1.0, Patiently);
        var all = (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true"))!.Items;
        Assert.Equal([interrupted.Id], all.Select(v => v.Id));
        chromium.AssertNoPageErrors();
    }

    [Fact]
    public async Task Files_that_are_not_videos_get_a_clear_error_and_nothing_is_kept()
    {
        await using var server = await ReelServer.StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        await page.GotoAsync(Url(server, "/"));

        // Refused by the page from its first bytes, before a byte is sent, with what it is.
        await page.SetInputFilesAsync("input[type=file]", Clips.Write("notes.pdf", "%PDF-1.4\nshopping list\n"u8.ToArray()));
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "notes.pdf" }))
            .ToContainTextAsync("notes.pdf is a PDF document, not a video.");

        // Named like a video, so only the server can tell: its problem+json reaches the person.
        await page.SetInputFilesAsync("input[type=file]", Clips.Write("holiday.mp4", "not a video at all\n"u8.ToArray()));
        await Assertions.Expect(page.GetByTestId("upload-item").Filter(new() { HasText = "holiday" }).GetByRole(AriaRole.Alert))
            .ToContainTextAsync("The file is not a video Reel reads", new() { Timeout = 30_000 });
        await Chromium.AssertAccessibleAsync(page, "the empty library with refused uploads");

        var list = await server.Client.GetStringAsync("/api/videos");
        Assert.Contains("\"items\":[]", list, StringComparison.Ordinal);
        chromium.AssertNoPageErrors(e => e.Contains("415", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_library_shows_new_videos_with_their_thumbnails_newest_first()
    {
        await using var server = await ReelServer.StartAsync();
        var older = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: "Older clip");
        var newer = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: "Newer clip");
        await server.WaitUntilReadyAsync(older.Id);
        await server.WaitUntilReadyAsync(newer.Id);
        // The library lists public videos (and the viewer's own); uploads start unlisted.
        foreach (var id in new[] { older.Id, newer.Id })
            (await server.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "public" })).EnsureSuccessStatusCode();

        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        await page.GotoAsync(Url(server, "/"));
        var cards = page.GetByTestId("video-card");
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        await Assertions.Expect(cards.First).ToContainTextAsync("Newer clip");
        await Assertions.Expect(cards.Nth(1)).ToContainTextAsync("Older clip");
        await Assertions.Expect(cards.First.GetByTestId("status-badge")).ToContainTextAsync("Ready");

        // The card's link is named by its title once: the thumbnail is decoration (alt="").
        var thumbnail = cards.First.Locator("img");
        await Assertions.Expect(thumbnail).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await thumbnail.ElementHandleAsync(), Patiently);
        await chromium.ScreenshotAsync("library");
        await Chromium.AssertAccessibleAsync(page, "the library with videos");

        await cards.Nth(1).ClickAsync();
        await page.WaitForURLAsync($"**/watch/{older.Id}");
        await page.WaitForFunctionAsync(PlayedPast, 1.0, Patiently);

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(Url(server, "/"));
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        await chromium.ScreenshotAsync("library-phone");
        chromium.AssertNoPageErrors();
    }

    [Fact]
    public async Task An_unknown_video_gets_a_page_that_says_so()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream" });
        await using var chromium = await Chromium.LaunchAsync();
        await chromium.Page.GotoAsync(Url(server, "/watch/AAAAAAAAAAAAAAAAAAAAAA"));
        await Assertions.Expect(chromium.Page.GetByRole(AriaRole.Heading, new() { Level = 1 }))
            .ToContainTextAsync(new Regex("not exist|not found|deleted", RegexOptions.IgnoreCase));
        await Chromium.AssertAccessibleAsync(chromium.Page, "the page of an unknown video");
        Assert.Equal(0, await chromium.Page.Locator(Player).CountAsync());
        chromium.AssertNoPageErrors(e => e.Contains("404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signed_in_viewer_who_leaves_mid_clip_comes_back_a_few_seconds_before_where_they_stopped()
    {
        await using var server = await ReelServer.StartAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;

        await page.GotoAsync(Url(server, "/signin"));
        await page.GetByLabel("Email").FillAsync(ReelServer.AdminEmail);
        await page.GetByLabel("Password").FillAsync(ReelServer.Password);
        await Chromium.AssertAccessibleAsync(page, "the sign-in page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(Url(server, "/"));

        await page.SetInputFilesAsync("input[type=file]", await Clips.PathAsync(Clips.Browsable));
        await page.WaitForURLAsync(new Regex("/watch/[A-Za-z0-9_-]{22}$"), new() { Timeout = 60_000 });
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await page.WaitForFunctionAsync(PlayedPast, 1.0, Patiently);
        await page.Locator("body").PressAsync("ArrowRight");
        await page.Locator("body").PressAsync("ArrowRight");
        await page.WaitForFunctionAsync(PlayedPast, 11.0, Patiently);
        // Paused first, so the place the page saves as it leaves is the one read here, however slow the machine.
        var leftAt = await page.EvalOnSelectorAsync<double>(Player, "v => { v.pause(); return v.currentTime; }");
        await page.GotoAsync(Url(server, "/"));

        // The server kept the place for this account (the page saved it as it left).
        var resumeAt = (await server.WaitForAsync(id, v => v.ResumeAtSeconds is not null, TimeSpan.FromSeconds(10))).ResumeAtSeconds!.Value;
        Assert.InRange(resumeAt, leftAt - 5.5, leftAt - 4);

        await page.GotoAsync(Url(server, $"/watch/{id}"));
        var notice = page.GetByTestId("resume-notice");
        await Assertions.Expect(notice).ToBeVisibleAsync();
        await Assertions.Expect(notice).ToContainTextAsync($"0:{(int)resumeAt:00}");
        await page.WaitForFunctionAsync(PlayedPast, resumeAt + 0.5, Patiently);
        Assert.True(await CurrentTimeAsync(page) < leftAt + 3, "The player did not start at the resume point.");
        await chromium.ScreenshotAsync("watch-resumed");

        await notice.GetByRole(AriaRole.Button, new() { Name = "Start over" }).ClickAsync();
        await page.WaitForFunctionAsync($"() => document.querySelector('{Player}').currentTime < 3", null, Patiently);
        await Assertions.Expect(notice).ToBeHiddenAsync();
        chromium.AssertNoPageErrors();
    }

    [Fact]
    public async Task Every_page_passes_the_accessibility_check_on_a_phone_in_both_themes_and_a_deleted_card_hands_focus_to_the_next()
    {
        // No processing: every card is a queued video or an upload left half done, which is all these pages need.
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream" });
        var clip = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny));
        var shared = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: "Listed for the admin");
        await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: "Delete me");
        var interrupted = await StartUploadAsync(server, clip, "Half uploaded", sent: (clip.Length * 37 + 99) / 100);
        using var shareResponse = await server.Client.PostAsJsonAsync($"/api/videos/{shared.Id}/shares", new { password = "open sesame" });
        shareResponse.EnsureSuccessStatusCode();
        var sharePath = (await shareResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;

        await using var chromium = await Chromium.LaunchAsync(1440, 900);
        var page = chromium.Page;
        var cards = page.GetByTestId("video-card");
        var halfUploaded = cards.Filter(new() { HasText = "Half uploaded" });

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(Url(server, "/register"));
        await Assertions.Expect(page.GetByLabel("Email")).ToBeVisibleAsync();
        await AssertAccessibleInEveryThemeAsync(page, "the register page");
        await page.GotoAsync(Url(server, "/signin"));
        await page.GetByLabel("Email").FillAsync(ReelServer.AdminEmail);
        await page.GetByLabel("Password").FillAsync(ReelServer.Password);
        await AssertAccessibleInEveryThemeAsync(page, "the sign-in page", darkToo: false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(Url(server, "/"));

        // The library on a phone, signed in: the account button keeps its name when only the initial shows.
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("header button[aria-expanded]")).ToHaveAccessibleNameAsync(new Regex(@"\S"));
        await Assertions.Expect(halfUploaded).ToContainTextAsync("Upload interrupted at 37 % — choose the file again to resume");
        await Assertions.Expect(halfUploaded).Not.ToContainTextAsync("Queued");
        await AssertAccessibleInEveryThemeAsync(page, "the library with an interrupted upload", forcedColoursToo: true);

        await page.GotoAsync(Url(server, $"/watch/{interrupted}"));
        await Assertions.Expect(page.GetByTestId("status-note")).ToContainTextAsync("Upload interrupted at 37 % — choose the file again to resume");
        await Assertions.Expect(page.GetByTestId("processing")).ToContainTextAsync("Upload interrupted at 37 %");
        await AssertAccessibleInEveryThemeAsync(page, "the watch page of an interrupted upload");

        await page.GotoAsync(Url(server, $"/watch/{shared.Id}"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Manage this video" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("share-list")).ToBeVisibleAsync();
        await AssertAccessibleInEveryThemeAsync(page, "the watch page of a queued video, for its manager", darkToo: false, forcedColoursToo: true);

        await page.GotoAsync(Url(server, "/my"));
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        await AssertAccessibleInEveryThemeAsync(page, "my videos");

        await page.GotoAsync(Url(server, "/admin"));
        await Assertions.Expect(page.GetByTestId("admin-video-row")).ToHaveCountAsync(3);
        await AssertAccessibleInEveryThemeAsync(page, "the admin page");

        await page.GotoAsync(Url(server, "/no-such-page"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleInEveryThemeAsync(page, "the not-found page");

        await page.GotoAsync(Url(server, sharePath));
        await Assertions.Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
        await AssertAccessibleInEveryThemeAsync(page, "the share link's password page");

        // The desktop library in both themes, for the README, and checked the same way.
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(Url(server, "/"));
        await Assertions.Expect(halfUploaded).ToContainTextAsync("Upload interrupted");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark, ReducedMotion = ReducedMotion.Reduce });
        await chromium.ScreenshotAsync("library-dark");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light, ReducedMotion = ReducedMotion.Reduce });
        await chromium.ScreenshotAsync("library-light");
        await Chromium.AssertAccessibleAsync(page, "the library on a desktop (light)");

        // Deleting a card from the keyboard's point of view: focus lands on the next card's link, not on the page.
        await page.GotoAsync(Url(server, "/my"));
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Group, new() { Name = "Manage Delete me" }).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete video" }).ClickAsync();
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        await Assertions.Expect(cards.Filter(new() { HasText = "Listed for the admin" })).ToBeFocusedAsync();
        // The not-found page answers 404, the share page's first ask 401 (a password is needed): both as meant.
        chromium.AssertNoPageErrors(e => e.Contains("404", StringComparison.Ordinal) || e.Contains("401", StringComparison.Ordinal));
    }

    /// <summary>
    /// axe on the page as it is in the light theme, and in the dark one unless another test checks the page in it, and in
    /// forced colours where asked (the pages full of controls); without transitions, so no colour is caught halfway
    /// from one theme to the other.
    /// </summary>
    private static async Task AssertAccessibleInEveryThemeAsync(IPage page, string name, bool darkToo = true, bool forcedColoursToo = false)
    {
        var themes = new List<(ColorScheme, ForcedColors, string)> { (ColorScheme.Light, ForcedColors.None, "light") };
        if (darkToo) themes.Add((ColorScheme.Dark, ForcedColors.None, "dark"));
        if (forcedColoursToo) themes.Add((ColorScheme.Light, ForcedColors.Active, "forced colours"));
        foreach (var (scheme, forced, theme) in themes)
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme, ForcedColors = forced, ReducedMotion = ReducedMotion.Reduce });
            await Chromium.AssertAccessibleAsync(page, $"{name} ({theme}, {page.ViewportSize?.Width}px wide)");
        }
    }

    /// <summary>A tus upload that stopped after <paramref name="sent"/> bytes, as a closed tab leaves it; returns the video's id.</summary>
    private static async Task<string> StartUploadAsync(ReelServer server, byte[] file, string title, int sent)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "title " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(title)));
        using var created = await server.Client.SendAsync(create);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using var patch = new HttpRequestMessage(HttpMethod.Patch, created.Headers.Location);
        patch.Headers.Add("Tus-Resumable", "1.0.0");
        patch.Headers.Add("Upload-Offset", "0");
        patch.Content = new ByteArrayContent(file[..sent]);
        patch.Content.Headers.ContentType = new("application/offset+octet-stream");
        using var patched = await server.Client.SendAsync(patch);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, patched.StatusCode);
        return created.Headers.GetValues("Reel-Video-Id").Single();
    }

    private static string Url(ReelServer server, string path) => $"http://127.0.0.1:{server.Port}{path}";

    private static Task<double> CurrentTimeAsync(IPage page) => page.EvalOnSelectorAsync<double>(Player, "v => v.currentTime");
}

/// <summary>Browser tests run one at a time: each plays video, and two at once on two cores would starve each other.</summary>
[RunsLong]
[CollectionDefinition(Name)]
public sealed class OneBrowserAtATime
{
    public const string Name = "Browser";
}
