// Reel benchmark driver, run by bench/run.sh (which generates the media and builds this program).
// Measures, in one run on this machine:
//   1. upload → playable and upload → ready for an H.264/AAC 1080p MP4 and a VP9/Opus 720p WebM, each on a
//      fresh server, against (a) the reference "ffmpeg → HLS" command's first segment and (b) Reel's own ladder
//      run as one ffmpeg process per rung;
//   2. the server's resident memory while it receives a 1 GiB upload;
//   3. the watch rows (WatchRows.cs): a 4K HEVC HLG and a 1080p60 10-bit H.264 upload watched in headless Chromium from
//      the 201, on an idle server and while another video's ladder encodes (--only watch runs these alone).
// Prints a Markdown report and writes it to OUT/results.md. Every process it starts is killed on exit or signal.
// --only smoke starts one server, asks it a question and stops it: the quick check that the bench still runs.
// The server is started by Reel.Testing's ServerProcess, the tests' own launcher (port 0, log capture, stop).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Reel.Bench;
using Reel.Media;
using Reel.Testing;
using static System.FormattableString;

var options = BenchOptions.Parse(args);
using var children = new Children(options.PidFile);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => children.KillAll();

var bench = new Bench(options, children);
try
{
    var report = await bench.RunAsync();
    Console.WriteLine();
    Console.Write(report);
    // A smoke run leaves the last real results where they are.
    var resultsPath = Path.Combine(options.OutDir, options.Smoke ? "smoke.md" : "results.md");
    await File.WriteAllTextAsync(resultsPath, report);
    Console.WriteLine();
    Console.WriteLine("Written to " + Path.GetRelativePath(Environment.CurrentDirectory, resultsPath));
    return 0;
}
catch (BenchException e)
{
    await Console.Error.WriteLineAsync("bench: FAILED: " + e.Message);
    return 1;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    await Console.Error.WriteLineAsync("bench: FAILED: " + e);
    return 1;
}
finally
{
    await children.StopAllAsync();
}

void OnSignal(PosixSignalContext context)
{
    Console.Error.WriteLine($"bench: received {context.Signal}; killing every process it started");
    children.KillAll();
}

namespace Reel.Bench
{
    /// <summary>A measurement that could not be made; the message says what happened.</summary>
    internal sealed class BenchException(string message) : Exception(message);

    /// <summary>
    /// <see cref="Only"/> is null for every row, "watch" for the watch rows alone (which need --h264, --hlg and
    /// --tenbit60 but not --vp9 and --big), or "smoke" for one server start and stop (which needs no media).
    /// </summary>
    internal sealed record BenchOptions(
        string ServerDll, string OutDir, string PidFile, string? H264, string? Vp9, string? Big, string? Hlg, string? TenBit60, string? Only, int Nproc, int Rounds)
    {
        public const string WatchRows = "watch";
        public const string SmokeRun = "smoke";

        public bool All => Only is null;

        public bool Watch => Only is null or WatchRows;

        public bool Smoke => Only is SmokeRun;

        public static BenchOptions Parse(string[] args)
        {
            const string Usage = "usage: --server DLL --out DIR --pid-file FILE --h264 MP4 [--vp9 WEBM --big MKV] [--hlg MP4 --tenbit60 MP4] [--only watch|smoke]";
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
                map[args[i]] = args[i + 1];
            string? Path(string name) => map.TryGetValue(name, out var v) && v.Length > 0 ? System.IO.Path.GetFullPath(v) : null;
            string Need(string name) => Path(name) ?? throw new ArgumentException($"missing {name}; {Usage}");
            var only = map.TryGetValue("--only", out var o) && o.Length > 0 && o != "all" ? o : null;
            if (only is not null and not WatchRows and not SmokeRun) throw new ArgumentException($"--only {only}: the rows that run alone are \"{WatchRows}\" and \"{SmokeRun}\"; {Usage}");
            var options = new BenchOptions(Need("--server"), Need("--out"), Need("--pid-file"), only == SmokeRun ? Path("--h264") : Need("--h264"), Path("--vp9"), Path("--big"),
                Path("--hlg"), Path("--tenbit60"), only,
                map.TryGetValue("--nproc", out var n) && int.TryParse(n, CultureInfo.InvariantCulture, out var cores) ? cores : Environment.ProcessorCount,
                map.TryGetValue("--rounds", out var r) && int.TryParse(r, CultureInfo.InvariantCulture, out var rounds) && rounds > 0 ? rounds : 1);
            if (options.All) { Need("--vp9"); Need("--big"); }
            if (options.Watch) { Need("--hlg"); Need("--tenbit60"); }
            return options;
        }
    }

    /// <summary>A test source and the targets it is held to.</summary>
    internal sealed record Source(string Key, string Label, string Path, string ContentType, double PlayableTargetSeconds, double? MinPlayableSpeedup);

    internal sealed record ReelResult(
        double UploadSeconds, double ApiPlayableSeconds, double PlayableSeconds, double ReadySeconds,
        string FirstRendition, long InitBytes, long SegmentBytes, double SegmentSeconds, IReadOnlyList<string> Renditions, double ServerCpuSeconds);

    internal sealed record ReferenceResult(double FirstSegmentSeconds, double SegmentDurationSeconds, string Command);

    internal sealed record LadderResult(double WallSeconds, IReadOnlyList<(string Rung, double Seconds)> Rungs);

    /// <summary>Every interleaved round of Reel and the two ladders is kept; each side is judged by its fastest.</summary>
    internal sealed record SourceResult(
        Source Source, long Bytes, double DurationSeconds, ReferenceResult Reference,
        IReadOnlyList<ReelResult> ReelRounds, IReadOnlyList<LadderResult> LadderRounds, IReadOnlyList<double> OneProcessRounds)
    {
        public ReelResult Reel => ReelRounds.MinBy(r => r.ReadySeconds)!;

        public LadderResult Ladder => LadderRounds.MinBy(l => l.WallSeconds)!;

        public double OneProcessLadderSeconds => OneProcessRounds.Min();
    }

    /// <summary>What processes other than the bench's own used while one measurement ran: a share of all cores.</summary>
    internal sealed record PhaseLoad(string Phase, double OthersShare, string Top);

