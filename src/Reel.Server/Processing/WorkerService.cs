using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Features.Uploads;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// The worker role: loops that claim jobs from the database queue and run them, renewing each lease while the
/// job runs. Quick "prepare" jobs have their own loops so a long encode never holds back a new video's first frames.
/// </summary>
internal sealed class WorkerService(
    JobQueue queue,
    VideoStore videos,
    UploadStore uploads,
    IMediaStorage storage,
    VideoProcessor processor,
    StartupRecovery recovery,
    FileSweeper sweeper,
    ResumableUploads resumable,
    WorkSignal signal,
    RunningJobs running,
    JobFailures failures,
    NodeSettings node,
    IOptions<ProcessingOptions> options,
    IOptions<UploadOptions> uploadOptions,
    TimeProvider clock,
    ILogger<WorkerService> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StorageRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromHours(1);

    // Longer than any upload can take: what is older was abandoned.
    private static readonly TimeSpan AbandonedUploadAge = TimeSpan.FromHours(24);

    private ProcessingOptions Options => options.Value;

    private TimeSpan Lease => TimeSpan.FromSeconds(Options.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        var loops = new List<Task> { MaintainAsync(stoppingToken), ExpireUploadsAsync(stoppingToken), SweepFilesAsync(stoppingToken), CheckStoredFilesAsync(stoppingToken) };
        loops.AddRange(Enumerable.Range(0, Options.PrepareConcurrency).Select(_ => LoopAsync(JobKind.Prepare, stoppingToken)));
        loops.AddRange(Enumerable.Range(0, Options.Concurrency).Select(_ => LoopAsync(JobKind.Encode, stoppingToken)));
        loops.Add(LoopAsync(JobKind.Repair, stoppingToken));
        loops.Add(LoopAsync(JobKind.Cleanup, stoppingToken));
        await Task.WhenAll(loops);
    }

    /// <summary>Freeing this node's own jobs needs the database; if it is away at start, the node waits for it.</summary>
    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await recovery.RecoverJobsAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Start-up recovery failed; retrying");
                await Task.Delay(StorageRetry, stoppingToken);
            }
        }
    }

    /// <summary>
    /// The rest of recovery, beside the workers at start and hourly after (ADR 14); a round that met a storage outage
    /// is tried again within a minute rather than an hour.
    /// </summary>
    private async Task CheckStoredFilesAsync(CancellationToken stoppingToken)
    {
        // SQLite and the local disk answer synchronously: without this the whole check would run before the worker
        // loops below it were even started.
        await Task.Yield();
        try
        {
            while (true)
            {
                var next = MaintenanceInterval;
                try
                {
                    await recovery.CheckAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (e is StorageUnavailableException) next = TimeSpan.FromMinutes(1);
                    logger.LogWarning(e, "Could not check stored files; trying again in {Minutes} min", next.TotalMinutes);
                }
                await Task.Delay(next, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Aborts multipart uploads in storage that were begun long ago and never finished, hourly.</summary>
    private Task MaintainAsync(CancellationToken stoppingToken) =>
        RepeatAsync(MaintenanceInterval, "Could not look for abandoned uploads; trying again later", async () =>
        {
            var aborted = await storage.AbortStaleUploadsAsync(AbandonedUploadAge, await uploads.ActiveIdsAsync(stoppingToken), stoppingToken);
            if (aborted > 0) logger.LogInformation("Discarded {Count} uploads abandoned unfinished in storage", aborted);
        }, stoppingToken);

    /// <summary>
    /// Removes resumable uploads nothing was added to before their expiry, with their bytes. Checked a few times per
    /// expiry period (at most hourly), so one lingers at most a quarter of that period past its time.
    /// </summary>
    private Task ExpireUploadsAsync(CancellationToken stoppingToken) =>
        RepeatAsync(
            TimeSpan.FromMinutes(Math.Clamp(uploadOptions.Value.ResumableExpiryMinutes / 4, 1.0 / 60, MaintenanceInterval.TotalMinutes)),
            "Could not remove expired uploads; trying again later",
            () => resumable.DiscardExpiredAsync(stoppingToken),
            stoppingToken);

    /// <summary>Removes the files of deleted videos that storage could not remove when they were deleted.</summary>
    private Task SweepFilesAsync(CancellationToken stoppingToken) =>
        RepeatAsync(TimeSpan.FromSeconds(Options.FileSweepSeconds), "Could not remove the files of deleted videos yet; trying again later",
            () => sweeper.SweepAsync(stoppingToken), stoppingToken);

    /// <summary>Runs housekeeping now and then every <paramref name="every"/> until shutdown; a failed round is logged and tried again next time.</summary>
    private async Task RepeatAsync(TimeSpan every, string failure, Func<Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, clock);
        try
        {
            do
            {
                try
                {
                    await work();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "{Failure}", failure);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task LoopAsync(string kind, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await queue.ClaimAsync(kind, node.NodeId, Lease, stoppingToken) is { } job)
                    await RunAsync(job, stoppingToken);
                else
                    await signal.WaitAsync(kind, IdlePoll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The queue itself failed (database unavailable): keep the loop alive and try again shortly.
                logger.LogError(e, "The {Kind} worker loop failed; retrying", kind);
                await Task.Delay(IdlePoll, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(JobRecord job, CancellationToken stoppingToken)
    {
        using var scope = logger.BeginScope("VideoId:{VideoId} Job:{JobId} {JobKind} Claim:{LeaseToken}", job.VideoId, job.Id, job.Kind, job.LeaseToken);
        if (await failures.GaveUpOnInterruptionsAsync(job, stoppingToken)) return;

        // Named by the claim: a run that lost its lease may still be stopping when this node claims the job again.
        var workDir = Directory.CreateDirectory(Path.Combine(node.WorkDir, $"{job.Id}-{job.LeaseToken}")).FullName;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        running.Add(job, stop);
        var leaseUntil = DateTimeOffset.FromUnixTimeMilliseconds(job.LeaseUntil ?? clock.GetUtcNow().ToUnixTimeMilliseconds());
        var lease = LeaseKeeper.KeepAsync(token => queue.RenewAsync(job, Lease, token), Lease, leaseUntil, stop, clock, logger);
        var started = clock.GetTimestamp();
        try
        {
            logger.LogInformation("Job started ({Failures} failed attempts and {Interruptions} interruptions before)", job.Attempts, job.Interruptions);
            var next = await processor.RunAsync(job, workDir, stop.Token);
            var delay = next == JobKind.Cleanup ? TimeSpan.FromMinutes(Options.FastStartRetentionMinutes) : TimeSpan.Zero;
            if (!await queue.CompleteAsync(job, next, delay, CancellationToken.None))
            {
                JobFailures.LogClaimOver(logger);
                return;
            }
            if (next is not null) signal.Wake(next);
            logger.LogInformation("Job done in {Seconds:0.00} s", clock.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Shutting down: job handed back to the queue");
            if (!await queue.ReleaseAsync(job, CancellationToken.None)) JobFailures.LogClaimOver(logger);
        }
        catch (Exception e) when (e is VideoGoneException || stop.IsCancellationRequested)
        {
            // Stopped from outside (a delete, or the lease was lost): whatever the work threw on its way out is not a failure of the job.
            if (lease.IsCompleted && await lease == LeaseOutcome.Unconfirmed)
                logger.LogWarning("Stopped: the lease could not be renewed; the job runs again once it lapses");
            else if (await RemoveLeftoversAsync(job.VideoId))
                logger.LogInformation("The video was deleted while its job ran; removed what the job wrote");
            else
                logger.LogWarning("Stopped: another worker took the job");
        }
        catch (StorageUnavailableException e)
        {
            // Only an outage or throttling lands here (a refusal is a StorageRefusedException, an attempt like any failure).
            // Not the job's fault: it runs again from the start once storage answers, without using up an attempt.
            logger.LogWarning(e, "Object storage unavailable; the job runs again in {Seconds} s", StorageRetry.TotalSeconds);
            if (!await queue.RetryAsync(job, "object storage was unavailable.", StorageRetry, countFailure: false, CancellationToken.None))
                JobFailures.LogClaimOver(logger);
        }
        catch (Exception e)
        {
            await failures.FailAttemptAsync(job, e, CancellationToken.None);
        }
        finally
        {
            running.Remove(job);
            await stop.CancelAsync();
            await lease;
            TryDeleteDirectory(workDir);
        }
    }

    /// <summary>Removes the files of a video that is gone (false, and nothing removed, while it exists).</summary>
    private async Task<bool> RemoveLeftoversAsync(string videoId)
    {
        if (await videos.GetAsync(videoId, CancellationToken.None) is not null) return false;
        await storage.DeleteVideoFilesAsync(videoId, CancellationToken.None);
        return true;
    }

    private void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not remove the work folder {Path}; it is removed at the next start", path);
        }
    }
}
