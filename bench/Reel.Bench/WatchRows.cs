// The watch rows: what a viewer who opens a brand-new upload at once sees in headless Chromium (how soon the first
// frame plays after the 201, and how long playback waits for the encoder until the end), on an idle server and on one
// that is encoding another video's ladder; and, on the busy server, how soon the API says the upload is playable.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Reel.Testing;
using static System.FormattableString;

namespace Reel.Bench;

/// <summary>A source the watch rows upload: not browser-compatible, so its first rung has to be encoded.</summary>
internal sealed record WatchSource(string Key, string Label, string Path, string ContentType);

/// <summary>One viewer's run; times in seconds from the upload's 201, null when the event never happened.</summary>
internal sealed record WatchResult(
    WatchSource Source, bool Busy, double DurationSeconds, double UploadSeconds, double? ApiPlayableSeconds,
    double? FirstFrameSeconds, double StalledSeconds, int Stalls, double? EndedSeconds,
    IReadOnlyList<(string Event, double? Seconds)> Timeline, string Notes, IReadOnlyList<string> PageErrors);

internal sealed partial class Bench
{
    // Issue 13: any accepted source plays within 4 s of the 201, with at most 1 s of stalls to the end; and a
    // non-compatible upload is playable within 4 s even while another video's ladder encodes.
    internal const double FirstFrameTarget = 4;
    internal const double StallTarget = 1;
    internal const double BusyPlayableTarget = 4;

    // How long a row waits for the upload to become playable before it is given up as a FAIL (the other rows still run).
    private const double PlayableLimitSeconds = 240;

    // Bench-only: when the page's video element got going, which picture sizes it played, and (from Resource Timing)
    // when the page asked for the master playlist and got its first media segment. Date.now() shares the bench's clock.
    private const string PageTimelineScript = """
        (() => {
          try { performance.setResourceTimingBufferSize(100000); } catch { }
          const t = { loadstart: null, loadedmetadata: null, canplay: null, playing: null, heights: [] };
          window.__timeline = t;
          for (const type of ['loadstart', 'loadedmetadata', 'canplay', 'playing'])
            document.addEventListener(type, e => { if (e.target instanceof HTMLVideoElement && t[type] === null) t[type] = Date.now(); }, true);
          document.addEventListener('resize', e => {
            const v = e.target;
            if (v instanceof HTMLVideoElement && t.heights.length < 50) t.heights.push([Date.now(), v.videoHeight, Math.round(v.currentTime * 10) / 10]);
          }, true);
        })();
        """;

    private const string ReadPageTimeline = """
        () => {
          const entries = performance.getEntriesByType('resource');
          const path = e => new URL(e.name).pathname;
          const master = entries.find(e => path(e).endsWith('/master.m3u8'));
          const segment = entries.find(e => path(e).endsWith('.ts'));
          const at = ms => Math.round(performance.timeOrigin + ms);
          return JSON.stringify({
            ...window.__timeline,
            navigationStart: Math.round(performance.timeOrigin),
            masterRequested: master ? at(master.startTime) : null,
            firstSegmentRequested: segment ? at(segment.startTime) : null,
            firstSegmentLoaded: segment ? at(segment.responseEnd) : null,
            firstSegment: segment ? path(segment).split('/').slice(-2).join('/') : null,
          });
        }
        """;