    internal sealed record MemoryResult(
        long Bytes, double IdleRssMb, double PeakRssMb, double HwmMb, int Samples, double BodySentSeconds, double CreatedSeconds, double HwmBeforeUploadMb);

    internal sealed partial class Bench(BenchOptions options, Children children)
    {
        /// <summary>Reel's default ProcessingOptions.MaxPixels, so the baseline runs exactly Reel's arguments.</summary>
        private const long MaxPixels = 7680L * 4320;

        private const double LadderMinSpeedup = 1.15;
        private const double PeakRssTargetMb = 200;
        private const double QuietShare = 0.10;

        private readonly CpuMonitor _monitor = new();

        private readonly string _work = Path.Combine(options.OutDir, "work");
        private readonly string _logs = Path.Combine(options.OutDir, "logs");

        public async Task<string> RunAsync()
        {
            if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
            if (Directory.Exists(_logs)) Directory.Delete(_logs, recursive: true);
            Directory.CreateDirectory(_work);
            Directory.CreateDirectory(_logs);

            var started = DateTimeOffset.UtcNow;
            var machine = await Machine.DescribeAsync(options.Nproc);
            Progress($"{machine.Cpu}, {machine.Cores} cores, {machine.RamGib:0.0} GiB; {machine.Ffmpeg}");
            if (options.Smoke) return await SmokeAsync();

            var results = new List<SourceResult>();
            MemoryResult? memory = null;
            if (options.All)
            {
                results = await MeasureLaddersAsync();
                memory = await MeasureMemoryAsync();
            }
            var watch = options.Watch ? await MeasureWatchRowsAsync() : [];
            _monitor.EndPhase();

            return Report.Render(started, machine, results, memory, watch, _monitor.Phases, LadderMinSpeedup, PeakRssTargetMb, DateTimeOffset.UtcNow - started);
        }

        private async Task<List<SourceResult>> MeasureLaddersAsync()
        {
            Source[] sources =
            [
                new("h264", "H.264/AAC 1080p30 MP4", options.H264!, "video/mp4", 0.5, 4),
                new("vp9", "VP9/Opus 720p30 WebM", options.Vp9!, "video/webm", 1.5, null),
            ];
            var results = new List<SourceResult>();
            foreach (var source in sources)
            {
                var probe = await ProbeAsync(source.Path);
                // This machine's speed drifts by tens of percent over minutes (other tenants of the host), so Reel and
                // the baseline alternate for several rounds and each side is judged by its fastest: noise only adds time.
                var reels = new List<ReelResult>();
                var ladders = new List<LadderResult>();
                var oneProcessLadders = new List<double>();
                ReferenceResult? reference = null;
                for (var round = 1; round <= options.Rounds; round++)
                {
                    var of = Invariant($"round {round} of {options.Rounds}");
                    await BeginPhaseAsync(Invariant($"{source.Key} Reel {of}"));
                    Progress($"{source.Label}: Reel (fresh server), {of} ...");
                    var reel = await MeasureReelAsync(source);
                    reels.Add(reel);
                    Progress(Invariant($"  playable {reel.PlayableSeconds:0.000} s ({reel.FirstRendition}), ready {reel.ReadySeconds:0.0} s"));
                    if (reference is null)
                    {
                        await BeginPhaseAsync(Invariant($"{source.Key} reference"));
                        Progress($"{source.Label}: reference ffmpeg → HLS, first segment ...");
                        reference = await MeasureReferenceAsync(source);
                        Progress(Invariant($"  first segment {reference.FirstSegmentSeconds:0.000} s"));
                    }
                    await BeginPhaseAsync(Invariant($"{source.Key} separate ladder {of}"));
                    Progress($"{source.Label}: Reel's ladder as one ffmpeg process per rung, {of} ...");
                    var ladder = await MeasureSeparateLadderAsync(source, probe);
                    ladders.Add(ladder);
                    Progress(Invariant($"  all rungs done in {ladder.WallSeconds:0.0} s"));

                    await BeginPhaseAsync(Invariant($"{source.Key} one-process ladder {of}"));
                    Progress($"{source.Label}: Reel's ladder command alone, one ffmpeg process and no server, {of} ...");
                    var oneProcess = await MeasureOneProcessLadderAsync(source, probe);
                    oneProcessLadders.Add(oneProcess);
                    Progress(Invariant($"  done in {oneProcess:0.0} s"));
                }
                results.Add(new SourceResult(source, new FileInfo(source.Path).Length, probe.DurationSeconds, reference!, reels, ladders, oneProcessLadders));
            }
            return results;
        }

        /// <summary>One fresh server, as every row starts it: up, ready, answering the API and measurable, then stopped.</summary>
        private async Task<string> SmokeAsync()
        {
            Progress("smoke: one server start and stop ...");
            var clock = Stopwatch.StartNew();
            int pid;
            string answer;
            var logPath = LogPath("server-smoke");
            await using (var server = await BenchServer.StartAsync(options.ServerDll, NewDir("server-smoke"), logPath, children))
            {
                var up = clock.Elapsed.TotalSeconds;
                pid = server.Pid;
                server.Mark("smoke: ready");
                answer = await GetTextAsync(server.Client, new Uri(server.Client.BaseAddress!, "api/config"));
                if (!answer.Contains("\"upload\"", StringComparison.Ordinal)) throw new BenchException("GET /api/config answered without its upload limits: " + answer);
                Progress(Invariant($"  ready on {server.Client.BaseAddress} after {up:0.0} s (pid {pid}, {server.CpuSeconds():0.0} s of CPU)"));
            }
            if (File.Exists(Invariant($"/proc/{pid}/stat"))) throw new BenchException(Invariant($"the server (pid {pid}) is still running after it was stopped"));
            if (!File.ReadLines(options.PidFile).Any(l => l.StartsWith(Invariant($"{pid} "), StringComparison.Ordinal)))
                throw new BenchException(Invariant($"the server (pid {pid}) is not in {options.PidFile}: bench/run.sh could not kill it"));
            if (!File.ReadLines(logPath).Any(l => l.Contains("---- bench: smoke: ready", StringComparison.Ordinal)))
                throw new BenchException($"the bench's mark is not in the server's log {logPath}");
            return Invariant($"# Reel bench smoke\n\nA server started from {options.ServerDll}, answered /readyz and GET /api/config, was stopped and is gone, in {clock.Elapsed.TotalSeconds:0.0} s. Log: {logPath}\n");
        }

