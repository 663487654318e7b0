using System.Collections.Concurrent;
using System.Diagnostics;
using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

/// <summary>These run the real ffmpeg and ffprobe.</summary>
public sealed class MediaProcessTests
{
    private static readonly MediaRunOptions Quick = new() { Timeout = TimeSpan.FromSeconds(30) };

    // Runs until stopped: lavfi sources are endless without -t.
    private static string[] Endless(string marker) =>
        ["-hide_banner", "-nostats", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-metadata", "comment=" + marker, "-f", "null", "-"];

    [Fact]
    public async Task Ffmpeg_version_runs_to_a_successful_exit()
    {
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, ["-version"], Quick with { CaptureOutput = true }, CancellationToken.None);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("ffmpeg version", run.Output, StringComparison.Ordinal);
        Assert.Same(run, run.EnsureSuccess("ffmpeg -version"));
    }

    [Fact]
    public async Task A_missing_executable_fails_with_a_media_process_exception()
    {
        var missing = Path.Combine(Path.GetTempPath(), "reel-no-such-ffmpeg-" + Guid.NewGuid().ToString("N"));

        var e = await Assert.ThrowsAsync<MediaProcessException>(() => MediaProcess.RunAsync(missing, ["-version"], Quick, CancellationToken.None));

        Assert.Equal(-1, e.ExitCode);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_run_keeps_its_exit_code_and_the_tail_of_stderr()
    {
        using var dir = new TempDirectory();

        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, ["-hide_banner", "-i", "file:" + dir.File("absent.mp4"), "-f", "null", "-"], Quick, CancellationToken.None);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("No such file or directory", run.ErrorTail, StringComparison.Ordinal);
        var e = Assert.Throws<MediaProcessException>(() => run.EnsureSuccess("Decoding"));
        Assert.Equal(run.ExitCode, e.ExitCode);
        Assert.Equal(run.ErrorTail, e.ErrorTail);
        Assert.StartsWith("Decoding failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_begins_with_the_full_command_line_followed_by_stderr()
    {
        using var dir = new TempDirectory();
        var log = dir.File("job.log");

        await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, ["-hide_banner", "-i", "file:" + dir.File("it's absent.mp4")], Quick with { LogPath = log }, CancellationToken.None);

        var lines = await File.ReadAllLinesAsync(log);
        Assert.Equal($"/usr/bin/ffmpeg -hide_banner -i 'file:{dir.Path}/it'\\''s absent.mp4'", lines[0]);
        Assert.Contains(lines.Skip(1), l => l.Contains("No such file or directory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_past_its_timeout_is_stopped_and_fails_with_exit_code_minus_one()
    {
        var marker = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<MediaProcessException>(() =>
            MediaProcess.RunAsync(Ffmpeg.FfmpegPath, Endless(marker), Quick with { Timeout = TimeSpan.FromSeconds(1) }, CancellationToken.None));

        Assert.Equal(-1, e.ExitCode);
        Assert.Contains("did not finish within 1 s", e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(6));
        Assert.Empty(ProcessesWith(marker));
    }

    [Fact]
    public async Task Cancellation_stops_the_process_and_throws_operation_canceled()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();

        var run = MediaProcess.RunAsync(Ffmpeg.FfmpegPath, Endless(marker), Quick, cancel.Token);
        await WaitUntilAsync(() => ProcessesWith(marker).Count > 0, TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Empty(ProcessesWith(marker));
    }

    [Fact]
    public async Task A_process_keeps_running_after_the_thread_that_started_it_has_ended()
    {
        // Linux sends the parent-death signal when the forking *thread* exits; thread-pool threads do exit when idle.
        Assert.True(MediaProcess.ChildrenDieWithParent, "setpriv (util-linux) is installed on every machine we test on");
        var marker = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();
        Task<MediaRunResult>? run = null;
        var threadId = 0;
        var thread = new Thread(() =>
        {
            threadId = int.Parse(Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!), System.Globalization.CultureInfo.InvariantCulture);
            run = MediaProcess.RunAsync(Ffmpeg.FfmpegPath, Endless(marker), Quick, cancel.Token);
        });
        thread.Start();
        thread.Join();
        int? ffmpeg = null;
        await WaitUntilAsync(() => (ffmpeg = FfmpegWith(marker)) is not null && !Directory.Exists($"/proc/self/task/{threadId}"), TimeSpan.FromSeconds(10));

        // The signal would have been sent as the thread went; give its delivery a moment to show.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1))
        {
            Assert.True(IsRunning(ffmpeg!.Value), $"ffmpeg (pid {ffmpeg}) still runs");
            await Task.Delay(50);
        }
        Assert.False(run!.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task A_real_encode_reports_progress_up_to_its_length()
    {
        var positions = new ConcurrentQueue<TimeSpan>();
        string[] args = ["-hide_banner", "-nostats", "-progress", "pipe:1", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "2", "-f", "null", "-"];

        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, args, Quick with { OnProgress = positions.Enqueue }, CancellationToken.None);

        Assert.Equal(0, run.ExitCode);
        Assert.NotEmpty(positions);
        var seen = positions.ToArray();
        Assert.Equal(seen.Order(), seen);
        Assert.InRange(seen[^1], TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2.1));
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Captured_output_of_ffprobe_with_the_hardened_arguments_parses()
    {
        using var dir = new TempDirectory();
        var clip = dir.File("clip.mp4");
        await Ffmpeg.MakeClipAsync(clip);

        var run = await MediaProcess.RunAsync(Ffmpeg.FfprobePath, FfmpegArgs.Probe(clip), Quick with { CaptureOutput = true }, CancellationToken.None);

        Assert.Equal(0, run.ExitCode);
        var probe = FfprobeParser.Parse(run.Output);
        Assert.Null(SourceCheck.Check(probe, MediaLimits.Default));
        Assert.Equal((320, 180), (probe.Video?.Width, probe.Video?.Height));
        Assert.Equal(2, probe.Audio?.Channels);
    }

    [Fact]
    public async Task A_playlist_disguised_as_an_MP4_is_refused_by_the_probe_whitelist()
    {
        using var dir = new TempDirectory();
        var secret = dir.File("secret.txt");
        await File.WriteAllTextAsync(secret, "not for you");
        var disguised = dir.File("upload.mp4");
        await File.WriteAllTextAsync(disguised, $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nfile:{secret}\n#EXT-X-ENDLIST\n");

        var run = await MediaProcess.RunAsync(Ffmpeg.FfprobePath, FfmpegArgs.Probe(disguised), Quick with { CaptureOutput = true }, CancellationToken.None);

        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("\"hls\"", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The ffmpeg whose arguments carry <paramref name="marker"/>, once setpriv has exec'd it (same pid): while exec
    /// replaces the program, /proc/PID/cmdline reads empty for a moment, so a process is followed by its pid from then.
    /// </summary>
    private static int? FfmpegWith(string marker) =>
        ProcessesWith(marker).Where(pid => ProgramOf(pid) == "ffmpeg").Select(pid => (int?)pid).FirstOrDefault();

    private static string? ProgramOf(int pid)
    {
        try
        {
            return Path.GetFileName(new FileInfo($"/proc/{pid}/exe").LinkTarget);
        }
        catch (IOException)
        {
            return null; // The process ended while we looked.
        }
    }

    /// <summary>Whether the process exists and has not exited (a zombie has: it waits only to be reaped).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> ProcessesWith(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: not ours.
            }
        }
        return found;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, "The condition did not become true in time.");
            await Task.Delay(50);
        }
    }
}