    /// <summary>Both sources on an idle server, then both on a server busy with another video's ladder.</summary>
    private async Task<List<WatchResult>> MeasureWatchRowsAsync()
    {
        WatchSource[] sources =
        [
            new("hlg", "HEVC 10-bit HLG 2160p30 MP4", options.Hlg ?? throw new BenchException("the watch rows need --hlg"), "video/mp4"),
            new("tenbit60", "H.264 10-bit 1080p60 MP4", options.TenBit60 ?? throw new BenchException("the watch rows need --tenbit60"), "video/mp4"),
        ];
        if (!File.Exists(ChromiumFlags.Executable))
            throw new BenchException($"{ChromiumFlags.Executable} is missing: on Debian, apt-get install chromium (make bench installs it)");
        var results = new List<WatchResult>();
        foreach (var busy in new[] { false, true })
        {
            foreach (var source in sources)
            {
                var where = busy ? "while another ladder encodes" : "idle server";
                await BeginPhaseAsync($"watch {source.Key} {(busy ? "busy" : "idle")}");
                Progress($"{source.Label}: Chromium watches it from the 201, {where} (fresh server) ...");
                var result = await MeasureWatchAsync(source, busy);
                results.Add(result);
                Progress(Invariant($"  playable in the API {Seconds(result.ApiPlayableSeconds)}, first frame {Seconds(result.FirstFrameSeconds)}, stalled {result.StalledSeconds:0.00} s in {result.Stalls} stalls, ended {Seconds(result.EndedSeconds)}"));
            }
        }
        return results;
    }