        private async Task<MemoryResult> MeasureMemoryAsync()
        {
            await BeginPhaseAsync("1 GiB upload");
            Progress("1 GiB upload: server memory (fresh server) ...");
            var memory = await MeasureUploadMemoryAsync(options.Big!);
            Progress(Invariant($"  peak VmRSS {memory.PeakRssMb:0.0} MB, VmHWM {memory.HwmMb:0.0} MB, {memory.Bytes / 1e6 / memory.CreatedSeconds:0} MB/s"));
            return memory;
        }

        /// <summary>
        /// Other work on this small machine (a test run, a build) distorts every figure. Before each measurement, wait
        /// up to two minutes for other processes to leave the CPU nearly idle; during it, account what they use, so the
        /// report says how clean each figure is.
        /// </summary>
        private async Task BeginPhaseAsync(string phase)
        {
            _monitor.EndPhase();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var (share, top) = await _monitor.MeasureOthersAsync(TimeSpan.FromSeconds(1));
                if (share <= QuietShare)
                    break;
                if (clock.Elapsed > TimeSpan.FromSeconds(120))
                {
                    Progress(Invariant($"  WARNING: other processes still use {share:P0} of the machine ({top}); measuring anyway"));
                    break;
                }
                if (clock.Elapsed < TimeSpan.FromSeconds(1.5))
                    Progress(Invariant($"  other processes use {share:P0} of the machine ({top}); waiting up to 120 s for them to settle"));
                await Task.Delay(1000);
            }
            _monitor.BeginPhase(phase);
        }

        // ---- Reel: upload → playable → ready -------------------------------------------------------------------

