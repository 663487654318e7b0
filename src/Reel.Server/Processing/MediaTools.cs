using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Infrastructure;

namespace Reel.Server.Processing;

/// <summary>The outcome of checking an uploaded file: a probe to process, or the problem to answer with.</summary>
internal sealed record ProbeOutcome(MediaProbe? Probe, string? ProbeJson, SourceProblem? Problem);

/// <summary>ffprobe and ffmpeg as this server runs them: configured binaries, limits and timeouts.</summary>
internal sealed class MediaTools(IOptions<ProcessingOptions> options, ILogger<MediaTools> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    private ProcessingOptions Options => options.Value;

    public long MaxPixels => Options.MaxPixels;

    /// <summary>Decides by content whether an uploaded file is a video we accept.</summary>
    public async Task<ProbeOutcome> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var run = await MediaProcess.RunAsync(Options.FfprobePath, FfmpegArgs.Probe(path), new MediaRunOptions { Timeout = ProbeTimeout, CaptureOutput = true }, cancellationToken);
        if (run.ExitCode != 0)
            return new(null, null, await IdentifyAsync(path, cancellationToken));

        MediaProbe probe;
        try
        {
            probe = FfprobeParser.Parse(run.Output);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            logger.LogWarning(e, "ffprobe printed output that is not ffprobe JSON");
            return new(null, null, new("unsupported_media", "The file could not be read as a video."));
        }

        var timeline = probe.Video is null ? null : await MeasureTimelineAsync(path, probe.Video.Index, cancellationToken);
        if (timeline is not null) probe = SourceCheck.WithTimeline(probe, timeline);
        if (SourceCheck.Check(probe, Options.Limits) is { } problem)
            return new(probe, run.Output, problem);
        if (timeline is not null && SourceCheck.CheckTimeline(probe, timeline) is { } timing)
            return new(probe, run.Output, timing);
        if (probe.FormatName.StartsWith("mov", StringComparison.Ordinal) && await IsTruncatedAsync(path, probe, cancellationToken))
            return new(probe, run.Output, new("unsupported_media", "The file is truncated: its index refers to data that is not there. Upload the complete file."));
        return new(probe, run.Output, null);
    }

    /// <summary>Runs ffmpeg to completion, throwing <see cref="MediaProcessException"/> when it fails.</summary>
    public async Task RunFfmpegAsync(
        IReadOnlyList<string> arguments, string what, double durationSeconds, Action<TimeSpan>? onProgress, string? logPath, CancellationToken cancellationToken,
        ProcessPriorityClass priority = ProcessPriorityClass.BelowNormal)
    {
        var started = Stopwatch.GetTimestamp();
        var run = await MediaProcess.RunAsync(Options.FfmpegPath, arguments, new MediaRunOptions
        {
            Timeout = Options.TimeoutFor(durationSeconds),
            OnProgress = onProgress,
            LogPath = logPath,
            Priority = priority,
        }, cancellationToken);
        run.EnsureSuccess(what);
        logger.LogDebug("{What}: ffmpeg took {Seconds:0.00} s", what, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>True when ffmpeg and ffprobe start and answer.</summary>
    public async Task<bool> AreUsableAsync(CancellationToken cancellationToken)
    {
        foreach (var exe in new[] { Options.FfmpegPath, Options.FfprobePath })
        {
            try
            {
                var run = await MediaProcess.RunAsync(exe, ["-hide_banner", "-version"], new MediaRunOptions { Timeout = TimeSpan.FromSeconds(10), CaptureOutput = true }, cancellationToken);
                if (run.ExitCode != 0) return false;
            }
            catch (MediaProcessException e)
            {
                logger.LogWarning("{Program} is not usable: {Reason}", exe, e.Message);
                return false;
            }
        }
        return true;
    }

    // One read of the file, no decoding: what the video packets really cover (see PacketTimeline).
    private async Task<PacketTimeline> MeasureTimelineAsync(string path, int videoStreamIndex, CancellationToken cancellationToken)
    {
        var timeline = new PacketTimeline();
        await MediaProcess.RunAsync(Options.FfprobePath, FfmpegArgs.PacketTimes(path, videoStreamIndex), new MediaRunOptions
        {
            Timeout = TimeSpan.FromMinutes(5),
            OnOutputLine = timeline.AddLine,
        }, cancellationToken);
        return timeline;
    }

    // A moov-first MP4 cut short still probes fine; reading every packet (no decoding) finds the hole.
    private async Task<bool> IsTruncatedAsync(string path, MediaProbe probe, CancellationToken cancellationToken)
    {
        var run = await MediaProcess.RunAsync(Options.FfmpegPath, FfmpegArgs.DemuxCheck(path), new MediaRunOptions { Timeout = Options.TimeoutFor(probe.DurationSeconds / 20) }, cancellationToken);
        return run.ExitCode != 0 || run.ErrorTail.Contains("partial file", StringComparison.Ordinal);
    }

    private static async Task<bool> IsAnimatedWebPAsync(string path, CancellationToken cancellationToken)
    {
        var header = new byte[32];
        await using var file = File.OpenRead(path);
        var read = await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        return SourceCheck.IsAnimatedWebP(header.AsSpan(0, read));
    }

    private async Task<SourceProblem> IdentifyAsync(string path, CancellationToken cancellationToken)
    {
        var run = await MediaProcess.RunAsync(Options.FfprobePath, FfmpegArgs.Identify(path), new MediaRunOptions { Timeout = ProbeTimeout, CaptureOutput = true }, cancellationToken);
        if (run.ExitCode == 0)
        {
            try
            {
                var format = FfprobeParser.Parse(run.Output).FormatName;
                if (format == "webp_pipe" && await IsAnimatedWebPAsync(path, cancellationToken))
                    return new("unsupported_media", "The file is an animated WebP, whose frames this server's ffmpeg cannot decode. Convert it to GIF, MP4 or WebM.");
                var kind = format.EndsWith("_pipe", StringComparison.Ordinal) || format == "gif" ? "a still image" : "audio only";
                return new("no_video_stream", $"The file is {kind}, not a video.");
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                logger.LogDebug(e, "Identification output was not ffprobe JSON");
            }
        }
        return new("unsupported_media", $"The file is not a video Reel reads ({SourceCheck.AcceptedNames}).");
    }
}