    private async Task<WatchResult> MeasureWatchAsync(WatchSource source, bool busy)
    {
        var name = $"watch-{source.Key}-{(busy ? "busy" : "idle")}";
        var serverLog = LogPath("server-" + name);
        await using var server = await BenchServer.StartAsync(options.ServerDll, NewDir("server-" + name), serverLog, children);
        await using var chromium = await BenchChromium.LaunchAsync(NewDir("chromium-" + name), children);
        var page = chromium.Page;
        await page.AddInitScriptAsync(PlaybackRecorder.Script);
        await page.AddInitScriptAsync(PageTimelineScript);
        var client = server.Client;

        string? busyId = null;
        if (busy)
        {
            // Another video's ladder takes the encode lane first: the bench's 60 s 1080p H.264 source, whose ladder
            // (three rungs at idle priority) outlasts this measurement.
            var other = await UploadAsync(client, options.H264!, "video/mp4");
            busyId = other.Video.GetProperty("id").GetString() ?? throw new BenchException("the 201 has no id");
            server.Mark("other video's 201");
            var video = other.Video;
            while (!LadderStarted(video))
            {
                CheckNotFailed(video);
                if (Since(other.CreatedAt) > 120) throw new BenchException("the other video's ladder wrote no segment within 120 s");
                await Task.Delay(100);
                video = await GetVideoAsync(client, busyId);
            }
            server.Mark(Invariant($"other video's ladder has a segment, {Since(other.CreatedAt):0.0} s after its 201"));
        }

        var upload = await UploadAsync(client, source.Path, source.ContentType);
        var t0 = upload.CreatedAt;
        var t0UnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (Since(t0) * 1000);
        var t0Log = children.ElapsedSeconds - Since(t0);
        server.Mark("201 received: T0");
        var id = upload.Video.GetProperty("id").GetString() ?? throw new BenchException("the 201 has no id");
        var duration = upload.Video.TryGetProperty("durationSeconds", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : 60;

        // The viewer opens the watch page at once; meanwhile the API is polled every ~20 ms until it says playable.
        var navigation = page.GotoAsync(new Uri(client.BaseAddress!, $"watch/{id}").ToString());
        var current = upload.Video;
        double? apiPlayable = null;
        var notes = new List<string>();
        while (true)
        {
            CheckNotFailed(current);
            if (current.GetProperty("playable").GetBoolean())
            {
                apiPlayable = Since(t0);
                server.Mark(Invariant($"API says playable at T0 + {apiPlayable:0.000} s"));
                break;
            }
            if (Since(t0) > PlayableLimitSeconds)
            {
                server.Mark(Invariant($"not playable at T0 + {PlayableLimitSeconds} s: giving up"));
                notes.Add(Invariant($"**not playable {PlayableLimitSeconds} s after the 201: the bench gave up on this row**"));
                break;
            }
            await Task.Delay(20);
            current = await GetVideoAsync(client, id);
        }
        if (busyId is not null)
        {
            var other = await GetVideoAsync(client, busyId);
            notes.Add(Invariant($"when the upload {(apiPlayable is null ? "was given up" : "became playable")} the other video was {other.GetProperty("status").GetString()} (progress {other.GetProperty("progress").GetDouble():0.00})"));
        }
        await navigation;

        var endedInTime = false;
        if (apiPlayable is not null)
        {
            try
            {
                await page.WaitForFunctionAsync(PlaybackRecorder.Ended, null, new() { Timeout = (float)((duration + 90) * 1000), PollingInterval = 250 });
                endedInTime = true;
            }
            catch (TimeoutException)
            {
                notes.Add(Invariant($"**the video did not reach `ended` within {duration + 90:0} s of becoming playable**"));
            }
        }
        var waited = Since(t0);
        server.Mark(Invariant($"viewer done at T0 + {waited:0.000} s (ended: {endedInTime})"));
        using var playback = JsonDocument.Parse(await page.EvaluateAsync<string>(PlaybackRecorder.Read));
        using var pageTimeline = JsonDocument.Parse(await page.EvaluateAsync<string>(ReadPageTimeline));
        var log = playback.RootElement;
        var times = pageTimeline.RootElement;
        double? FromT0(JsonElement parent, string property) =>
            parent.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number ? (v.GetDouble() - t0UnixMs) / 1000 : null;

        var stalledMs = log.GetProperty("stalledMs").GetDouble();
        // A wait still open when the bench stopped waiting counts up to that moment.
        if (FromT0(log, "waitingSince") is { } openSince) stalledMs += (waited - openSince) * 1000;

        var heights = times.GetProperty("heights").EnumerateArray()
            .Select(h => Invariant($"{h[1].GetInt32()}p at {(h[0].GetDouble() - t0UnixMs) / 1000:0.0} s (position {h[2].GetDouble():0.0} s)")).ToList();
        notes.Add(heights.Count > 0 ? "picture sizes played: " + string.Join(", ", heights) : "no picture size reported");
        if (times.TryGetProperty("firstSegment", out var first) && first.GetString() is { } firstSegment)
            notes.Add($"first media segment the page fetched `{firstSegment}`");
        var final = await GetVideoAsync(client, id);
        notes.Add(Invariant($"the video was {final.GetProperty("status").GetString()} at the end (progress {final.GetProperty("progress").GetDouble():0.00})"));
        if (busyId is not null)
        {
            var other = await GetVideoAsync(client, busyId);
            var status = other.GetProperty("status").GetString();
            notes.Add(status == "ready"
                ? "**the other video's ladder was done before the viewer finished, so part of this run was not 'busy'**"
                : Invariant($"the other video was still {status} when the viewer finished (progress {other.GetProperty("progress").GetDouble():0.00})"));
        }

        var events = ServerEvents(serverLog, id, t0Log);
        var timeline = new List<(string, double?)>
        {
            ("prepare job started", events.PrepareStarted),
            ("playable in the API", apiPlayable),
            ("page navigation start", FromT0(times, "navigationStart")),
            ("video loadstart", FromT0(times, "loadstart")),
            ("master playlist requested", FromT0(times, "masterRequested")),
            ("first media segment received", FromT0(times, "firstSegmentLoaded")),
            ("loadedmetadata", FromT0(times, "loadedmetadata")),
            ("canplay", FromT0(times, "canplay")),
            ("first frame", FromT0(log, "firstFrameAt")),
            ("prepare job done (first rung complete)", events.PrepareDone),
            ("encode job started", events.EncodeStarted),
            ("ended", FromT0(log, "endedAt")),
        };

        return new WatchResult(
            source, busy, duration, upload.Seconds, apiPlayable, FromT0(log, "firstFrameAt"), stalledMs / 1000, log.GetProperty("stalls").GetInt32(),
            FromT0(log, "endedAt"), timeline, string.Join("; ", notes), chromium.PageErrors());
    }

    /// <summary>A rung of the ladder (not the remuxed <c>source</c>, which is not listed) has a segment.</summary>
    private static bool LadderStarted(JsonElement video) =>
        video.TryGetProperty("renditions", out var renditions) && renditions.ValueKind == JsonValueKind.Array
        && renditions.EnumerateArray().Any(r => r.TryGetProperty("encodedSeconds", out var s) && s.ValueKind == JsonValueKind.Number && s.GetDouble() > 0);

    private sealed record JobEvents(double? PrepareStarted, double? PrepareDone, double? EncodeStarted);

    /// <summary>
    /// When the server's worker started and finished the video's jobs, from its log: every line carries the bench's
    /// clock ("[sss.sss] "), and an entry's scope ("=> VideoId:… Job:… prepare") and message may be on lines of their own.
    /// </summary>
    private static JobEvents ServerEvents(string logPath, string videoId, double t0)
    {
        var entries = new List<(double Stamp, StringBuilder Text)>();
        foreach (var line in File.ReadLines(logPath))
        {
            if (line.Length < 10 || line[0] != '[') continue;
            var close = line.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !double.TryParse(line.AsSpan(1, close - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var stamp)) continue;
            var text = line[(close + 1)..];
            if (text.StartsWith("       ", StringComparison.Ordinal) && entries.Count > 0)
                entries[^1].Text.Append(' ').Append(text.Trim());
            else
                entries.Add((stamp, new StringBuilder(text.Trim())));
        }
        double? Find(params string[] parts)
        {
            var hit = entries.FirstOrDefault(e => e.Text.ToString() is var t && t.Contains("VideoId:" + videoId, StringComparison.Ordinal)
                && parts.All(p => t.Contains(p, StringComparison.Ordinal)));
            return hit.Text is null ? null : hit.Stamp - t0;
        }
        return new JobEvents(Find(" prepare", "Job started"), Find(" prepare", "Playable from"), Find(" encode", "Job started"));
    }

    private static string Seconds(double? seconds) => seconds is { } s ? Invariant($"{s:0.000} s") : "never";
}

/// <summary>
/// Debian's Chromium driven by Playwright exactly as the browser tests launch it (<see cref="ChromiumFlags"/>), with
/// the profile folder it is given. The Playwright driver (node, with Chromium below it) goes into the pid file, so
/// bench/run.sh kills them too if this program dies.
/// </summary>
internal sealed class BenchChromium : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly List<Process> _driver;
    private readonly Children _children;
    private readonly List<string> _pageErrors = [];

