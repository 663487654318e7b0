using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// What a failed or interrupted run does to its job and its video. Only failures the job caused (ffmpeg failed, a
/// damaged file) use up its attempts; a crash of the server or a lapsed lease is not the video's fault, and only a
/// generous cap on such interruptions guards against a file that brings the whole server down every time.
/// </summary>
internal sealed class JobFailures(JobQueue queue, VideoStore videos, IOptions<ProcessingOptions> options, ILogger<JobFailures> logger)
{
    private ProcessingOptions Options => options.Value;

    /// <summary>Before a run: gives the job up (true) when runs of it were cut short more often than the cap allows.</summary>
    public async Task<bool> GaveUpOnInterruptionsAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (job.Interruptions <= Options.MaxInterruptions) return false;
        logger.LogError("The server stopped {Interruptions} times while running this job; giving up on it", job.Interruptions);
        await GiveUpAsync(job, $"processing was interrupted {job.Interruptions} times (the server stopped while working on it), so the file may be what brings it down.", countFailure: false, cancellationToken);
        return true;
    }

    /// <summary>After the job itself failed: runs it again later with a growing delay, or gives up after the last attempt.</summary>
    public async Task FailAttemptAsync(JobRecord job, Exception error, CancellationToken cancellationToken)
    {
        var reason = Describe(error);
        var failures = job.Attempts + 1;
        // The work folder (and ffmpeg's full log in it) is removed after the attempt; keep the tail in the server log.
        logger.LogError(error, "Job attempt {Attempt} failed: {Reason} {FfmpegErrors}", failures, reason, (error as MediaProcessException)?.ErrorTail);
        if (failures >= Options.MaxAttempts)
        {
            await GiveUpAsync(job, reason, countFailure: true, cancellationToken);
            return;
        }
        var delay = TimeSpan.FromSeconds(5 * Math.Pow(4, failures - 1));
        if (!await queue.RetryAsync(job, reason, delay, countFailure: true, cancellationToken)) LogClaimOver(logger);
    }

    private async Task GiveUpAsync(JobRecord job, string reason, bool countFailure, CancellationToken cancellationToken)
    {
        // A claimer whose lease was taken over must not fail a video that another worker may be finishing.
        if (!await queue.FailAsync(job, reason, countFailure, cancellationToken))
        {
            LogClaimOver(logger);
            return;
        }
        logger.LogWarning("Gave up after {Failures} failed attempts and {Interruptions} interruptions", job.Attempts + (countFailure ? 1 : 0), job.Interruptions);
        if (job.Kind is JobKind.Repair or JobKind.Cleanup) return;
        var message = $"The video could not be processed: {reason} Try uploading it again; if it keeps failing, convert it to MP4 (H.264/AAC) first.";
        await videos.MarkFailedAsync(job.VideoId, "processing_failed", message, cancellationToken);
    }

    /// <summary>The claim's change found no row: its lease lapsed and another claim took the job, or the job is gone.</summary>
    public static void LogClaimOver(ILogger logger) =>
        logger.LogWarning("This run's claim on the job was over (its lease lapsed and another worker took it, or the video was deleted); its outcome is dropped");

    /// <summary>A reason a person can read: no paths, no stack traces.</summary>
    private static string Describe(Exception error) => error switch
    {
        MediaProcessException { ExitCode: -1 } => "processing took too long and was stopped.",
        MediaProcessException => "ffmpeg could not decode the file; it may be damaged or use a codec Reel cannot read.",
        StorageRefusedException refused => refused.Reason,
        IOException => "the server could not write its files (is the disk full?).",
        _ => "an internal error occurred.",
    };
}
