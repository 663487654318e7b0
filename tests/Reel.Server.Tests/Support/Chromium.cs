using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Reel.Server.Tests.Support;

/// <summary>
/// Debian's Chromium driven by Playwright, one browser for the run and a fresh context (as a fresh profile) per test. It records what the page logged as an
/// error, so a test can fail on a broken page even when the element it waits for still appears.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private Chromium(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.PageError += (_, error) => { lock (PageErrors) PageErrors.Add(error); };
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (PageErrors) PageErrors.Add("console: " + message.Text);
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public List<string> PageErrors { get; } = [];

    /// <summary>
    /// A fresh browser context (its own cookies, storage and cache, as a new profile has) in the run's one Chromium:
    /// starting Playwright's driver and the browser took seconds per test. <paramref name="touch"/> makes it a phone's:
    /// a touch screen (taps are touch pointers) and a mobile viewport.
    /// </summary>
    public static async Task<Chromium> LaunchAsync(int width = 1280, int height = 800, bool touch = false)
    {
        var browser = await Browser.Value;
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            HasTouch = touch,
            IsMobile = touch,
        });
        context.SetDefaultTimeout(30_000);
        return new Chromium(context, await context.NewPageAsync());
    }

    private static readonly Lazy<Task<IBrowser>> Browser = new(StartBrowserAsync);

    private static async Task<IBrowser> StartBrowserAsync()
    {
        if (!File.Exists(ChromiumFlags.Executable)) throw new InvalidOperationException($"{ChromiumFlags.Executable} is missing: `make test` installs Debian's chromium package.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFlags.Executable,
            Headless = true,
            Args = ChromiumFlags.Args,
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            browser.CloseAsync().Wait(TimeSpan.FromSeconds(5));
            playwright.Dispose();
        };
        return browser;
    }

    /// <summary>Saves a screenshot among the test run's artifacts, for people to look at (and for the README).</summary>
    public Task ScreenshotAsync(string name) => Page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(name) });

    /// <summary>As <see cref="ScreenshotAsync(string)"/>, of one element only.</summary>
    public static Task ScreenshotAsync(ILocator element, string name) => element.ScreenshotAsync(new LocatorScreenshotOptions { Path = ScreenshotPath(name) });

    private static string ScreenshotPath(string name) =>
        Path.Combine(Directory.CreateDirectory(Path.Combine(ReelServer.RepoRoot(), "artifacts", "screenshots")).FullName, name + ".png");

    /// <summary>Chromium's own upload throttling, so a test can watch a progress bar that would otherwise finish at once.</summary>
    public async Task ThrottleUploadsAsync(double bytesPerSecond)
    {
        var session = await Context.NewCDPSessionAsync(Page);
        await session.SendAsync("Network.enable");
        await session.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false,
            ["latency"] = 0,
            ["downloadThroughput"] = -1,
            ["uploadThroughput"] = bytesPerSecond,
        });
    }

    public void AssertNoPageErrors(Func<string, bool>? expected = null)
    {
        lock (PageErrors)
        {
            var unexpected = PageErrors.Where(e => expected is null || !expected(e)).ToList();
            Assert.True(unexpected.Count == 0, "The page logged errors:\n" + string.Join('\n', unexpected));
        }
    }

    /// <summary>
    /// Runs axe-core on the page as it is now and fails on every serious or critical violation, naming the rule, its
    /// impact, the elements and how to fix it. Moderate and minor findings are left to review, not to the build.
    /// </summary>
    /// <remarks>
    /// axe runs in the page itself (Deque's "legacy mode"): its default mode gathers each frame's results and then
    /// opens a blank page to merge them, which costs Chromium new renderer processes, about 4 CPU-s and 3 s per check,
    /// to test cross-origin frames that Reel's pages cannot have (their CSP allows frames of Reel's own origin only).
    /// </remarks>
#pragma warning disable CS0618 // Legacy mode is marked for removal; the default mode is the fallback when it goes.
    public static async Task AssertAccessibleAsync(IPage page, string name) => AssertNoBlockingViolations(await page.RunAxeLegacy(null!), name, page.Url);

    /// <summary>
    /// As <see cref="AssertAccessibleAsync(IPage, string)"/>, of one part of the page: in an emulated forced-colours mode
    /// Chromium reports every text's -webkit-text-fill-color in the page's own colour, not the forced one, so axe finds
    /// contrast failures in text that is painted in the theme's colours; a test of one part checks that part.
    /// </summary>
    public static async Task AssertAccessibleAsync(ILocator part, string name) => AssertNoBlockingViolations(await part.RunAxeLegacy(), name, part.Page.Url);
#pragma warning restore CS0618

    private static void AssertNoBlockingViolations(AxeResult result, string name, string url)
    {
        var blocking = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(blocking.Count == 0, $"Accessibility of {name} ({url}), {blocking.Count} serious or critical violation(s):\n" + string.Join('\n', blocking.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help} [{string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}] {v.HelpUrl}")));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
