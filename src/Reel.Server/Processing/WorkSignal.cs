using System.Collections.Concurrent;
using Reel.Server.Data;

namespace Reel.Server.Processing;

/// <summary>Wakes idle workers when a job is queued. Only a hint: the queue itself is in the database.</summary>
internal sealed class WorkSignal
{
    private readonly Dictionary<string, SemaphoreSlim> _byKind = JobKind.All.ToDictionary(k => k, _ => new SemaphoreSlim(0));

    public void Wake(string kind)
    {
        var semaphore = _byKind[kind];
        if (semaphore.CurrentCount < 16) semaphore.Release();
    }

    /// <summary>Waits until woken or until <paramref name="timeout"/>, whichever is first.</summary>
    public Task WaitAsync(string kind, TimeSpan timeout, CancellationToken cancellationToken) =>
        _byKind[kind].WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Jobs running in this process, so deleting a video stops its ffmpeg at once. Kept by claim, not by job: a run that
/// lost its lease may still be stopping when this node claims the same job again, and a delete must stop both.
/// </summary>
internal sealed class RunningJobs
{
    // A job stopping for a delete may be in the middle of writing a file; waiting this long for it is cheap.
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<(long JobId, long LeaseToken), RunningJob> _jobs = new();

    public void Add(JobRecord job, CancellationTokenSource stop) =>
        _jobs[(job.Id, job.LeaseToken)] = new RunningJob(job.VideoId, stop, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Remove(JobRecord job)
    {
        if (_jobs.TryRemove((job.Id, job.LeaseToken), out var running)) running.Finished.TrySetResult();
    }

    /// <summary>Stops the video's jobs and returns once they have ended, so nothing they write lands after a delete.</summary>
    public async Task CancelAsync(string videoId)
    {
        var jobs = _jobs.Values.Where(j => j.VideoId == videoId).ToList();
        foreach (var job in jobs)
        {
            try
            {
                await job.Stop.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // The job finished between the lookup and the cancel: nothing left to stop.
            }
        }
        try
        {
            await Task.WhenAll(jobs.Select(j => j.Finished.Task)).WaitAsync(StopWait);
        }
        catch (TimeoutException)
        {
            // The caller removes the files anyway, and a job that ends later removes what it wrote itself.
        }
    }

    private sealed record RunningJob(string VideoId, CancellationTokenSource Stop, TaskCompletionSource Finished);
}