    private BenchChromium(IPlaywright playwright, List<Process> driver, Children children, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _driver = driver;
        _children = children;
        Context = context;
        Page = page;
        page.PageError += (_, error) => { lock (_pageErrors) _pageErrors.Add(error); };
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_pageErrors) _pageErrors.Add("console: " + message.Text);
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> PageErrors()
    {
        lock (_pageErrors) return [.. _pageErrors];
    }

    public static async Task<BenchChromium> LaunchAsync(string profile, Children children)
    {
        var before = ChildPids();
        var playwright = await Playwright.CreateAsync();
        var driver = ChildPids().Except(before).Select(children.Adopt).OfType<Process>().ToList();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumFlags.Executable,
                Headless = true,
                Args = ChromiumFlags.Args,
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            });
            context.SetDefaultTimeout(30_000);
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            return new BenchChromium(playwright, driver, children, context, page);
        }
        catch
        {
            playwright.Dispose();
            foreach (var process in driver) await children.StopAsync(process);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
        }
        catch (PlaywrightException)
        {
            // the browser is gone already; the driver's tree is killed below
        }
        _playwright.Dispose();
        foreach (var process in _driver) await _children.StopAsync(process);
    }

    private static HashSet<int> ChildPids()
    {
        var self = Environment.ProcessId;
        var pids = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == self) pids.Add(pid);
            }
            catch (IOException)
            {
                // the process ended meanwhile
            }
        }
        return pids;
    }
}

