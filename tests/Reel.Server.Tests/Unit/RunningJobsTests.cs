using Reel.Server.Data;
using Reel.Server.Processing;

namespace Reel.Server.Tests.Unit;

/// <summary>
/// A run that lost its lease may still be stopping when its node claims the same job again: both runs are kept, and
/// deleting the video stops both.
/// </summary>
public sealed class RunningJobsTests
{
    private static readonly JobRecord FirstClaim = new() { Id = 7, VideoId = "video", Kind = JobKind.Encode, LeaseToken = 1 };
    private static readonly JobRecord SecondClaim = new() { Id = 7, VideoId = "video", Kind = JobKind.Encode, LeaseToken = 2 };

    [Fact]
    public async Task Deleting_a_video_stops_both_runs_of_a_job_claimed_twice_on_one_node_and_waits_for_both()
    {
        var running = new RunningJobs();
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        running.Add(FirstClaim, first);
        running.Add(SecondClaim, second);

        var cancelling = running.CancelAsync("video");

        Assert.True(first.IsCancellationRequested);
        Assert.True(second.IsCancellationRequested);
        running.Remove(SecondClaim);
        Assert.False(cancelling.IsCompleted);
        running.Remove(FirstClaim);
        await cancelling.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_end_of_the_first_run_does_not_forget_the_second_run_of_the_same_job()
    {
        var running = new RunningJobs();
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        running.Add(FirstClaim, first);
        running.Add(SecondClaim, second);
        running.Remove(FirstClaim);

        var cancelling = running.CancelAsync("video");

        Assert.True(second.IsCancellationRequested);
        Assert.False(cancelling.IsCompleted);
        running.Remove(SecondClaim);
        await cancelling.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
