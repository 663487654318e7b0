using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Reel.Server.Features.Videos;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Browser;

/// <summary>A share link's password page, and the embed page framed by another site, in Chromium.</summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class SharingTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly PageWaitForFunctionOptions Patiently = new() { Timeout = 60_000, PollingInterval = 100 };
    private readonly ReelServer _server = shared.Server;

    // The first video element of the document playing past the given time; a media error fails the wait at once.
    private const string PlayedPast = """
        seconds => {
          const v = document.querySelector('video');
          if (!v) return false;
          if (v.error) throw new Error(`video error ${v.error.code}: ${v.error.message}`);
          return v.currentTime > seconds;
        }
        """;

    [Fact]
    public async Task The_owner_makes_a_password_link_on_the_watch_page_and_its_viewer_is_asked_once_per_session_then_counted()
    {
        var video = await ReadyVideoAsync("Our wedding", visibility: "private");

        // The owner, signed in, makes the link on the video's page.
        await using var owner = await Chromium.LaunchAsync();
        await SignInAsync(owner.Page);
        await owner.Page.GotoAsync(Url($"/watch/{video.Id}"));
        // The frame on screen becomes the poster.
        var poster = owner.Page.GetByRole(AriaRole.Region, new() { Name = "Poster" });
        await owner.Page.WaitForFunctionAsync(PlayedPast, 0.5, Patiently);
        await poster.GetByRole(AriaRole.Button, new() { Name = "Use the frame on screen" }).ClickAsync();
        await Assertions.Expect(poster.GetByRole(AriaRole.Button, new() { Name = "Use the generated poster" })).ToBeVisibleAsync();
        Assert.True((await _server.GetVideoAsync(video.Id)).CustomPoster);

        var links = owner.Page.GetByRole(AriaRole.Region, new() { Name = "Share links" });
        await links.GetByLabel("Label").FillAsync("Guests");
        await links.GetByLabel("Expires").SelectOptionAsync("In 7 days");
        await links.GetByLabel("Password (optional)").FillAsync("rings and vows");
        await links.GetByLabel("Allow download").UncheckAsync();
        await links.GetByRole(AriaRole.Button, new() { Name = "Make a link" }).ClickAsync();
        var made = links.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Guests" });
        await Assertions.Expect(made).ToContainTextAsync("Password");
        await Assertions.Expect(made).ToContainTextAsync("No download");
        await Assertions.Expect(made).ToContainTextAsync("0 views");
        // And changes its label.
        await made.GetByRole(AriaRole.Button, new() { Name = "Change Guests" }).ClickAsync();
        await made.GetByLabel("Label").FillAsync("Wedding guests");
        await Chromium.AssertAccessibleAsync(owner.Page, "the watch page with its share links, one being changed");
        await made.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(made.Locator(".label")).ToHaveTextAsync("Wedding guests");
        var share = Assert.Single((await _server.Client.GetFromJsonAsync<ShareList>($"/api/videos/{video.Id}/shares", Json))!.Items);
        Assert.Equal(("Wedding guests", true, false), (share.Label, share.HasPassword, share.AllowDownload));
        Assert.True(share.ExpiresAt > DateTime.UtcNow.AddDays(6.9) && share.ExpiresAt < DateTime.UtcNow.AddDays(7.1), $"expires {share.ExpiresAt:O}");

        // Someone else opens it.
        await using var viewer = await Chromium.LaunchAsync();
        var page = viewer.Page;
        await page.GotoAsync(Url(share.Url));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This video is protected by a password" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Our wedding")).ToHaveCountAsync(0);
        await Chromium.AssertAccessibleAsync(page, "a share link's password page");
        await viewer.ScreenshotAsync("share-password");

        await page.GetByLabel("Password").FillAsync("confetti");
        await page.GetByRole(AriaRole.Button, new() { Name = "Watch" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the password");

        await page.GetByLabel("Password").FillAsync("rings and vows");
        await page.GetByRole(AriaRole.Button, new() { Name = "Watch" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Our wedding" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download" })).ToHaveCountAsync(0);
        await page.WaitForFunctionAsync(PlayedPast, 0.5, Patiently);
        await Chromium.AssertAccessibleAsync(page, "a share link's page, unlocked");

        // A reload in the same tab does not ask again.
        await page.ReloadAsync();
        await page.WaitForFunctionAsync(PlayedPast, 0.5, Patiently);
        await Assertions.Expect(page.GetByLabel("Password")).ToHaveCountAsync(0);
        viewer.AssertNoPageErrors(e => e.Contains("401", StringComparison.Ordinal));

        // Watched to its end (a clip shorter than 10 s), the visit counts once, and the owner sees it.
        await Eventually.FoundAsync(async () =>
            (await _server.Client.GetFromJsonAsync<ShareList>($"/api/videos/{video.Id}/shares", Json))!.Items.Single().Views >= 1 ? "counted" : null);
        await owner.Page.ReloadAsync();
        await Assertions.Expect(made).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[12] views?"));
        await Chromium.ScreenshotAsync(links, "share-links");

        // The owner replaces the file on the same page, under the same link; once the new file is the video, a reload
        // plays it (3 s instead of 2: it plays past the old one's end).
        var file = owner.Page.GetByRole(AriaRole.Region, new() { Name = "Video file" });
        await file.GetByLabel("Replace the file…").SetInputFilesAsync(await Clips.PathAsync(Clips.TinyLonger));
        await Assertions.Expect(file.GetByRole(AriaRole.Status)).ToContainTextAsync("A new file is");
        // The player keeps the file it loaded; the page says a new one is out.
        var reload = owner.Page.GetByRole(AriaRole.Button, new() { Name = "Reload to watch it" });
        await Assertions.Expect(reload).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await reload.ClickAsync();
        await owner.Page.WaitForFunctionAsync(PlayedPast, 2.2, Patiently);
        Assert.Equal(3, Math.Round((await _server.GetVideoAsync(video.Id)).DurationSeconds));
        Assert.Single((await _server.Client.GetFromJsonAsync<ShareList>($"/api/videos/{video.Id}/shares", Json))!.Items);
    }

    [Fact]
    public async Task The_embed_page_plays_inside_another_sites_page_and_the_watch_page_refuses_to_be_framed_there()
    {
        var video = await ReadyVideoAsync("Embedded clip", visibility: "unlisted");
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        // A blog on another origin, a page that frames the embed page and the watch page.
        var html = $"""
            <!doctype html><html lang="en"><title>A blog</title><body>
            <iframe name="embed" src="{Url($"/embed/{video.Id}")}" width="640" height="360" allow="autoplay; fullscreen" title="Embedded clip"></iframe>
            <iframe name="watch" src="{Url($"/watch/{video.Id}")}" width="640" height="360" title="Watch page"></iframe>
            </body></html>
            """;
        using var blog = new StaticPage(html);

        var console = new List<string>();
        page.Console += (_, message) =>
        {
            lock (console) console.Add(message.Text);
        };
        await page.GotoAsync(blog.Url);
        var embed = await Eventually.FoundAsync(() => Task.FromResult(page.Frames.FirstOrDefault(f => f.Name == "embed" && f.Url.Contains("/embed/", StringComparison.Ordinal))));
        await embed.WaitForFunctionAsync(PlayedPast, 0.5, new() { Timeout = 60_000, PollingInterval = 100 });
        // The player alone: no site header in the frame.
        Assert.Equal(0, await embed.Locator("header").CountAsync());
        await chromium.ScreenshotAsync("embed-on-another-site");


        // The watch page keeps frame-ancestors 'self': Chromium refuses to show it in the blog's frame, and says why.
        var refusal = await Eventually.FoundAsync(() =>
        {
            lock (console) return Task.FromResult(console.FirstOrDefault(m => m.Contains("frame-ancestors", StringComparison.Ordinal)));
        });
        Assert.Contains("violates the following Content Security Policy directive: \"frame-ancestors 'self'\"", refusal, StringComparison.Ordinal);
        lock (console) Assert.Single(console, m => m.Contains("frame-ancestors", StringComparison.Ordinal));
        Assert.Equal(0, await page.Frames.Single(f => f.Name == "watch").Locator("video").CountAsync());
        // (The 401 is the session check of a visitor who is not signed in.)
        chromium.AssertNoPageErrors(e => e.Contains("frame-ancestors", StringComparison.Ordinal) || e.Contains("401", StringComparison.Ordinal));

        // What a chat app makes of the watch page's tags (it runs no script): a card with the title and the poster.
        var tags = await PreviewTagsAsync($"/watch/{video.Id}");
        Assert.Equal("Embedded clip", tags["og:title"]);
        await page.SetContentAsync($"""
            <!doctype html><html lang="en"><title>Chat</title>
            <body style="font-family: sans-serif; background: #f2f3f5; padding: 24px">
            <div id="card" style="max-width: 420px; background: #fff; border-left: 4px solid #5865f2; border-radius: 4px; padding: 12px 16px">
              <div style="font-size: 12px; color: #4e5058">{System.Net.WebUtility.HtmlEncode(tags["og:site_name"])}</div>
              <div style="font-weight: 600; color: #006ce7; margin: 4px 0 10px">{System.Net.WebUtility.HtmlEncode(tags["og:title"])}</div>
              <img alt="" src="{tags["og:image"]}" width="{tags["og:image:width"]}" height="{tags["og:image:height"]}" style="max-width: 100%; height: auto; border-radius: 4px">
            </div></body></html>
            """);
        await page.WaitForFunctionAsync("() => document.images[0].complete && document.images[0].naturalWidth > 0", null, Patiently);
        await Chromium.ScreenshotAsync(page.Locator("#card"), "chat-preview");
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.Port}{path}";

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(Url("/signin"));
        await page.GetByLabel("Email").FillAsync(ReelServer.AdminEmail);
        await page.GetByLabel("Password").FillAsync(ReelServer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        try
        {
            await page.WaitForURLAsync(Url("/"), new() { Timeout = 60_000 });
        }
        catch (TimeoutException e)
        {
            // What the page says (an error under the form?) is what the failure needs.
            throw new TimeoutException($"Signing in did not lead home; the page is {page.Url} and says:\n{await page.InnerTextAsync("main")}", e);
        }
    }

    /// <summary>The Open Graph tags of a page as the server sends it, read as a chat app reads them.</summary>
    private async Task<Dictionary<string, string>> PreviewTagsAsync(string path)
    {
        using var chatApp = new HttpClient();
        var html = await chatApp.GetStringAsync(Url(path));
        return System.Text.RegularExpressions.Regex.Matches(html, "<meta property=\"(?<name>og:[^\"]+)\" content=\"(?<content>[^\"]*)\"")
            .ToDictionary(m => m.Groups["name"].Value, m => System.Net.WebUtility.HtmlDecode(m.Groups["content"].Value));
    }

    private async Task<VideoJson> ReadyVideoAsync(string title, string visibility)
    {
        var video = await _server.WaitUntilReadyAsync((await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: title)).Id);
        (await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility })).EnsureSuccessStatusCode();
        return video;
    }

    private async Task<ShareDto> CreateShareAsync(string videoId, object body)
    {
        using var response = await _server.Client.PostAsJsonAsync($"/api/videos/{videoId}/shares", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ShareDto>(Json))!;
    }

    /// <summary>One HTML page on a loopback origin of its own (http://localhost:PORT/), as another site would serve it.</summary>
    private sealed class StaticPage : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();

        public StaticPage(string html)
        {
            // HttpListener takes no port 0: a free one is found first (nothing else on this machine races for it in a test).
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = $"http://localhost:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}/";
            }
            _listener.Prefixes.Add(Url);
            _listener.Start();
            var body = System.Text.Encoding.UTF8.GetBytes(html);
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    System.Net.HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public void Dispose() => _listener.Close();
    }
}