internal static class WatchReport
{
    public static void Render(StringBuilder md, IReadOnlyList<WatchResult> rows, Func<bool, string?, string> verdict)
    {
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        static string S(double? seconds, string format = "0.00") => seconds is { } s ? s.ToString(format, CultureInfo.InvariantCulture) + " s" : "never";

        Line($"");
        Line($"## Watching a new upload in headless Chromium");
        Line($"");
        Line($"| Measurement | Server | Reel | Target | Result |");
        Line($"|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var server = r.Busy ? "encoding another ladder ⁸" : "idle";
            var label = Invariant($"{r.Source.Label} ({r.DurationSeconds:0} s)");
            if (r.Busy)
            {
                var playableOk = r.ApiPlayableSeconds is { } p && p <= Bench.BusyPlayableTarget;
                var why = r.ApiPlayableSeconds is { } late && !playableOk ? Invariant($"{late - Bench.BusyPlayableTarget:0.00} s over") : null;
                Line($"| {label}: 201 → `playable: true` in the API | {server} | {S(r.ApiPlayableSeconds, "0.000")} | ≤ {Bench.BusyPlayableTarget} s | {verdict(playableOk, why)} |");
            }
            else
            {
                Line($"| {label}: 201 → `playable: true` in the API | {server} | {S(r.ApiPlayableSeconds, "0.000")} | — | — |");
            }
            var firstFrameOk = r.FirstFrameSeconds is { } f && f <= Bench.FirstFrameTarget;
            Line($"| {label}: 201 → first frame on `/watch/{{id}}` ⁹ | {server} | {S(r.FirstFrameSeconds)} | ≤ {Bench.FirstFrameTarget} s | {verdict(firstFrameOk, r.FirstFrameSeconds is { } ff && !firstFrameOk ? Invariant($"{ff - Bench.FirstFrameTarget:0.00} s over") : null)} |");
            var stallOk = r.EndedSeconds is not null && r.StalledSeconds <= Bench.StallTarget;
            var stallWhy = r.EndedSeconds is null ? "never reached `ended`" : !stallOk ? Invariant($"{r.StalledSeconds - Bench.StallTarget:0.00} s over") : null;
            Line($"| {label}: total stall time, first frame → `ended` ⁹ | {server} | {r.StalledSeconds:0.00} s in {r.Stalls} stalls | ≤ {Bench.StallTarget} s | {verdict(stallOk, stallWhy)} |");
        }
        Line($"");
        Line($"8. Before the measured upload, the bench uploads its 60 s 1080p30 H.264 source to the same (fresh) server and waits until that video's ladder, in the encode lane at idle priority, has published a segment; whether it was still encoding when the viewer finished is in the timeline below. On the idle server the measured upload is the only video.");
        Line($"9. Chromium ({ChromiumFlags.Executable}, the browser tests' flags and a fresh profile, 1280x800) is launched before the upload; the moment the 201 arrives the bench opens `/watch/{{id}}`, and the browser tests' playback recorder (an init script) notes the first `timeupdate` with `currentTime > 0` (first frame), every `waiting` after it until the next `playing` (stalls) and `ended`. Page and bench read the same clock. One run per row.");
        Line($"");
        Line($"Timelines (seconds from the 201; job events from the server's log, page events from the page's clock and Resource Timing):");
        foreach (var r in rows)
        {
            var events = r.Timeline.Where(e => e.Seconds is not null).OrderBy(e => e.Seconds).Select(e => $"{e.Event} {S(e.Seconds, "0.000")}");
            var missing = r.Timeline.Where(e => e.Seconds is null).Select(e => e.Event).ToList();
            Line($"- {r.Source.Label}, {(r.Busy ? "busy" : "idle")} server: upload request → 201 {r.UploadSeconds:0.00} s (includes the probe); then {string.Join(" → ", events)}{(missing.Count > 0 ? "; not seen: " + string.Join(", ", missing) : "")}. {r.Notes}.{(r.PageErrors.Count > 0 ? " Page errors: " + string.Join(" | ", r.PageErrors.Take(5)) : "")}");
        }
    }
}