        private async Task<ReelResult> MeasureReelAsync(Source source)
        {
            await using var server = await BenchServer.StartAsync(options.ServerDll, NewDir("server-" + source.Key), LogPath("server-" + source.Key), children);
            var client = server.Client;

            var upload = await UploadAsync(client, source.Path, source.ContentType);
            var t0 = upload.CreatedAt; // the moment the 201 arrived
            server.Mark("201 received: T0");
            var cpuAtT0 = server.CpuSeconds();
            var id = upload.Video.GetProperty("id").GetString() ?? throw new BenchException("the 201 has no id");

            // Poll the video object every ~10 ms until the API says playable.
            var video = upload.Video;
            while (!video.GetProperty("playable").GetBoolean())
            {
                CheckNotFailed(video);
                if (Since(t0) > 120) throw new BenchException($"{source.Label}: not playable 120 s after the upload");
                await Task.Delay(10);
                video = await GetVideoAsync(client, id);
            }
            var apiPlayable = Since(t0);

            // A player's first requests: master → first media playlist it lists → init segment → first segment.
            var masterUri = new Uri(client.BaseAddress!, video.GetProperty("streamUrl").GetString());
            var master = await GetTextAsync(client, masterUri);
            var mediaRef = master.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))
                ?? throw new BenchException($"the master playlist lists no rendition:\n{master}");
            var mediaUri = new Uri(masterUri, mediaRef);
            var playlist = HlsPlaylists.ParseMedia(await GetTextAsync(client, mediaUri));
            if (playlist.Segments.Count == 0)
                throw new BenchException($"the API said playable but {mediaUri} lists no segment (contract: playable means at least one segment)");
            long initBytes = 0;
            if (playlist.InitUri is { } init)
                initBytes = (await GetBytesAsync(client, new Uri(mediaUri, init))).Length;
            var segment = await GetBytesAsync(client, new Uri(mediaUri, playlist.Segments[0].Uri));
            if (segment.Length == 0) throw new BenchException("the first segment is empty");
            var playable = Since(t0);
            server.Mark(Invariant($"first segment fetched: playable at T0 + {playable:0.000} s"));

            // Then every ~100 ms until ready.
            while (video.GetProperty("status").GetString() != "ready")
            {
                CheckNotFailed(video);
                if (Since(t0) > 600) throw new BenchException($"{source.Label}: not ready 600 s after the upload");
                await Task.Delay(100);
                video = await GetVideoAsync(client, id);
            }
            var ready = Since(t0);
            server.Mark(Invariant($"status ready at T0 + {ready:0.000} s"));
            var serverCpu = server.CpuSeconds() - cpuAtT0;
            var renditions = video.GetProperty("renditions").EnumerateArray().Select(r => r.GetProperty("name").GetString() ?? "?").ToList();

            return new ReelResult(upload.Seconds, apiPlayable, playable, ready, mediaRef.Split('/')[0], initBytes, segment.Length,
                playlist.Segments[0].DurationSeconds, renditions, serverCpu);
        }

        private static void CheckNotFailed(JsonElement video)
        {
            if (video.GetProperty("status").GetString() == "failed")
                throw new BenchException("the video failed: " + video.GetProperty("error").GetRawText());
        }

        // ---- Baseline (a): the reference command, time to its first segment ------------------------------------

        private async Task<ReferenceResult> MeasureReferenceAsync(Source source)
        {
            var dir = NewDir("reference-" + source.Key);
            var playlistPath = Path.Combine(dir, "index.m3u8");
            List<string> args =
            [
                "-nostdin", "-hide_banner", "-loglevel", "error",
                "-i", source.Path, "-c:v", "libx264", "-preset", "fast", "-c:a", "aac",
                "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "event", playlistPath,
            ];
            var clock = Stopwatch.StartNew();
            var process = children.Start("ffmpeg", args, LogPath("reference-" + source.Key), logStdout: false);
            try
            {
                while (true)
                {
                    if (ReadIfExists(playlistPath) is { } text && text.Contains("index0.ts", StringComparison.Ordinal))
                    {
                        var seconds = clock.Elapsed.TotalSeconds;
                        var segments = HlsPlaylists.ParseMedia(text).Segments;
                        var length = segments.Count > 0 ? segments[0].DurationSeconds : double.NaN;
                        return new ReferenceResult(seconds, length, "ffmpeg " + string.Join(' ', args.Skip(4)));
                    }
                    if (process.HasExited)
                        throw new BenchException($"the reference ffmpeg exited ({process.ExitCode}) before its first segment; see {LogPath("reference-" + source.Key)}");
                    if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new BenchException("the reference ffmpeg wrote no segment in 120 s");
                    await Task.Delay(10);
                }
            }
            finally
            {
                // Only the first-segment time is wanted; the rest of the encode would just lengthen the run.
                await children.StopAsync(process);
            }
        }

        // ---- Baselines (b): Reel's ladder as one ffmpeg process per rung, and Reel's ladder command alone ----------

        /// <summary>The same builder Reel uses, given a one-rung plan per process: identical filters, x264 and HLS settings.</summary>
        private Task<LadderResult> MeasureSeparateLadderAsync(Source source, MediaProbe probe)
        {
            var plan = LadderPlanner.Plan(probe);
            return MeasureLadderProcessesAsync($"ladder-{source.Key}", source, [.. plan.Renditions.Select(rung => plan with { Renditions = [rung] })]);
        }

        /// <summary>
        /// The exact ladder command Reel runs, alone, without the server around it: how much sharing one decode and one
        /// audio encode among the rungs can gain at all, so what Reel's own figure is to be read against.
        /// </summary>
        private async Task<double> MeasureOneProcessLadderAsync(Source source, MediaProbe probe) =>
            (await MeasureLadderProcessesAsync($"one-process-ladder-{source.Key}", source, [LadderPlanner.Plan(probe)])).WallSeconds;

        /// <summary>
        /// Runs one ladder ffmpeg per plan, concurrently at Reel's lowered priority, and times them from the first start
        /// until the last exit; each must finish every rung of its plan.
        /// </summary>
        private async Task<LadderResult> MeasureLadderProcessesAsync(string name, Source source, IReadOnlyList<LadderPlan> plans)
        {
            var runs = new List<(LadderPlan Plan, string Label, string Dir, Process Process, string Log)>();
            var commands = new List<string>();
            var clock = Stopwatch.StartNew();
            foreach (var plan in plans)
            {
                var label = string.Join('+', plan.Renditions.Select(r => r.Name));
                var dir = NewDir($"{name}-{label}");
                foreach (var folder in FfmpegArgs.LadderFolders(plan, dir))
                    Directory.CreateDirectory(folder);
                var args = FfmpegArgs.LadderHls(source.Path, plan, dir, "bench", MaxPixels);
                commands.Add("ffmpeg " + string.Join(' ', args.Select(Quote)));
                var log = LogPath($"{name}-{label}");
                runs.Add((plan, label, dir, children.Start("ffmpeg", args, log, logStdout: false, lowerPriority: true), log));
            }
            await File.WriteAllLinesAsync(LogPath($"{name}-commands"), commands);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(600));
            var exits = runs.Select(async run =>
            {
                await run.Process.WaitForExitAsync(timeout.Token);
                return clock.Elapsed.TotalSeconds;
            }).ToList();
            await Task.WhenAll(exits);
            var wall = clock.Elapsed.TotalSeconds;

            var finished = new List<(string, double)>();
            foreach (var ((plan, label, dir, process, log), exit) in runs.Zip(exits))
            {
                finished.Add((label, await exit));
                var unfinished = FfmpegArgs.LadderFolders(plan, dir)
                    .Any(folder => !(ReadIfExists(Path.Combine(folder, "index.m3u8")) ?? "").Contains("#EXT-X-ENDLIST", StringComparison.Ordinal));
                if (process.ExitCode != 0 || unfinished)
                    throw new BenchException($"the {label} ffmpeg failed (exit {process.ExitCode}); see {log}");
                await children.StopAsync(process);
            }
            return new LadderResult(wall, finished);
        }

        // ---- Server memory during a 1 GiB upload ------------------------------------------------------------------

        private async Task<MemoryResult> MeasureUploadMemoryAsync(string path)
        {
            await using var server = await BenchServer.StartAsync(options.ServerDll, NewDir("server-upload"), LogPath("server-upload"), children);
            var pid = server.Pid;
            await Task.Delay(500); // let start-up settle, so "idle" means idle
            var idle = ProcStatus.Read(pid);

            using var stop = new CancellationTokenSource();
            long peakRssKb = 0;
            var samples = 0;
            var sampler = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
                do
                {
                    if (ProcStatus.Read(pid) is { } s)
                    {
                        peakRssKb = Math.Max(peakRssKb, s.RssKb);
                        samples++;
                    }
                }
                while (await timer.WaitForNextTickAsync(stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
            });

            UploadResult upload;
            try
            {
                upload = await UploadAsync(server.Client, path, "video/x-matroska");
            }
            finally
            {
                await stop.CancelAsync();
                await sampler;
            }
            var atEnd = ProcStatus.Read(pid) ?? throw new BenchException("the server exited during the upload");
            peakRssKb = Math.Max(peakRssKb, atEnd.RssKb);

            var id = upload.Video.GetProperty("id").GetString();
            // An anonymous upload is managed with the token its 201 carries.
            using var deleteRequest = new HttpRequestMessage(HttpMethod.Delete, new Uri($"api/videos/{id}", UriKind.Relative));
            deleteRequest.Headers.Add("Reel-Manage-Token", upload.Video.GetProperty("manageToken").GetString());
            using (var delete = await server.Client.SendAsync(deleteRequest))
            {
                if (delete.StatusCode != HttpStatusCode.NoContent)
                    throw new BenchException($"DELETE answered {(int)delete.StatusCode}");
            }

            return new MemoryResult(upload.Bytes, Mb(idle?.RssKb ?? 0), Mb(peakRssKb), Mb(atEnd.HwmKb), samples,
                upload.BodySentSeconds, upload.Seconds, Mb(idle?.HwmKb ?? 0));
        }

        private static double Mb(long kb) => kb * 1024 / 1e6;

        // ---- HTTP helpers -------------------------------------------------------------------------------------------

        private sealed record UploadResult(JsonElement Video, long Bytes, double Seconds, double BodySentSeconds, long CreatedAt);

        /// <summary>Streams the file as the raw request body; returns when the 201 arrives.</summary>
        private static async Task<UploadResult> UploadAsync(HttpClient client, string path, string contentType)
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using var body = new EndTimingStream(file);
            using var content = new StreamContent(body, 256 * 1024);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            content.Headers.ContentLength = file.Length;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("api/videos", UriKind.Relative)) { Content = content };
            var start = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var createdAt = Stopwatch.GetTimestamp();
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Created)
                throw new BenchException($"upload of {Path.GetFileName(path)} answered {(int)response.StatusCode}: {text}");
            using var json = JsonDocument.Parse(text);
            var bodySent = body.EndedAt is { } end ? Stopwatch.GetElapsedTime(start, end).TotalSeconds : double.NaN;
            return new UploadResult(json.RootElement.Clone(), file.Length, Stopwatch.GetElapsedTime(start, createdAt).TotalSeconds, bodySent, createdAt);
        }

        private static async Task<JsonElement> GetVideoAsync(HttpClient client, string id)
        {
            using var json = JsonDocument.Parse(await GetTextAsync(client, new Uri(client.BaseAddress!, $"api/videos/{id}")));
            return json.RootElement.Clone();
        }

        private static async Task<string> GetTextAsync(HttpClient client, Uri uri) =>
            Encoding.UTF8.GetString(await GetBytesAsync(client, uri));

        private static async Task<byte[]> GetBytesAsync(HttpClient client, Uri uri)
        {
            using var response = await client.GetAsync(uri);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode == HttpStatusCode.OK
                ? bytes
                : throw new BenchException($"GET {uri.PathAndQuery} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        }

        // ---- misc ---------------------------------------------------------------------------------------------------

        private static async Task<MediaProbe> ProbeAsync(string path)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return FfprobeParser.Parse(await Ffmpeg.ExecAsync("ffprobe", FfmpegArgs.Probe(path), timeout.Token));
        }

        private static double Since(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds;

        private string NewDir(string name) => Directory.CreateDirectory(Path.Combine(_work, name)).FullName;

        private string LogPath(string name) => Path.Combine(_logs, name + ".log");

        private static string? ReadIfExists(string path)
        {
            try
            {
                return File.Exists(path) ? File.ReadAllText(path) : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static string Quote(string arg) =>
            arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+".Contains(c, StringComparison.Ordinal)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        private static void Progress(string message) => Console.Error.WriteLine("bench: " + message);
    }

    /// <summary>
    /// A fresh Reel server with its own data directory, started by the tests' launcher (<see cref="ServerProcess"/>): on a
    /// port it picks itself, its log lines stamped with the bench's clock, its pid in the pid file. Disposing kills it
    /// (and its ffmpeg runs) and removes the data.
    /// </summary>
    internal sealed class BenchServer : IAsyncDisposable
    {
        private readonly Children _children;
        private readonly ServerProcess _server;
        private readonly Process _process;
        private readonly string _dataDir;

        private BenchServer(Children children, ServerProcess server, Process process, string dataDir)
        {
            _children = children;
            _server = server;
            _process = process;
            _dataDir = dataDir;
            Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
            {
                BaseAddress = server.BaseAddress,
                Timeout = TimeSpan.FromMinutes(10),
            };
        }

        public HttpClient Client { get; }

        public int Pid => _server.ProcessId;

        /// <summary>CPU time the server process itself has used (user + system, not its ffmpeg children), from /proc/PID/stat.</summary>
        public double CpuSeconds()
        {
            var stat = File.ReadAllText(Invariant($"/proc/{Pid}/stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        /// <summary>Writes a bench event into the server's log, between its own (time-stamped) lines.</summary>
        public void Mark(string text) => _server.WriteLog("---- bench: " + text);

        /// <summary>Returns once the server answers /readyz: database, storage and ffmpeg usable, as a measurement needs.</summary>
        public static async Task<BenchServer> StartAsync(string dll, string dataDir, string logPath, Children children)
        {
            Process? process = null;
            ServerProcess server;
            try
            {
                server = await ServerProcess.StartAsync(new ServerStart(dll, dataDir)
                {
                    LogPath = logPath,
                    LogClock = () => children.Elapsed,
                    Started = started => children.Track(process = started),
                    ReadyPath = "/readyz",
                });
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                if (process is not null) children.Forget(process);
                throw new BenchException($"the server did not start: {e.Message.Split('\n')[0]}; see {logPath}");
            }
            return new BenchServer(children, server, process!, dataDir);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _server.DisposeAsync();
            _children.Forget(_process);
            // Best effort; the next run clears bench/out/work.
            TempDirs.Delete(_dataDir);
        }
    }

    /// <summary>
    /// Every process the bench starts. Each is written to the pid file ("pid starttime") so bench/run.sh can kill
    /// it even if this program dies; <see cref="KillAll"/> runs on SIGTERM/SIGINT/SIGHUP and at exit.
    /// </summary>
    internal sealed class Children(string pidFile) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<Process> _running = [];
        private readonly Dictionary<int, StreamWriter> _logs = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public Process Start(string executable, IEnumerable<string> args, string logPath, bool logStdout, bool lowerPriority = false)
        {
            var info = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in args) info.ArgumentList.Add(arg);
            var log = new StreamWriter(logPath, append: true, Encoding.UTF8) { AutoFlush = true };
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) =>
            {
                if (logStdout && e.Data is not null) Write(log, e.Data);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) Write(log, e.Data);
            };
            lock (_gate)
            {
                process.Start();
                _running.Add(process);
                _logs[process.Id] = log;
                File.AppendAllText(pidFile, Invariant($"{process.Id} {StartTime(process.Id)}\n"));
            }
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (lowerPriority)
            {
                // Reel runs its ffmpeg at BelowNormal; the baseline ladder gets the same treatment.
                try
                {
                    process.PriorityClass = ProcessPriorityClass.BelowNormal;
                }
                catch (InvalidOperationException)
                {
                    // already exited
                }
            }
            return process;
        }

        /// <summary>The clock every log line is stamped with.</summary>
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>The clock every log line is stamped with, in seconds.</summary>
        public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

        /// <summary>Takes over a process something else started and writes it to the pid file; it is killed with the rest.</summary>
        public void Track(Process process)
        {
            lock (_gate)
            {
                _running.Add(process);
                File.AppendAllText(pidFile, Invariant($"{process.Id} {StartTime(process.Id)}\n"));
            }
        }

        /// <summary>Lets go of a process that whoever started it has stopped and disposed.</summary>
        public void Forget(Process process)
        {
            lock (_gate) _running.Remove(process);
        }

        /// <summary>
        /// Takes over a process something else started (the Playwright driver): it is written to the pid file and killed
        /// with the rest. Null if it is gone already.
        /// </summary>
        public Process? Adopt(int pid)
        {
            try
            {
                var process = Process.GetProcessById(pid);
                Track(process);
                return process;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        // Every line gets the bench's clock, as the servers' lines do, so they can be set against T0 and each other.
        private void Write(StreamWriter log, string line)
        {
            var stamped = ServerProcess.Stamp(_clock.Elapsed) + line;
            lock (log) log.WriteLine(stamped);
        }

        /// <summary>Kills the process and everything it started, and waits for it.</summary>
        public async Task StopAsync(Process process)
        {
            Kill(process);
            await process.WaitForExitAsync();
            lock (_gate) _running.Remove(process);
        }

        public async Task StopAllAsync()
        {
            List<Process> all;
            lock (_gate) all = [.. _running];
            foreach (var process in all) await StopAsync(process);
        }

        public void KillAll()
        {
            lock (_gate)
            {
                foreach (var process in _running) Kill(process);
            }
        }

        public void Dispose()
        {
            KillAll();
            lock (_gate)
            {
                foreach (var process in _running) process.Dispose();
                foreach (var log in _logs.Values) lock (log) log.Dispose();
                _running.Clear();
                _logs.Clear();
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }

        // Field 22 of /proc/PID/stat (start time in clock ticks), counted the way `cut -d' ' -f22` counts it.
        private static string StartTime(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields[19];
            }
            catch (IOException)
            {
                return "0";
            }
        }
    }

    /// <summary>VmRSS and VmHWM of a process, in kB, from /proc/PID/status.</summary>
    internal readonly record struct ProcStatus(long RssKb, long HwmKb)
    {
        public static ProcStatus? Read(int pid)
        {
            string text;
            try
            {
                text = File.ReadAllText($"/proc/{pid}/status");
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            long rss = -1, hwm = -1;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line);
            }
            return rss < 0 || hwm < 0 ? null : new ProcStatus(rss, hwm);

            static long Kb(string line) =>
                long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Passes reads through and notes when the end of the stream was reached (the last body byte handed to the socket).</summary>
    internal sealed class EndTimingStream(Stream inner) : Stream
    {
        public long? EndedAt { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Note(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Note(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Note(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Note(int read)
        {
            if (read == 0) EndedAt ??= Stopwatch.GetTimestamp();
            return read;
        }
    }

    /// <summary>
    /// Accounts CPU time of processes that are not the bench's own (not descendants of this process), from /proc,
    /// sampled every second while a phase runs. Clock ticks of /proc/stat and /proc/PID/stat share one unit.
    /// </summary>
    internal sealed class CpuMonitor
    {
        private readonly Lock _gate = new();
        private readonly int _self = Environment.ProcessId;
        private readonly List<PhaseLoad> _phases = [];
        private Snapshot? _last;
        private string? _phase;
        private long _phaseTotal;
        private Dictionary<string, long> _phaseOthers = new(StringComparer.Ordinal);
        private int _generation;

        public IReadOnlyList<PhaseLoad> Phases
        {
            get
            {
                lock (_gate) return [.. _phases];
            }
        }

        public void BeginPhase(string phase)
        {
            int generation;
            lock (_gate)
            {
                _phase = phase;
                _phaseTotal = 0;
                _phaseOthers = new(StringComparer.Ordinal);
                _last = Snapshot.Take();
                generation = ++_generation;
            }
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    await Task.Delay(1000);
                    lock (_gate)
                    {
                        if (generation != _generation) return;
                        AccountLocked();
                    }
                }
            });
        }

        public void EndPhase()
        {
            lock (_gate)
            {
                _generation++;
                if (_phase is null) return;
                AccountLocked();
                var others = _phaseOthers.Values.Sum();
                _phases.Add(new PhaseLoad(_phase, _phaseTotal > 0 ? (double)others / _phaseTotal : 0, Top(_phaseOthers, _phaseTotal)));
                _phase = null;
            }
        }

        /// <summary>Share of all cores that other processes use over <paramref name="interval"/>, and the top users.</summary>
        public async Task<(double Share, string Top)> MeasureOthersAsync(TimeSpan interval)
        {
            var before = Snapshot.Take();
            await Task.Delay(interval);
            var after = Snapshot.Take();
            var others = Others(before, after);
            var total = after.Total - before.Total;
            return (total > 0 ? (double)others.Values.Sum() / total : 0, Top(others, total));
        }

        private void AccountLocked()
        {
            if (_last is null) return;
            var now = Snapshot.Take();
            _phaseTotal += now.Total - _last.Total;
            foreach (var (name, ticks) in Others(_last, now))
                _phaseOthers[name] = _phaseOthers.GetValueOrDefault(name) + ticks;
            _last = now;
        }

        private Dictionary<string, long> Others(Snapshot before, Snapshot after)
        {
            var byName = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (pid, p) in after.Processes)
            {
                if (IsOurs(pid, after)) continue;
                var delta = p.Ticks - (before.Processes.TryGetValue(pid, out var b) ? b.Ticks : 0);
                if (delta > 0) byName[p.Name] = byName.GetValueOrDefault(p.Name) + delta;
            }
            return byName;
        }

        private bool IsOurs(int pid, Snapshot snapshot)
        {
            for (var depth = 0; depth < 64 && pid > 1; depth++)
            {
                if (pid == _self) return true;
                if (!snapshot.Processes.TryGetValue(pid, out var p)) return false;
                pid = p.Parent;
            }
            return false;
        }

        private static string Top(Dictionary<string, long> byName, long total)
        {
            var perCore = total / (double)Math.Max(1, Environment.ProcessorCount);
            var top = byName.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Take(3)
                .Select(p => Invariant($"{p.Key} {p.Value / Math.Max(1, perCore):P0} of a core")).ToList();
            return top.Count == 0 ? "none" : string.Join(", ", top);
        }

        private sealed record Snapshot(long Total, Dictionary<int, (int Parent, string Name, long Ticks)> Processes)
        {
            public static Snapshot Take()
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                var processes = new Dictionary<int, (int, string, long)>();
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                    try
                    {
                        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                        var open = stat.IndexOf('(', StringComparison.Ordinal);
                        var close = stat.LastIndexOf(')');
                        var rest = stat[(close + 2)..].Split(' ');
                        // After "pid (name)": state, ppid, ... utime and stime are the 12th and 13th.
                        processes[pid] = (
                            int.Parse(rest[1], CultureInfo.InvariantCulture),
                            stat[(open + 1)..close],
                            long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture));
                    }
                    catch (IOException)
                    {
                        // the process ended meanwhile
                    }
                }
                return new Snapshot(fields.Sum(), processes);
            }
        }
    }

    internal sealed record Machine(int Cores, string Cpu, double RamGib, string Ffmpeg, string Os)
    {
        public static async Task<Machine> DescribeAsync(int cores)
        {
            var cpuinfo = await File.ReadAllLinesAsync("/proc/cpuinfo");
            var cpu = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
            var memTotal = (await File.ReadAllLinesAsync("/proc/meminfo")).First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var ramKb = long.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var ffmpeg = (await Reel.Testing.Ffmpeg.RunAsync(["-hide_banner", "-version"], timeout.Token)).Split('\n')[0].Trim();
            var osRelease = File.Exists("/etc/os-release")
                ? (await File.ReadAllLinesAsync("/etc/os-release")).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
                : null;
            return new Machine(cores, cpu, ramKb / 1024.0 / 1024.0, ffmpeg,
                $"{osRelease ?? RuntimeInformation.OSDescription}, kernel {Environment.OSVersion.Version}, .NET {Environment.Version}");
        }
    }

    internal static class Report
    {
        public static string Render(DateTimeOffset started, Machine machine, IReadOnlyList<SourceResult> results, MemoryResult? memory,
            IReadOnlyList<WatchResult> watch, IReadOnlyList<PhaseLoad> phases, double ladderMinSpeedup, double peakRssTargetMb, TimeSpan took)
        {
            var passed = 0;
            var total = 0;
            string Verdict(bool ok, string? why = null)
            {
                total++;
                if (ok) passed++;
                return ok ? "PASS" : why is null ? "**FAIL**" : $"**FAIL** ({why})";
            }

            var md = new StringBuilder();
            void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));

            Line($"# Reel benchmark");
            Line($"");
            Line($"- Date: {started:yyyy-MM-dd HH:mm} UTC (run took {took.TotalMinutes:0.0} min)");
            Line($"- Machine: {machine.Cores} cores (nproc), {machine.Cpu}, {machine.RamGib:0.0} GiB RAM; {machine.Os}");
            Line($"- {machine.Ffmpeg}");
            foreach (var r in results)
                Line($"- Source {r.Source.Label}: {r.DurationSeconds:0.0} s, {r.Bytes / 1e6:0.0} MB ({r.Bytes * 8 / r.DurationSeconds / 1e6:0.0} Mb/s), `{Path.GetFileName(r.Source.Path)}`");
            foreach (var source in watch.Select(w => w.Source).Distinct())
            {
                var bytes = new FileInfo(source.Path).Length;
                var seconds = watch.First(w => w.Source == source).DurationSeconds;
                Line($"- Watch source {source.Label}: {seconds:0.0} s, {bytes / 1e6:0.0} MB ({bytes * 8 / seconds / 1e6:0.0} Mb/s), `{Path.GetFileName(source.Path)}`");
            }
            if (memory is not null)
                Line($"- Upload test file: {memory.Bytes:N0} bytes, 640x360 rawvideo MKV");
            Line($"- CPU used by other processes during each measurement (share of all cores): {string.Join(", ", phases.Select(p => Invariant($"{p.Phase} {p.OthersShare:P0}")))}");
            foreach (var p in phases.Where(p => p.OthersShare > 0.10))
                Line($"- **WARNING: the machine was not idle during \"{p.Phase}\"**: other processes used {p.OthersShare:P0} of its CPU ({p.Top}), so that figure is slower than on an idle machine.");
            if (results.Count > 0 && memory is not null)
                RenderLadders(md, results, memory, machine, ladderMinSpeedup, peakRssTargetMb, Verdict);
            if (watch.Count > 0)
                WatchReport.Render(md, watch, Verdict);
            Line($"");
            Line($"Targets met: {passed} of {total}.");
            return md.ToString();
        }

        private static void RenderLadders(StringBuilder md, IReadOnlyList<SourceResult> results, MemoryResult memory, Machine machine,
            double ladderMinSpeedup, double peakRssTargetMb, Func<bool, string?, string> verdict)
        {
            string Verdict(bool ok, string? why = null) => verdict(ok, why);

            static string Times(double ratio, string format) =>
                ratio.ToString(format, CultureInfo.InvariantCulture) + (ratio >= 1 ? "x faster" : "x (slower)");

            void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));

            Line($"");
            Line($"| Measurement | Reel | Baseline (same source, same run) | Reel vs baseline | Target | Result |");
            Line($"|---|---|---|---|---|---|");
            foreach (var r in results)
            {
                var speedup = r.Reference.FirstSegmentSeconds / r.Reel.PlayableSeconds;
                var playableOk = r.Reel.PlayableSeconds <= r.Source.PlayableTargetSeconds;
                var speedupOk = r.Source.MinPlayableSpeedup is not { } min || speedup >= min;
                var target = r.Source.MinPlayableSpeedup is { } m ? $"≤ {r.Source.PlayableTargetSeconds} s and ≥ {m}x" : $"≤ {r.Source.PlayableTargetSeconds} s";
                var why = !playableOk && !speedupOk ? "time and ratio" : !playableOk ? "time" : !speedupOk ? "ratio" : null;
                Line($"| {r.Source.Label}: 201 → first segment fetched ¹ | {r.Reel.PlayableSeconds:0.000} s | {r.Reference.FirstSegmentSeconds:0.000} s: reference ffmpeg → HLS, first segment listed ² | {Times(speedup, "0.0")} | {target} | {Verdict(playableOk && speedupOk, why)} |");

                var ladderSpeedup = r.Ladder.WallSeconds / r.Reel.ReadySeconds;
                var ladderName = $"same ladder ({string.Join('/', r.Ladder.Rungs.Select(x => x.Rung))}) as {r.Ladder.Rungs.Count} concurrent ffmpeg processes";
                Line($"| {r.Source.Label}: 201 → status ready ³ | {r.Reel.ReadySeconds:0.0} s | {r.Ladder.WallSeconds:0.0} s: {ladderName} ⁴ | {Times(ladderSpeedup, "0.00")} | ≥ {ladderMinSpeedup}x | {Verdict(ladderSpeedup >= ladderMinSpeedup)} |");
                Line($"| {r.Source.Label}: Reel's ladder command alone, one ffmpeg process, no server ⁷ | {r.OneProcessLadderSeconds:0.0} s | {r.Ladder.WallSeconds:0.0} s: {ladderName} ⁴ | {Times(r.Ladder.WallSeconds / r.OneProcessLadderSeconds, "0.00")} | — | — |");
            }
            Line($"| 1 GiB upload: server peak VmRSS ⁵ | {memory.PeakRssMb:0.0} MB | idle before upload: {memory.IdleRssMb:0.0} MB | — | ≤ {peakRssTargetMb} MB | {Verdict(memory.PeakRssMb <= peakRssTargetMb)} |");
            Line($"| 1 GiB upload: server VmHWM (lifetime peak) ⁵ | {memory.HwmMb:0.0} MB | before upload: {memory.HwmBeforeUploadMb:0.0} MB | — | — | — |");
            Line($"| 1 GiB upload: throughput (request start → 201) ⁶ | {memory.Bytes / 1e6 / memory.CreatedSeconds:0} MB/s ({memory.CreatedSeconds:0.00} s) | body sent after {memory.BodySentSeconds:0.00} s ({memory.Bytes / 1e6 / memory.BodySentSeconds:0} MB/s) | — | — | — |");
            Line($"");
            Line($"1. T0 is the moment the `201 Created` of `POST /api/videos` (raw body) arrives. The bench then polls `GET /api/videos/{{id}}` every ~10 ms until `playable`, and fetches the master playlist, the first media playlist it lists, its `EXT-X-MAP` init segment and its first segment, as a player would; the figure is T0 → that segment received. Upload (request start → 201, including Reel's probe): {string.Join("; ", results.Select(r => Invariant($"{r.Source.Label} {r.Reel.UploadSeconds:0.00} s")))}.");
            Line($"2. `{results[0].Reference.Command}` (shown for the H.264 source; the VP9 run is the same with its file), preceded only by `-nostdin -hide_banner -loglevel error`; time from process start until `index0.ts` is listed in `index.m3u8` (polled every 10 ms), then the process is killed. With no `-g`, x264's default keyframe interval (250 frames) decides where the HLS muxer can cut: the first segment is {string.Join(", ", results.Select(r => Invariant($"{r.Source.Key} {r.Reference.SegmentDurationSeconds:0.##} s")))} of video.");
            Line($"3. From T0 until `status` is `ready`, polled every ~100 ms. This includes everything Reel does after the upload besides the ladder: the fast-start remux of a browser-compatible source, the poster thumbnail, the storyboard sprites and the progressive download copy (copied from the source, or made from the top rendition), and the server's own work while ffmpeg runs. The baseline does none of that, so the comparison favours the baseline. Reel (a fresh server each time) and the baseline run alternately for `--rounds` rounds (`BENCH_ROUNDS`, default 3), and each side's figure is its fastest round: this machine's speed drifts over minutes, and drift only ever adds time. Every round is listed under Details.");
            Line($"4. The argument lists come from Reel's own `FfmpegArgs.LadderHls` given a one-rung plan, so presets, filters, bitrates and HLS settings are identical (libx264 veryfast, CRF 21, maxrate per rung with bufsize 2x, fps=30, scale, `-sc_threshold 0`, forced keyframes, AAC 128k stereo, fMP4 HLS). They run concurrently at the same lowered priority as Reel's ffmpeg; wall time from the first start until the last exits. The exact commands are in `bench/out/logs/ladder-*-commands.log`.");
            Line($"5. `VmRSS` of the server process sampled from `/proc/PID/status` every 20 ms ({memory.Samples} samples) from the start of the upload until the 201; `VmHWM` read at the 201. MB = 10^6 bytes. The server is a fresh process; the client (this bench, a separate process) streams the file with `StreamContent` and `Content-Length`.");
            Line($"6. Includes the server's fsync of the stored upload and its probe of the file. Client and server share the machine's {machine.Cores} cores.");
            Line($"7. The command Reel's server runs for the ladder (`FfmpegArgs.LadderHls` with the whole plan), run by the bench with nothing around it, alternating with the other two in every round; fastest round. One process decodes the source once and encodes the audio once for all rungs, which is all it can share: every rung's scaling and x264 encode are the same work as in the separate processes. So this ratio is the most any one-process ladder with these settings can gain over separate processes on this machine, and Reel's ratio to ready can only be lower, by the server's own work (see Details).");
            Line($"");
            Line($"Details:");
            foreach (var r in results)
            {
                Line($"- {r.Source.Label}: API said playable at {r.Reel.ApiPlayableSeconds:0.000} s; first rendition served `{r.Reel.FirstRendition}` (init {r.Reel.InitBytes:N0} B, first segment {r.Reel.SegmentBytes:N0} B, {r.Reel.SegmentSeconds:0.###} s); ready with renditions {string.Join(", ", r.Reel.Renditions)}; the server process itself (not ffmpeg) used {r.Reel.ServerCpuSeconds:0.0} s of CPU from T0 to ready. One process per rung finished after {string.Join(", ", r.Ladder.Rungs.Select(x => Invariant($"{x.Rung} {x.Seconds:0.0} s")))}. Reel's own ladder command alone took {r.OneProcessLadderSeconds:0.0} s, so {r.Reel.ReadySeconds - r.OneProcessLadderSeconds:0.0} s of the time to ready is the server's other work. Rounds, Reel to ready / separate ladder / one-process ladder: {string.Join("; ", r.ReelRounds.Select((reel, i) => Invariant($"{reel.ReadySeconds:0.0} s / {r.LadderRounds[i].WallSeconds:0.0} s / {r.OneProcessRounds[i]:0.0} s")))}.");
            }
        }
    }
}
