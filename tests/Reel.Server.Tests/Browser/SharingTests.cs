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
    public async Task A_password_protected_link_asks_once_per_session_says_when_the_password_is_wrong_and_then_plays()
    {
        var video = await ReadyVideoAsync("Our wedding", visibility: "private");
        var share = await CreateShareAsync(video.Id, new { password = "rings and vows", label = "Guests" });
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;

        await page.GotoAsync(Url(share.Url));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This video is protected by a password" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Our wedding")).ToHaveCountAsync(0);
        await Chromium.AssertAccessibleAsync(page, "a share link's password page");
        await chromium.ScreenshotAsync("share-password");

        await page.GetByLabel("Password").FillAsync("confetti");
        await page.GetByRole(AriaRole.Button, new() { Name = "Watch" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the password");

        await page.GetByLabel("Password").FillAsync("rings and vows");
        await page.GetByRole(AriaRole.Button, new() { Name = "Watch" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Our wedding" })).ToBeVisibleAsync();
        await page.WaitForFunctionAsync(PlayedPast, 0.5, Patiently);
        await Chromium.AssertAccessibleAsync(page, "a share link's page, unlocked");

        // A reload in the same tab does not ask again.
        await page.ReloadAsync();
        await page.WaitForFunctionAsync(PlayedPast, 0.5, Patiently);
        await Assertions.Expect(page.GetByLabel("Password")).ToHaveCountAsync(0);
        chromium.AssertNoPageErrors(e => e.Contains("401", StringComparison.Ordinal));
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
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.Port}{path}";

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
