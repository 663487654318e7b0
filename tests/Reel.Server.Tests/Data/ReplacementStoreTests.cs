using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>
/// A replacement takes its video's place in one transaction fenced by its job's claim; the old version's jobs change
/// nothing after it, and its files wait for their viewers. Runs on SQLite and on PostgreSQL.
/// </summary>
public abstract class ReplacementStoreTests(StoreDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan KeepOld = TimeSpan.FromMinutes(30);
    private TestStore _store = null!;

    public async Task InitializeAsync() => _store = await TestStore.CreateAsync(database);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task A_playable_replacement_gives_the_video_its_state_and_jobs_and_the_old_versions_job_changes_nothing_after()
    {
        var video = await InsertAsync(new VideoRecord { Title = "Holiday", Visibility = "private", DurationSeconds = 2 }, JobKind.Encode);
        var oldEncode = await _store.Queue.ClaimAsync(JobKind.Encode, "node-1", Lease, CancellationToken.None);
        var replacement = await InsertAsync(new VideoRecord { Title = "Holiday", ReplacesId = video.Id, DurationSeconds = 3, Status = VideoStatus.Processing }, JobKind.Prepare);
        var prepare = (await _store.Queue.ClaimAsync(JobKind.Prepare, "node-2", Lease, CancellationToken.None))!;
        Assert.Equal(replacement.Id, prepare.VideoId);
        Assert.True(await _store.Videos.SetRenditionsAsync(MediaOf.Of(replacement), [Playable("source")], CancellationToken.None));

        Assert.Equal(video.Id, await _store.Videos.PromoteAsync(replacement.Id, prepare, KeepOld, CancellationToken.None));

        var now = (await _store.Videos.GetAsync(video.Id, CancellationToken.None))!;
        Assert.Equal(("Holiday", "private", 3.0, VideoStatus.Processing, true), (now.Title, now.Visibility, now.DurationSeconds, now.Status, now.Playable));
        Assert.Equal(replacement.Id, now.Media);
        Assert.Null(await _store.Videos.GetAsync(replacement.Id, CancellationToken.None));
        // The prepare job is the video's now, and still this claim's to complete.
        Assert.True(await _store.Queue.CompleteAsync(prepare, JobKind.Encode, TimeSpan.Zero, CancellationToken.None));
        Assert.True(await _store.Queue.HasPendingAsync(video.Id, JobKind.Encode, CancellationToken.None));
        // The old version's encode is gone, and what it would still write of the video is refused.
        Assert.False(await _store.Queue.RenewAsync(oldEncode!, Lease, CancellationToken.None));
        Assert.False(await _store.Videos.SetRenditionsAsync(MediaOf.Of(video), [Playable("360p")], CancellationToken.None));
        Assert.False(await _store.Videos.MarkReadyAsync(MediaOf.Of(video), null, CancellationToken.None));
        Assert.Equal(3.0, (await _store.Videos.GetAsync(video.Id, CancellationToken.None))!.DurationSeconds);

        // Its files wait for their viewers, then are due for removal; the video's new folder is known to the sweep.
        Assert.DoesNotContain(await _store.Videos.FileDeletionsAsync(10, CancellationToken.None), d => d.VideoId == video.Id);
        _store.Clock.Advance(KeepOld);
        Assert.Contains(await _store.Videos.FileDeletionsAsync(10, CancellationToken.None), d => d.VideoId == video.Id);
        Assert.Equal(new HashSet<string> { video.Id, replacement.Id },
            await _store.Videos.KnownFoldersAsync([video.Id, replacement.Id, Ids.NewVideoId()], CancellationToken.None));
    }

    [Fact]
    public async Task A_replacement_whose_claim_lapsed_or_that_a_newer_one_took_the_place_of_takes_nothing()
    {
        var video = await InsertAsync(new VideoRecord { Title = "Clip", DurationSeconds = 2 }, JobKind.Cleanup);
        var first = await InsertAsync(new VideoRecord { Title = "Clip", ReplacesId = video.Id, DurationSeconds = 3 }, JobKind.Prepare);
        var claim = (await _store.Queue.ClaimAsync(JobKind.Prepare, "node-1", TimeSpan.FromMinutes(1), CancellationToken.None))!;
        _store.Clock.Advance(TimeSpan.FromMinutes(2));
        var retaken = (await _store.Queue.ClaimAsync(JobKind.Prepare, "node-2", Lease, CancellationToken.None))!;
        Assert.Null(await _store.Videos.PromoteAsync(first.Id, claim, KeepOld, CancellationToken.None));

        // A second replacement removes the first (returned for its files to go), whose claim then takes nothing either.
        var (second, superseded) = await InsertWithSupersededAsync(new VideoRecord { Title = "Clip", ReplacesId = video.Id, DurationSeconds = 4 });
        Assert.Equal([first.Id], superseded.Select(d => d.VideoId));
        Assert.Null(await _store.Videos.PromoteAsync(first.Id, retaken, KeepOld, CancellationToken.None));
        Assert.Equal(second.Id, (await _store.Videos.ReplacementOfAsync(video.Id, CancellationToken.None))!.Id);
        Assert.Equal(2.0, (await _store.Videos.GetAsync(video.Id, CancellationToken.None))!.DurationSeconds);

        // Deleting the video removes its pending replacement with it.
        var removed = await _store.Videos.DeleteAsync(video.Id, null, CancellationToken.None);
        Assert.Equal(new[] { second.Id, video.Id }.Order(), removed!.Select(d => d.VideoId).Order());
        Assert.Null(await _store.Videos.GetAsync(second.Id, CancellationToken.None));
    }

    private static RenditionState Playable(string name) =>
        new(name, 320, 180, 300, 400_000, "avc1.42c00d", 15, FastStart: name == "source", Available: true, Ready: false);

    private async Task<VideoRecord> InsertAsync(VideoRecord video, string firstJob)
    {
        Fill(video);
        Assert.NotNull(await _store.Videos.InsertWithJobAsync(video, firstJob, CancellationToken.None));
        return video;
    }

    private async Task<(VideoRecord Video, IReadOnlyList<FileDeletion> Superseded)> InsertWithSupersededAsync(VideoRecord video)
    {
        Fill(video);
        return (video, (await _store.Videos.InsertWithJobAsync(video, JobKind.Prepare, CancellationToken.None))!);
    }

    private void Fill(VideoRecord video)
    {
        _store.Clock.Advance(TimeSpan.FromSeconds(1));
        var now = _store.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        video.Id = Ids.NewVideoId();
        video.ProbeJson = "{}";
        video.CreatedAt = video.UpdatedAt = now;
        video.Uploader = "user:a";
    }
}

public sealed class ReplacementStoreOnSqliteTests() : ReplacementStoreTests(StoreDatabase.Sqlite);

public sealed class ReplacementStoreOnPostgresTests() : ReplacementStoreTests(StoreDatabase.Postgres);
