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

/// <summary>Jobs running in this process, so deleting a video stops its ffmpeg at once.</summary>
internal sealed class RunningJobs
{
    private readonly ConcurrentDictionary<long, (string VideoId, CancellationTokenSource Stop)> _jobs = new();

    public void Add(long jobId, string videoId, CancellationTokenSource stop) => _jobs[jobId] = (videoId, stop);

    public void Remove(long jobId) => _jobs.TryRemove(jobId, out _);

    public async Task CancelAsync(string videoId)
    {
        foreach (var (_, job) in _jobs.Where(j => j.Value.VideoId == videoId))
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
    }
}
