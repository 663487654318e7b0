using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>
/// Start-up recovery against the real database and the real storage (SQLite on local disk, and PostgreSQL
/// with Swift's S3, in every run), counting what it asks of the storage.
/// </summary>
public abstract class StartupRecoveryTests(Backend backend) : IAsyncLifetime
{
    private static readonly string[] DerivedFiles = ["master.m3u8", "thumbnail.jpg", "storyboard.vtt", "download.mp4"];
    private readonly string _dir = TempDirs.Create("reel-recovery-store");
    private TestStore _store = null!;
    private CountingStorage _storage = null!;
    private IMediaStorage _inner = null!;
    private StartupRecovery _recovery = null!;
    private string? _bucket;

    public async Task InitializeAsync()
    {
        _store = await TestStore.CreateAsync(backend == Backend.PostgresS3 ? StoreDatabase.Postgres : StoreDatabase.Sqlite);
        var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = _dir }).Build());
        node.CreateDirectories();
        if (backend == Backend.PostgresS3)
        {
            var store = await ObjectStore.SharedAsync();
            _bucket = ObjectStore.BucketFor(_dir);
            var options = new StorageOptions { Provider = "s3" };
            options.S3.ServiceUrl = store.ServiceUrl;
            options.S3.Bucket = _bucket;
            options.S3.AccessKey = ObjectStore.AccessKey;
            options.S3.SecretKey = ObjectStore.SecretKey;
            _inner = new S3Storage(Options.Create(options), node, TimeProvider.System, NullLogger<S3Storage>.Instance);
        }
        else
        {
            _inner = new LocalStorage(node);
        }
        await _inner.InitializeAsync(CancellationToken.None);
        _storage = new CountingStorage(_inner);
        _recovery = new StartupRecovery(_store.Queue, _store.Videos, _storage, new WorkSignal(), node, _store.Clock, NullLogger<StartupRecovery>.Instance);
    }

    public async Task DisposeAsync()
    {
        if (_bucket is not null) await (await ObjectStore.SharedAsync()).DeleteBucketAsync(_bucket);
        (_inner as IDisposable)?.Dispose();
        await _store.DisposeAsync();
        TempDirs.Delete(_dir);
    }

    [Fact]
    public async Task What_recovery_does_before_workers_may_claim_costs_the_same_for_ten_times_as_many_videos()
    {
        await AddReadyVideosAsync(30, withFiles: false);
        await _recovery.RecoverJobsAsync(CancellationToken.None);
        var few = _storage.Requests;

        await AddReadyVideosAsync(270, withFiles: false);
        _storage.Reset();
        await _recovery.RecoverJobsAsync(CancellationToken.None);

        Assert.Equal(few, _storage.Requests);
        Assert.Equal(0, _storage.Requests);
    }

    [Fact]
    public async Task Ready_videos_are_checked_once_and_again_only_after_they_change()
    {
        var whole = await AddReadyVideosAsync(4, withFiles: true);
        var broken = (await AddReadyVideosAsync(1, withFiles: true))[0];
        await _inner.DeletePrefixAsync(StorageKeys.Video(broken), CancellationToken.None);

        Assert.Equal(5, await _recovery.VerifyReadyVideosAsync(CancellationToken.None));
        Assert.True(await _store.Queue.HasPendingAsync(broken, JobKind.Repair, CancellationToken.None));
        Assert.False(await _store.Queue.HasPendingAsync(whole[0], JobKind.Repair, CancellationToken.None));

        _storage.Reset();
        Assert.Equal(0, await _recovery.VerifyReadyVideosAsync(CancellationToken.None));
        Assert.Equal(0, _storage.Requests);

        _store.Clock.Advance(TimeSpan.FromSeconds(1));
        await _store.Videos.UpdateDetailsAsync(whole[2], "Renamed", null, CancellationToken.None);
        Assert.Equal(1, await _recovery.VerifyReadyVideosAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Files_of_deleted_videos_are_found_a_page_of_the_storage_at_a_time_and_removed()
    {
        var kept = await AddReadyVideosAsync(2, withFiles: true);
        var deleted = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = Ids.NewVideoId();
            await StoreFileAsync(StorageKeys.VideoFile(id, "master.m3u8"));
            if (i % 2 == 0) await StoreFileAsync(StorageKeys.OriginalFile(id));
            deleted.Add(id);
        }
        // Past the hour in which an upload without its row yet is taken for one still arriving.
        _store.Clock.Advance(DateTimeOffset.UtcNow.AddHours(2) - _store.Clock.GetUtcNow());

        await _recovery.SweepOrphansAsync(CancellationToken.None, pageSize: 3);

        foreach (var id in deleted)
        {
            Assert.Null(await _inner.StatAsync(StorageKeys.VideoFile(id, "master.m3u8"), CancellationToken.None));
            Assert.Null(await _inner.StatAsync(StorageKeys.OriginalFile(id), CancellationToken.None));
        }
        foreach (var id in kept) Assert.NotNull(await _inner.StatAsync(StorageKeys.VideoFile(id, "master.m3u8"), CancellationToken.None));
        // videos/ holds 9 ids: 4 pages of 3, the last empty. An orphan's folders go together, so originals/ and captions/
        // are empty by then: one listing each.
        Assert.Equal(6, _storage.Listings);
    }

    private async Task<List<string>> AddReadyVideosAsync(int count, bool withFiles)
    {
        var ids = new List<string>();
        var now = _store.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var connection = await _store.Database.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            for (var i = 0; i < count; i++)
            {
                var video = new VideoRecord
                {
                    Id = Ids.NewVideoId(), Title = "v", Status = VideoStatus.Ready, ProbeJson = "{}", Playable = true,
                    CreatedAt = now, ReadyAt = now, UpdatedAt = now, Uploader = "test",
                };
                await _store.Videos.InsertAsync(connection, transaction, video);
                ids.Add(video.Id);
            }
            await transaction.CommitAsync();
        }
        if (withFiles)
        {
            foreach (var id in ids)
            {
                foreach (var name in DerivedFiles) await StoreFileAsync(StorageKeys.VideoFile(id, name));
            }
        }
        return ids;
    }

    private Task StoreFileAsync(string key) => _inner.PutTextAsync(key, "x", CancellationToken.None);

    /// <summary>The real storage, with a count of the requests made through it.</summary>
    private sealed class CountingStorage(IMediaStorage inner) : IMediaStorage
    {
        private int _requests;
        private int _listings;

        public int Requests => _requests;

        public int Listings => _listings;

        public void Reset()
        {
            _requests = 0;
            _listings = 0;
        }

        private T Count<T>(T result)
        {
            Interlocked.Increment(ref _requests);
            return result;
        }

        public Task InitializeAsync(CancellationToken cancellationToken) => Count(inner.InitializeAsync(cancellationToken));

        public Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken) => Count(inner.PutFileAsync(key, localPath, cancellationToken));

        public Task PutTextAsync(string key, string content, CancellationToken cancellationToken) => Count(inner.PutTextAsync(key, content, cancellationToken));

        public Task<StoredFile?> StatAsync(string key, CancellationToken cancellationToken) => Count(inner.StatAsync(key, cancellationToken));

        public Task<StoredContent?> ReadSmallAsync(string key, CancellationToken cancellationToken) => Count(inner.ReadSmallAsync(key, cancellationToken));

        public Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken) => Count(inner.OpenReadAsync(key, offset, length, cancellationToken));

        public Task<IStorageUpload> BeginUploadAsync(string key, CancellationToken cancellationToken) => Count(inner.BeginUploadAsync(key, cancellationToken));

        public Task<string> StartResumableAsync(string key, CancellationToken cancellationToken) => Count(inner.StartResumableAsync(key, cancellationToken));

        public Task<IResumableAppend> ResumeAsync(string key, string state, long offset, CancellationToken cancellationToken) => Count(inner.ResumeAsync(key, state, offset, cancellationToken));

        public Task DiscardResumableAsync(string key, string state, CancellationToken cancellationToken) => Count(inner.DiscardResumableAsync(key, state, cancellationToken));

        public string? ReadUrl(string key, string contentType, string cacheControl) => inner.ReadUrl(key, contentType, cacheControl);

        public Task<string> GetLocalPathAsync(string key, string scratchDir, CancellationToken cancellationToken) => Count(inner.GetLocalPathAsync(key, scratchDir, cancellationToken));

        public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken) => Count(inner.DeletePrefixAsync(prefix, cancellationToken));

        public Task<IReadOnlyList<string>> ListVideoIdsAsync(string area, string? after, int limit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _listings);
            return Count(inner.ListVideoIdsAsync(area, after, limit, cancellationToken));
        }

        public Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, IReadOnlySet<string> resuming, CancellationToken cancellationToken) => Count(inner.AbortStaleUploadsAsync(olderThan, resuming, cancellationToken));

        public Task CheckWritableAsync(CancellationToken cancellationToken) => Count(inner.CheckWritableAsync(cancellationToken));
    }
}

public sealed class StartupRecoveryOnSqliteAndLocalDiskTests() : StartupRecoveryTests(Backend.SqliteLocal);

public sealed class StartupRecoveryOnPostgresAndS3Tests() : StartupRecoveryTests(Backend.PostgresS3);
