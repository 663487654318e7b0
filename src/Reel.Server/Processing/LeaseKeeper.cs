namespace Reel.Server.Processing;

/// <summary>How a job's lease keeping ended.</summary>
internal enum LeaseOutcome
{
    /// <summary>The work ended (done, failed, shut down) while the lease was held.</summary>
    WorkEnded,

    /// <summary>A renewal found the claim over: the job is gone (its video was deleted) or another claim took it.</summary>
    Lost,

    /// <summary>No renewal got through before the lease was about to lapse; the work was stopped so another worker may take the job.</summary>
    Unconfirmed,
}

/// <summary>
/// Keeps a claimed job's lease while its work runs: renews it every third of its length, retries a renewal that failed
/// (a busy SQLite, a PostgreSQL blip) with a short back-off, and stops the work when the lease has not been confirmed
/// by the time it is about to lapse, so two workers never run one job at once.
/// </summary>
internal static class LeaseKeeper
{
    /// <summary>
    /// Renews until <paramref name="work"/> is cancelled (the work ended), and cancels it itself when the lease is lost or
    /// cannot be confirmed. <paramref name="leaseUntil"/> is when the lease granted by the claim lapses.
    /// </summary>
    public static async Task<LeaseOutcome> KeepAsync(
        Func<CancellationToken, Task<bool>> renew, TimeSpan lease, DateTimeOffset leaseUntil, CancellationTokenSource work, TimeProvider clock, ILogger logger)
    {
        // The work must have stopped before the lease lapses and another worker may start it: stopping takes a moment
        // (ffmpeg is asked to quit, then killed; an upload in flight is abandoned), and nodes' clocks differ a little.
        var margin = lease / 4;
        using var deadline = new CancellationTokenSource(Positive(leaseUntil - margin - clock.GetUtcNow()), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(work.Token, deadline.Token);
        var due = leaseUntil - lease + lease / 3;
        var failures = 0;
        while (true)
        {
            try
            {
                var wait = due - clock.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, linked.Token);
                // The database computes the new lapse from a moment after this one: counting from here errs on the safe side.
                var asked = clock.GetUtcNow();
                if (!await renew(linked.Token))
                {
                    logger.LogWarning("Lost the lease (the video was deleted or another worker took the job); stopping");
                    await work.CancelAsync();
                    return LeaseOutcome.Lost;
                }
                failures = 0;
                deadline.CancelAfter(Positive(asked + lease - margin - clock.GetUtcNow()));
                due = asked + lease / 3;
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                if (work.IsCancellationRequested || !deadline.IsCancellationRequested) return LeaseOutcome.WorkEnded;
                logger.LogError("Could not renew the lease before it lapses ({Failures} tries failed); stopping the job so another worker can take it", failures);
                await work.CancelAsync();
                return LeaseOutcome.Unconfirmed;
            }
            catch (Exception e)
            {
                // One failed renewal is no reason to give up: the lease still runs for a while, and the next try may get through.
                failures++;
                logger.LogWarning(e, "Could not renew the lease (try {Failures}); trying again", failures);
                due = clock.GetUtcNow() + RetryDelay(failures, lease);
            }
        }
    }

    /// <summary>1 s, 2 s, 4 s… but never more than a tenth of the lease, so several tries fit before it lapses.</summary>
    private static TimeSpan RetryDelay(int failures, TimeSpan lease)
    {
        var backoff = TimeSpan.FromSeconds(1 << Math.Min(failures - 1, 6));
        return backoff < lease / 10 ? backoff : lease / 10;
    }

    private static TimeSpan Positive(TimeSpan span) => span > TimeSpan.Zero ? span : TimeSpan.Zero;
}
