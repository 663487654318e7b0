namespace Reel.Media.Tests.Support;

/// <summary>Real ffmpeg for tests that need media: short lavfi clips made at test time.</summary>
internal static class Ffmpeg
{
    public const string FfmpegPath = "/usr/bin/ffmpeg";
    public const string FfprobePath = "/usr/bin/ffprobe";

    /// <summary>Runs ffmpeg with the given arguments after a quiet, overwrite-allowed head and fails the test if it fails.</summary>
    public static async Task RunAsync(params string[] arguments)
    {
        var run = await MediaProcess.RunAsync(
            FfmpegPath,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. arguments],
            new MediaRunOptions { Timeout = TimeSpan.FromSeconds(30) },
            CancellationToken.None);
        Assert.True(run.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)} failed:\n{run.ErrorTail}");
    }

    /// <summary>A one-second 320x180 H.264/AAC MP4.</summary>
    public static Task MakeClipAsync(string path, double seconds = 1) => RunAsync(
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", path);

    /// <summary>ffprobe of a source, parsed as Reel parses it.</summary>
    public static async Task<MediaProbe> ProbeAsync(string path)
    {
        var run = await MediaProcess.RunAsync(FfprobePath, FfmpegArgs.Probe(path), Probing with { CaptureOutput = true }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return FfprobeParser.Parse(run.Output);
    }

    /// <summary>The packet times of the probed video stream, as Reel reads them to plan segments.</summary>
    public static async Task<PacketTimeline> TimelineAsync(string path, MediaProbe probe)
    {
        var timeline = new PacketTimeline();
        var run = await MediaProcess.RunAsync(FfprobePath, FfmpegArgs.PacketTimes(path, probe.Video!.Index), Probing with { OnOutputLine = timeline.AddLine }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return timeline;
    }

    private static readonly MediaRunOptions Probing = new() { Timeout = TimeSpan.FromSeconds(120) };
}
