using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>
/// Claims take turns between uploaders: one person's many uploads cannot hold every worker of a kind while another's
/// wait. Runs on SQLite and on PostgreSQL in every run.
/// </summary>
public abstract class FairClaimTests(StoreDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private TestStore _store = null!;

    public async Task InitializeAsync() => _store = await TestStore.CreateAsync(database);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task While_one_uploaders_job_runs_the_next_claim_goes_to_another_uploader_with_a_newer_job()
    {
        var first = await UploadAsync("user:a", JobKind.Encode, count: 5);
        var second = await UploadAsync("user:b", JobKind.Encode);
        // B's quick job of another kind is running too: only running jobs of the kind claimed count.
        await UploadAsync("user:b", JobKind.Prepare);
        Assert.NotNull(await ClaimAsync(JobKind.Prepare));

        Assert.Equal(first[0], (await ClaimAsync(JobKind.Encode))?.VideoId);
        Assert.Equal(second[0], (await ClaimAsync(JobKind.Encode))?.VideoId);
        Assert.Equal(first[1], (await ClaimAsync(JobKind.Encode))?.VideoId);
    }

    [Fact]
    public async Task With_nothing_running_the_oldest_job_goes_first_and_then_uploaders_take_turns()
    {
        var first = await UploadAsync("user:a", JobKind.Encode, count: 3);
        var second = await UploadAsync("ip:192.0.2.7", JobKind.Encode, count: 2);

        var order = new List<string>();
        while (await ClaimAsync(JobKind.Encode) is { } job) order.Add(job.VideoId);

        Assert.Equal([first[0], second[0], first[1], second[1], first[2]], order);
    }

    [Fact]
    public async Task A_job_under_a_lapsed_lease_is_claimable_again_and_no_longer_counts_as_running()
    {
        var b = await UploadAsync("key:b", JobKind.Encode, count: 2);
        var a = await UploadAsync("user:a", JobKind.Encode, count: 2);
        Assert.Equal(b[0], (await ClaimAsync(JobKind.Encode, TimeSpan.FromHours(1)))?.VideoId);
        Assert.Equal(a[0], (await ClaimAsync(JobKind.Encode, TimeSpan.FromMinutes(1)))?.VideoId);

        // A's worker died: its lease lapses while B's job still runs. B's older queued job waits, since B has one
        // running and A (whose only job is not running any more) has none.
        _store.Clock.Advance(TimeSpan.FromMinutes(2));
        var again = await ClaimAsync(JobKind.Encode, owner: "another-node");

        Assert.NotNull(again);
        Assert.Equal(a[0], again.VideoId);
        Assert.Equal((0, 1), (again.Attempts, again.Interruptions));
        Assert.Equal("another-node", again.LeaseOwner);
    }

    [Fact]
    public async Task Videos_without_a_recorded_uploader_share_one_turn()
    {
        var older = await UploadAsync(null, JobKind.Encode, count: 2);
        var newer = await UploadAsync("user:c", JobKind.Encode);

        Assert.Equal(older[0], (await ClaimAsync(JobKind.Encode))?.VideoId);
        Assert.Equal(newer[0], (await ClaimAsync(JobKind.Encode))?.VideoId);
        Assert.Equal(older[1], (await ClaimAsync(JobKind.Encode))?.VideoId);
    }

    private Task<JobRecord?> ClaimAsync(string kind, TimeSpan? lease = null, string owner = "node-1") =>
        _store.Queue.ClaimAsync(kind, owner, lease ?? Lease, CancellationToken.None);

    /// <summary>Stores videos of one uploader with their first job, a second apart, so the order of age is plain.</summary>
    private async Task<IReadOnlyList<string>> UploadAsync(string? uploader, string kind, int count = 1)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            _store.Clock.Advance(TimeSpan.FromSeconds(1));
            var now = _store.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            var video = new VideoRecord { Id = Ids.NewVideoId(), Title = "clip", ProbeJson = "{}", CreatedAt = now, UpdatedAt = now, Uploader = uploader };
            await _store.Videos.InsertWithJobAsync(video, kind, CancellationToken.None);
            ids.Add(video.Id);
        }
        return ids;
    }
}

public sealed class FairClaimOnSqliteTests() : FairClaimTests(StoreDatabase.Sqlite);

public sealed class FairClaimOnPostgresTests() : FairClaimTests(StoreDatabase.Postgres);
