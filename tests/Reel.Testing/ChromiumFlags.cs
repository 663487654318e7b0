namespace Reel.Testing;

/// <summary>
/// How Debian's Chromium is launched, by the tests and by the benchmark (both take it from Reel.Testing), so both
/// measure the same browser. Playwright adds <c>--headless</c> itself; each launch gets a fresh, empty profile.
/// </summary>
internal static class ChromiumFlags
{
    public const string Executable = "/usr/bin/chromium";

    // Without the background-networking flags Chromium keeps trying to reach Google on a closed network.
    public static readonly IReadOnlyList<string> Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
    ];
}
