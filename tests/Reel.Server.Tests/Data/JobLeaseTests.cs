using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>
/// Leases are fenced: each claim has its own token, and a worker whose lease lapsed and was taken over changes nothing.
/// Two claimers (two queues, as two nodes have) share one database. Runs on SQLite and on
/// PostgreSQL in every run.
/// </summary>
public abstract class JobLeaseTests(StoreDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;
    private TestStore _store = null!;
    private JobQueue _a = null!;
    private JobQueue _b = null!;

    public async Task InitializeAsync()
    {
        _store = await TestStore.CreateAsync(database);
        _a = _store.Queue;
        _b = new JobQueue(_store.Database, _store.Clock);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task A_worker_whose_lapsed_lease_was_taken_over_changes_nothing_and_the_next_job_is_queued_once()
    {
        var videoId = await UploadAsync(JobKind.Prepare);
        var first = await _a.ClaimAsync(JobKind.Prepare, "node-a", Lease, None);
        Assert.NotNull(first);
        _store.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var second = await _b.ClaimAsync(JobKind.Prepare, "node-b", Lease, None);
        Assert.NotNull(second);
        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);

        // Node A's run finishes late, or fails, or stops: none of it touches the job B now runs.
        Assert.False(await _a.RenewAsync(first, Lease, None));
        Assert.False(await _a.CompleteAsync(first, JobKind.Encode, TimeSpan.Zero, None));
        Assert.False(await _a.RetryAsync(first, "ffmpeg failed", TimeSpan.Zero, countFailure: true, None));
        Assert.False(await _a.FailAsync(first, "ffmpeg failed", countFailure: true, None));
        Assert.False(await _a.ReleaseAsync(first, None));
        var job = await JobAsync(first.Id);
        Assert.Equal(("running", "node-b", second.LeaseToken, 0, second.LeaseUntil), (job.State, job.LeaseOwner, job.LeaseToken, job.Attempts, job.LeaseUntil));
        Assert.Equal(0, await CountAsync(videoId, JobKind.Encode));

        Assert.True(await _b.RenewAsync(second, Lease, None));
        Assert.True(await _b.CompleteAsync(second, JobKind.Encode, TimeSpan.Zero, None));
        Assert.False(await _a.CompleteAsync(first, JobKind.Encode, TimeSpan.Zero, None));
        Assert.False(await _b.CompleteAsync(second, JobKind.Encode, TimeSpan.Zero, None));
        Assert.Equal("done", (await JobAsync(first.Id)).State);
        Assert.Equal(1, await CountAsync(videoId, JobKind.Encode));
    }

    [Fact]
    public async Task One_failed_renewal_does_not_end_renewal_and_the_other_claimer_never_gets_the_job()
    {
        await UploadAsync(JobKind.Encode);
        var job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        var tries = 0;
        using var work = new CancellationTokenSource();
        var keeping = LeaseKeeper.KeepAsync(
            async token => ++tries == 1 ? throw new TimeoutException("The database did not answer.") : await _a.RenewAsync(job, Lease, token),
            Lease, LeaseUntil(job), work, _store.Clock, NullLogger.Instance);

        var end = _store.Clock.GetUtcNow() + 4 * Lease;
        while (_store.Clock.GetUtcNow() < end)
        {
            await NextTimerAsync(keeping);
            Assert.False(keeping.IsCompleted, "The lease keeper stopped.");
            Assert.Null(await _b.ClaimAsync(JobKind.Encode, "node-b", Lease, None));
        }

        Assert.False(work.IsCancellationRequested);
        Assert.True(tries >= 10, $"renewed {tries} times in four leases");
        await work.CancelAsync();
        Assert.Equal(LeaseOutcome.WorkEnded, await keeping);
    }

    [Fact]
    public async Task A_lease_that_cannot_be_renewed_stops_the_work_before_it_lapses()
    {
        await UploadAsync(JobKind.Encode);
        var job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        var tries = 0;
        using var work = new CancellationTokenSource();
        DateTimeOffset? stoppedAt = null;
        using var registration = work.Token.Register(() => stoppedAt = _store.Clock.GetUtcNow());
        var keeping = LeaseKeeper.KeepAsync(
            _ => ++tries > 0 ? throw new TimeoutException("The database did not answer.") : Task.FromResult(true),
            Lease, LeaseUntil(job), work, _store.Clock, NullLogger.Instance);

        while (!keeping.IsCompleted) await NextTimerAsync(keeping);

        Assert.Equal(LeaseOutcome.Unconfirmed, await keeping);
        Assert.True(stoppedAt < LeaseUntil(job), $"stopped at {stoppedAt}, the lease lapses at {LeaseUntil(job)}");
        Assert.True(tries >= 3, $"tried {tries} times");
        // Only once the lease has lapsed may another worker take the job, by then stopped here.
        Assert.Null(await _b.ClaimAsync(JobKind.Encode, "node-b", Lease, None));
        _store.Clock.Advance(LeaseUntil(job) - _store.Clock.GetUtcNow() + TimeSpan.FromMilliseconds(1));
        Assert.Equal(job.Id, (await _b.ClaimAsync(JobKind.Encode, "node-b", Lease, None))?.Id);
    }

    [Fact]
    public async Task A_video_whose_job_is_interrupted_more_often_than_the_attempt_limit_still_runs_and_is_not_failed()
    {
        var videoId = await UploadAsync(JobKind.Encode);
        var failures = Failures(new ProcessingOptions());
        for (var i = 0; i < 3; i++)
        {
            // The node holding the job dies and another takes the job once the lease lapses.
            Assert.NotNull(await ClaimAndCheckAsync(failures));
            _store.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        }
        for (var i = 0; i < 3; i++)
        {
            // The node holding the job is killed and restarts.
            Assert.NotNull(await ClaimAndCheckAsync(failures));
            Assert.Equal(1, await _a.ReleaseLeasesOfAsync("node-a", None));
        }

        var job = await ClaimAndCheckAsync(failures);
        Assert.NotNull(job);
        Assert.Equal((0, 6), (job.Attempts, job.Interruptions));
        Assert.True(await _a.CompleteAsync(job, null, TimeSpan.Zero, None));
        Assert.NotEqual(VideoStatus.Failed, (await _store.Videos.GetAsync(videoId, None))!.Status);
    }

    [Fact]
    public async Task A_job_that_fails_by_itself_as_often_as_the_attempt_limit_fails_its_video_however_often_it_was_interrupted()
    {
        var videoId = await UploadAsync(JobKind.Encode);
        var options = new ProcessingOptions();
        var failures = Failures(options);
        for (var i = 1; i <= options.MaxAttempts; i++)
        {
            Assert.NotEqual(VideoStatus.Failed, (await _store.Videos.GetAsync(videoId, None))!.Status);
            _store.Clock.Advance(TimeSpan.FromHours(1)); // past the back-off
            Assert.NotNull(await ClaimAndCheckAsync(failures));
            Assert.Equal(1, await _a.ReleaseLeasesOfAsync("node-a", None));
            var job = await ClaimAndCheckAsync(failures);
            Assert.NotNull(job);
            await failures.FailAttemptAsync(job, new Reel.Media.MediaProcessException("ffmpeg exited with 1", 1, "Invalid data found when processing input"), None);
        }

        var video = (await _store.Videos.GetAsync(videoId, None))!;
        Assert.Equal((VideoStatus.Failed, "processing_failed"), (video.Status, video.ErrorCode));
        Assert.Contains("ffmpeg could not decode the file", video.ErrorMessage, StringComparison.Ordinal);
        var failed = await JobAsync(await JobIdAsync(videoId));
        Assert.Equal(("failed", options.MaxAttempts, options.MaxAttempts), (failed.State, failed.Attempts, failed.Interruptions));
    }

    [Fact]
    public async Task A_job_interrupted_more_often_than_the_interruption_cap_fails_its_video_saying_so()
    {
        var videoId = await UploadAsync(JobKind.Encode);
        var failures = Failures(new ProcessingOptions { MaxInterruptions = 2 });
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(await ClaimAndCheckAsync(failures));
            Assert.Equal(1, await _a.ReleaseLeasesOfAsync("node-a", None));
        }

        var job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        Assert.True(await failures.GaveUpOnInterruptionsAsync(job, None));
        var video = (await _store.Videos.GetAsync(videoId, None))!;
        Assert.Equal((VideoStatus.Failed, "processing_failed"), (video.Status, video.ErrorCode));
        Assert.Contains("interrupted 3 times", video.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(("failed", 0), ((await JobAsync(job.Id)).State, (await JobAsync(job.Id)).Attempts));
    }

    [Fact]
    public async Task Handing_a_job_back_at_shutdown_or_for_a_storage_outage_counts_neither_a_failure_nor_an_interruption()
    {
        await UploadAsync(JobKind.Encode);
        var job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        Assert.True(await _a.ReleaseAsync(job, None));
        job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        Assert.True(await _a.RetryAsync(job, "object storage was unavailable.", TimeSpan.FromSeconds(5), countFailure: false, None));
        _store.Clock.Advance(TimeSpan.FromSeconds(5));
        job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        Assert.NotNull(job);
        Assert.Equal((0, 0, 3L), (job.Attempts, job.Interruptions, job.LeaseToken));
    }

    /// <summary>Claims the job on node A, as the worker does, and checks it is not given up for its interruptions.</summary>
    private async Task<JobRecord?> ClaimAndCheckAsync(JobFailures failures)
    {
        var job = await _a.ClaimAsync(JobKind.Encode, "node-a", Lease, None);
        if (job is not null) Assert.False(await failures.GaveUpOnInterruptionsAsync(job, None), $"gave up after {job.Interruptions} interruptions");
        return job;
    }

    private JobFailures Failures(ProcessingOptions options) =>
        new(_a, _store.Videos, Microsoft.Extensions.Options.Options.Create(options), NullLogger<JobFailures>.Instance);

    /// <summary>
    /// Waits until the lease keeper waits on its clock (its deadline and its next renewal: two timers), or has ended,
    /// then moves the clock to its next timer.
    /// </summary>
    private async Task NextTimerAsync(Task keeping)
    {
        await Eventually.FoundAsync(() => Task.FromResult(keeping.IsCompleted || _store.Clock.PendingTimers == 2 ? "waiting" : null));
        if (!keeping.IsCompleted) _store.Clock.AdvanceToNextTimer();
    }

    private static DateTimeOffset LeaseUntil(JobRecord job) => DateTimeOffset.FromUnixTimeMilliseconds(job.LeaseUntil!.Value);

    private async Task<string> UploadAsync(string kind)
    {
        var now = _store.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var video = new VideoRecord { Id = Ids.NewVideoId(), Title = "clip", ProbeJson = "{}", CreatedAt = now, UpdatedAt = now, Uploader = "user:a" };
        await _store.Videos.InsertWithJobAsync(video, kind, None);
        return video.Id;
    }

    private async Task<JobRecord> JobAsync(long id)
    {
        await using var connection = await _store.Database.OpenAsync(None);
        return await connection.QuerySingleAsync<JobRecord>("SELECT * FROM jobs WHERE id = @id", new { id });
    }

    private async Task<long> JobIdAsync(string videoId)
    {
        await using var connection = await _store.Database.OpenAsync(None);
        return await connection.ExecuteScalarAsync<long>("SELECT id FROM jobs WHERE video_id = @videoId", new { videoId });
    }

    private async Task<long> CountAsync(string videoId, string kind)
    {
        await using var connection = await _store.Database.OpenAsync(None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE video_id = @videoId AND kind = @kind", new { videoId, kind });
    }
}

public sealed class JobLeaseOnSqliteTests() : JobLeaseTests(StoreDatabase.Sqlite);

public sealed class JobLeaseOnPostgresTests() : JobLeaseTests(StoreDatabase.Postgres);
