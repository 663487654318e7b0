using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Browser;

/// <summary>Uploads through the web UI when something goes wrong: a dropped network, a cancel, a server that wants a sign-in.</summary>
[Collection(OneBrowserAtATime.Name)]
public sealed class UploadResilienceTests
{
    [Fact]
    public async Task An_upload_cut_off_by_a_lost_connection_says_so_retries_by_itself_and_finishes_and_a_cancelled_anonymous_upload_leaves_nothing()
    {
        await using var server = await ReelServer.StartAsync();
        await using var proxy = new LoopbackProxy(server.Port);
        await using var chromium = await Chromium.LaunchAsync();
        var page = chromium.Page;
        var clip = await Clips.PathAsync(Clips.Bulky);
        var length = new FileInfo(clip).Length;
        var viaProxy = $"http://127.0.0.1:{proxy.Port}";

        await page.GotoAsync(viaProxy + "/");
        // About eight seconds for the whole file: long enough to cut it off midway, short enough for the suite.
        await chromium.ThrottleUploadsAsync(length / 8.0);
        await page.SetInputFilesAsync("input[type=file]", clip);
        var item = page.GetByTestId("upload-item");
        var indicator = page.GetByTestId("upload-indicator");
        await Assertions.Expect(item.GetByTestId("upload-status")).ToContainTextAsync(new Regex(@"\b[1-6]\d ?%"), new() { Timeout = 30_000 });
        await Assertions.Expect(indicator).ToContainTextAsync(new Regex(@"Uploading 1 file · \d+ %"));

        // The network drops: the row says so and counts down, with no speed or time left from before the break.
        proxy.Cut();
        await Assertions.Expect(item.GetByTestId("upload-interruption")).ToContainTextAsync(new Regex(@"Connection lost — retrying in \d+ s"));
        await Assertions.Expect(item).Not.ToContainTextAsync(new Regex("B/s|left"));
        await Assertions.Expect(indicator).ToContainTextAsync("Connection lost · retrying");
        await Chromium.AssertAccessibleAsync(page, "the library while an upload waits to retry");
        await chromium.ScreenshotAsync("upload-connection-lost");

        // Back, and faster: the same upload goes on from the server's offset by itself and opens its watch page as usual.
        proxy.Restore();
        await chromium.ThrottleUploadsAsync(-1);
        await page.WaitForURLAsync(new Regex("/watch/[A-Za-z0-9_-]{22}$"), new() { Timeout = 90_000 });
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var finished = await server.GetVideoAsync(id);
        Assert.NotEqual("uploading", finished.Status);
        Assert.Equal(length, finished.SizeBytes);
        var all = (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true"))!.Items;
        Assert.Equal([id], all.Select(v => v.Id));

        // A second upload, cancelled midway: nothing of it stays on the server.
        await page.GotoAsync(viaProxy + "/");
        await chromium.ThrottleUploadsAsync(length / 8.0);
        await page.SetInputFilesAsync("input[type=file]", clip);
        var uploading = await Eventually.FoundAsync(async () => (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true"))!.Items
            .SingleOrDefault(v => v.Status == "uploading" && v.UploadedBytes > 0));
        await item.GetByRole(AriaRole.Button, new() { Name = $"Cancel {Path.GetFileName(clip)}" }).ClickAsync();
        await Assertions.Expect(item.GetByTestId("upload-status")).ToHaveTextAsync("Cancelled");
        await Eventually.FoundAsync(async () =>
            (await server.Client.GetAsync($"/api/videos/{uploading.Id}")).StatusCode == HttpStatusCode.NotFound ? "gone" : null);
        if (!server.OnObjectStore)
        {
            var folder = Path.Combine(server.DataDir, "media", "originals", uploading.Id);
            await Eventually.FoundAsync(() => Task.FromResult(Directory.Exists(folder) ? null : "removed"));
        }
        await Assertions.Expect(indicator).ToBeHiddenAsync();

        // A server that takes uploads only from accounts asks first, and keeps a file chosen anyway until the sign-in.
        await using var accountsOnly = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:Policy"] = "Accounts" });
        await chromium.ThrottleUploadsAsync(-1);
        await page.GotoAsync($"http://127.0.0.1:{accountsOnly.Port}/");
        await Assertions.Expect(page.GetByText("Sign in to upload", new() { Exact = true })).ToBeVisibleAsync();
        await page.SetInputFilesAsync("input[type=file]", await Clips.PathAsync(Clips.Tiny));
        await Assertions.Expect(item.GetByTestId("upload-status")).ToHaveTextAsync("Waits for sign-in");
        await Assertions.Expect(indicator).ToContainTextAsync("Sign in to upload 1 file");
        await Chromium.AssertAccessibleAsync(page, "the library of an account-only server, signed out, with a file waiting");
        await item.GetByRole(AriaRole.Link, new() { Name = "sign in" }).ClickAsync();
        await page.GetByLabel("Email").FillAsync(ReelServer.AdminEmail);
        await page.GetByLabel("Password").FillAsync(ReelServer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/watch/[A-Za-z0-9_-]{22}$"), new() { Timeout = 60_000 });

        // The dropped connection is all the page complained about.
        chromium.AssertNoPageErrors(e => e.Contains("net::ERR_", StringComparison.Ordinal));
    }
}
