using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>
/// What the server relies on from <see cref="IMediaStorage"/>, run the same against local disk and against S3 (the
/// run's Swift server), in every run: the HTTP suites run on one backend only, so this is where S3's side is shown.
/// Where the two must differ, the test says so and each backend states its own answer.
/// </summary>
public abstract class StorageContractTests : IAsyncLifetime
{
    /// <summary>
    /// The smallest part S3 accepts (5 MiB), set through the real option: every resumable and upload test sends more
    /// than one part of it, so the multipart paths run, with as few bytes as that allows.
    /// </summary>
    private protected const int PartSize = 5 * 1024 * 1024;

    private const int MiB = 1024 * 1024;
    private readonly string _dir = TempDirs.Create("reel-storage-contract");
    private IMediaStorage _storage = null!;

    private protected NodeSettings Node { get; private set; } = null!;

    /// <summary>The storage's clock: only S3 reads it (presigned expiry, the age of unfinished uploads).</summary>
    private protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    private protected string DataDir => _dir;

    public async Task InitializeAsync()
    {
        Node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = _dir }).Build());
        Node.CreateDirectories();
        _storage = await CreateAsync();
        await _storage.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await CleanUpAsync();
        (_storage as IDisposable)?.Dispose();
        TempDirs.Delete(_dir);
    }

    private protected abstract Task<IMediaStorage> CreateAsync();

    private protected abstract Task CleanUpAsync();

    /// <summary>Everything stored under the prefix, finished or not: files, hidden temp files, unfinished multipart uploads.</summary>
    private protected abstract Task<IReadOnlyList<string>> StoredAsync(string prefix);

    /// <summary>Whether this is what opening a file that is not stored throws: each backend's own error (callers stat first).</summary>
    private protected abstract bool IsMissingFileError(Exception error);

    /// <summary>Whether the storage hands out URLs clients fetch from directly; local disk sends through the node.</summary>
    private protected abstract bool HandsOutUrls { get; }

    /// <summary>Whether unfinished uploads outlive the node that began them, so the hourly sweep must abandon them.</summary>
    private protected abstract bool KeepsUnfinishedUploads { get; }

    /// <summary>A range that begins past the end: the caller never asks for one (it answers 416 itself).</summary>
    private protected abstract Task AssertRangePastTheEndAsync(Func<Task<Stream>> open);

    [Fact]
    public async Task A_file_put_is_stored_whole_and_the_local_file_is_consumed()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "thumbnail.jpg");
        var bytes = RandomBytes(300_000);
        var local = WriteLocal(bytes);

        await _storage.PutFileAsync(key, local, CancellationToken.None);

        Assert.False(File.Exists(local));
        Assert.Equal(bytes.Length, (await _storage.StatAsync(key, CancellationToken.None))!.Length);
        Assert.Equal(Hash(bytes), await StoredHashAsync(key));
    }

    [Fact]
    public async Task A_file_larger_than_a_part_is_put_whole()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "download.mp4");
        var bytes = RandomBytes(PartSize + 17);

        await _storage.PutFileAsync(key, WriteLocal(bytes), CancellationToken.None);

        Assert.Equal(bytes.Length, (await _storage.StatAsync(key, CancellationToken.None))!.Length);
        Assert.Equal(Hash(bytes), await StoredHashAsync(key));
        Assert.Equal(new[] { key }, await StoredAsync(StorageKeys.Video(VideoIdOf(key))));
    }

    [Fact]
    public async Task Text_put_again_replaces_the_file_whole_in_utf8_without_a_byte_order_mark()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "master.m3u8");
        await _storage.PutTextAsync(key, "#EXTM3U\n#EXT-X-VERSION:3\n# a much longer first version\n", CancellationToken.None);

        var second = "#EXTM3U\n# é\n";
        await _storage.PutTextAsync(key, second, CancellationToken.None);

        var read = await _storage.ReadSmallAsync(key, CancellationToken.None);
        Assert.Equal(new UTF8Encoding(false).GetBytes(second), read!.Bytes);
        Assert.Equal(read.Bytes.Length, (await _storage.StatAsync(key, CancellationToken.None))!.Length);
        Assert.Equal(new[] { key }, await StoredAsync(StorageKeys.Video(VideoIdOf(key))));
    }

    [Fact]
    public async Task A_small_read_gives_the_bytes_and_the_time_of_the_stored_version()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "720p/index.m3u8");
        var before = DateTimeOffset.UtcNow;
        await _storage.PutTextAsync(key, "#EXTM3U\n", CancellationToken.None);

        var read = await _storage.ReadSmallAsync(key, CancellationToken.None);
        var stat = await _storage.StatAsync(key, CancellationToken.None);

        Assert.Equal("#EXTM3U\n"u8.ToArray(), read!.Bytes);
        Assert.Equal(stat!.LastModified, read.LastModified);
        Assert.Equal(TimeSpan.Zero, read.LastModified.Offset);
        // S3 keeps whole seconds; a time from another clock or zone would be hours off.
        Assert.InRange(read.LastModified, before.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(2));
    }

    [Fact]
    public async Task A_file_that_is_not_stored_is_null_to_stat_and_small_read_and_an_error_to_open()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "master.m3u8");

        Assert.Null(await _storage.StatAsync(key, CancellationToken.None));
        Assert.Null(await _storage.ReadSmallAsync(key, CancellationToken.None));
        var missing = await Assert.ThrowsAnyAsync<Exception>(() => _storage.OpenReadAsync(key, 0, 10, CancellationToken.None));
        Assert.True(IsMissingFileError(missing), missing.ToString());
        await Assert.ThrowsAsync<FileNotFoundException>(() => _storage.OpenWholeAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task A_range_reads_exactly_those_bytes_up_to_the_last_one()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "720p/seg-00001.ts");
        var bytes = RandomBytes(100_000);
        await _storage.PutFileAsync(key, WriteLocal(bytes), CancellationToken.None);

        Assert.Equal(bytes[1000..1100], await ReadAsync(key, 1000, 100));
        Assert.Equal(bytes[^1..], await ReadAsync(key, bytes.Length - 1, 1));
        Assert.Equal(bytes, await ReadAsync(key, 0, bytes.Length));
        // The stream may run on past the range on local disk, so callers read no more than they asked for; a range
        // that runs past the end gives what there is, then the end.
        await using (var tail = await _storage.OpenReadAsync(key, bytes.Length - 10, 100, CancellationToken.None))
        {
            using var rest = new MemoryStream();
            await tail.CopyToAsync(rest);
            Assert.Equal(bytes[^10..], rest.ToArray());
        }
        await AssertRangePastTheEndAsync(() => _storage.OpenReadAsync(key, bytes.Length + 10, 5, CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_is_invisible_until_completed_and_then_stored_exactly_as_written()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var bytes = RandomBytes(PartSize + MiB + 3);
        var copy = Path.Combine(Node.TempDir, "upload.copy");

        await using (var upload = await _storage.BeginUploadAsync(key, CancellationToken.None))
        {
            await using (var local = File.Create(copy))
            {
                // Pieces of an odd size, as a request body arrives: one of them straddles the part boundary.
                foreach (var piece in Pieces(bytes, 700_001))
                {
                    await upload.WriteAsync(piece, CancellationToken.None);
                    await local.WriteAsync(piece);
                }
            }
            Assert.Null(await _storage.StatAsync(key, CancellationToken.None));

            await upload.CompleteAsync(copy, CancellationToken.None);
        }

        Assert.Equal(bytes.Length, (await _storage.StatAsync(key, CancellationToken.None))!.Length);
        Assert.Equal(Hash(bytes), await StoredHashAsync(key));
        Assert.Equal(new[] { key }, await StoredAsync(StorageKeys.Original(VideoIdOf(key))));
    }

    [Fact]
    public async Task An_upload_disposed_before_it_completes_leaves_nothing_stored()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var bytes = RandomBytes(PartSize + 1000);

        await using (var upload = await _storage.BeginUploadAsync(key, CancellationToken.None))
        {
            // More than a part: on S3 the multipart upload has begun and holds a part.
            await upload.WriteAsync(bytes, CancellationToken.None);
        }

        Assert.Null(await _storage.StatAsync(key, CancellationToken.None));
        Assert.Empty(await StoredAsync(StorageKeys.Original(VideoIdOf(key))));
    }

    [Fact]
    public async Task A_resumable_file_sent_over_several_requests_is_stored_exactly_as_sent()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        // Less than a part; up to a part boundary exactly; more than a whole part; the short last piece.
        var bytes = RandomBytes(MiB + (PartSize - MiB) + (PartSize + MiB + MiB / 2) + MiB / 2);
        int[] requests = [MiB, PartSize - MiB, PartSize + MiB + MiB / 2, MiB / 2];

        var state = await _storage.StartResumableAsync(key, CancellationToken.None);
        var offset = 0;
        foreach (var length in requests)
        {
            var last = offset + length == bytes.Length;
            await using var append = await _storage.ResumeAsync(key, state, offset, CancellationToken.None);
            foreach (var piece in Pieces(bytes.AsMemory(offset, length), 300_007))
                await append.WriteAsync(piece, CancellationToken.None);
            state = await append.CommitAsync(last, CancellationToken.None);
            await append.ForgetPreviousAsync(CancellationToken.None);
            offset += length;
            if (!last) Assert.Null(await _storage.StatAsync(key, CancellationToken.None));
        }

        Assert.Equal(bytes.Length, (await _storage.StatAsync(key, CancellationToken.None))!.Length);
        Assert.Equal(Hash(bytes), await StoredHashAsync(key));
        Assert.Equal(new[] { key }, await StoredAsync(StorageKeys.Original(VideoIdOf(key))));
    }

    [Fact]
    public async Task Bytes_of_a_request_that_never_committed_are_dropped_and_the_next_request_continues_from_the_state()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var first = RandomBytes(MiB);
        var rest = RandomBytes(MiB / 2);
        var state = await AppendAsync(key, await _storage.StartResumableAsync(key, CancellationToken.None), 0, first, last: false);

        await using (var lost = await _storage.ResumeAsync(key, state, first.Length, CancellationToken.None))
        {
            // Past a part boundary, so on S3 a part was sent under the number the next request will use for its last.
            await lost.WriteAsync(RandomBytes(PartSize), CancellationToken.None);
        }
        await AppendAsync(key, state, first.Length, rest, last: true);

        Assert.Equal(Hash([.. first, .. rest]), await StoredHashAsync(key));
        Assert.Equal(new[] { key }, await StoredAsync(StorageKeys.Original(VideoIdOf(key))));
    }

    [Fact]
    public async Task Resuming_from_more_bytes_than_are_stored_is_refused_and_spoils_nothing()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var first = RandomBytes(1000);
        var second = RandomBytes(500);
        var state = await AppendAsync(key, await _storage.StartResumableAsync(key, CancellationToken.None), 0, first, last: false);

        await Assert.ThrowsAsync<IOException>(() => _storage.ResumeAsync(key, state, first.Length + 1000, CancellationToken.None));

        await AppendAsync(key, state, first.Length, second, last: true);
        Assert.Equal(Hash([.. first, .. second]), await StoredHashAsync(key));
    }

    [Fact]
    public async Task Discarding_a_resumable_file_removes_everything_stored_of_it()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var state = await _storage.StartResumableAsync(key, CancellationToken.None);
        // A full part and a tail on S3.
        state = await AppendAsync(key, state, 0, RandomBytes(PartSize + MiB), last: false);
        Assert.NotEmpty(await StoredAsync(StorageKeys.Original(VideoIdOf(key))));

        await _storage.DiscardResumableAsync(key, state, CancellationToken.None);

        Assert.Null(await _storage.StatAsync(key, CancellationToken.None));
        Assert.Empty(await StoredAsync(StorageKeys.Original(VideoIdOf(key))));
    }

    [Fact]
    public async Task Deleting_a_prefix_removes_exactly_the_files_under_it()
    {
        var (a, b) = (Ids.NewVideoId(), Ids.NewVideoId());
        string[] rendition = [StorageKeys.VideoFile(a, "720p/index.m3u8"), StorageKeys.VideoFile(a, "720p/seg-00001.ts")];
        string[] keep = [StorageKeys.VideoFile(a, "master.m3u8"), StorageKeys.VideoFile(a, "1080p/index.m3u8"), StorageKeys.OriginalFile(a), StorageKeys.VideoFile(b, "master.m3u8")];
        foreach (var key in rendition.Concat(keep)) await _storage.PutTextAsync(key, key, CancellationToken.None);

        await _storage.DeletePrefixAsync(StorageKeys.VideoFolder(a, "720p"), CancellationToken.None);

        Assert.Empty(await StoredAsync(StorageKeys.VideoFolder(a, "720p")));
        foreach (var key in keep) Assert.NotNull(await _storage.StatAsync(key, CancellationToken.None));

        await _storage.DeletePrefixAsync(StorageKeys.Video(a), CancellationToken.None);
        await _storage.DeletePrefixAsync(StorageKeys.Video(Ids.NewVideoId()), CancellationToken.None); // Nothing there: no error.

        Assert.Empty(await StoredAsync(StorageKeys.Video(a)));
        Assert.Equal(new[] { StorageKeys.OriginalFile(a) }, await StoredAsync(StorageKeys.Original(a)));
        Assert.Equal(new[] { StorageKeys.VideoFile(b, "master.m3u8") }, await StoredAsync(StorageKeys.Video(b)));
        await Assert.ThrowsAsync<ArgumentException>(() => _storage.DeletePrefixAsync("videos/", CancellationToken.None));
    }

    [Fact]
    public async Task Video_ids_are_listed_once_each_in_ordinal_order_a_page_at_a_time()
    {
        // First characters a culture's order would sort differently: '-' < 'A' < 'Z' < '_' < 'a' in ordinal order.
        var ids = new[] { "a", "_", "Z", "-", "A" }.Select(first => first + Ids.NewVideoId()[1..]).ToList();
        foreach (var id in ids)
        {
            await _storage.PutTextAsync(StorageKeys.VideoFile(id, "master.m3u8"), "#EXTM3U\n", CancellationToken.None);
            await _storage.PutTextAsync(StorageKeys.VideoFile(id, "720p/index.m3u8"), "#EXTM3U\n", CancellationToken.None);
        }
        var originalOnly = Ids.NewVideoId();
        await _storage.PutTextAsync(StorageKeys.OriginalFile(originalOnly), "bytes", CancellationToken.None);
        var ordered = ids.Order(StringComparer.Ordinal).ToList();

        var pages = new List<IReadOnlyList<string>>();
        string? after = null;
        do
        {
            pages.Add(await _storage.ListVideoIdsAsync("videos/", after, 2, CancellationToken.None));
            after = pages[^1].Count > 0 ? pages[^1][^1] : null;
        }
        while (pages[^1].Count == 2);

        Assert.Equal(3, pages.Count);
        Assert.Equal(ordered.Take(2), pages[0]);
        Assert.Equal(ordered.Skip(2).Take(2), pages[1]);
        Assert.Equal(ordered.Skip(4), pages[2]);
        // After an id that has no files (deleted meanwhile): the page starts at the next one that has.
        var between = ordered[1][..21] + (ordered[1][21] == 'z' ? "_" : "z");
        Assert.Equal(ordered.Where(id => string.CompareOrdinal(id, between) > 0).Take(3), await _storage.ListVideoIdsAsync("videos/", between, 3, CancellationToken.None));
        Assert.Equal(new[] { originalOnly }, await _storage.ListVideoIdsAsync("originals/", null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Stale_unfinished_uploads_are_abandoned_except_those_still_resuming()
    {
        var (resuming, abandoned) = (Ids.NewVideoId(), Ids.NewVideoId());
        var states = new Dictionary<string, string>();
        foreach (var id in new[] { resuming, abandoned })
            states[id] = await AppendAsync(StorageKeys.OriginalFile(id), await _storage.StartResumableAsync(StorageKeys.OriginalFile(id), CancellationToken.None), 0, RandomBytes(1000), last: false);
        var spared = new HashSet<string> { resuming };
        if (KeepsUnfinishedUploads) Assert.Contains("upload:" + StorageKeys.OriginalFile(abandoned), await StoredAsync(StorageKeys.Original(abandoned)));

        Assert.Equal(0, await _storage.AbortStaleUploadsAsync(TimeSpan.FromDays(1), spared, CancellationToken.None));
        Clock.Advance(TimeSpan.FromDays(2));
        var aborted = await _storage.AbortStaleUploadsAsync(TimeSpan.FromDays(1), spared, CancellationToken.None);

        // Local disk keeps no upload beyond the node's temp folder (emptied at start) and the resumable partial files,
        // which expire with their upload: there is nothing for the sweep to abandon.
        Assert.Equal(KeepsUnfinishedUploads ? 1 : 0, aborted);
        var finished = RandomBytes(500);
        await AppendAsync(StorageKeys.OriginalFile(resuming), states[resuming], 1000, finished, last: true);
        Assert.Equal(1500, (await _storage.StatAsync(StorageKeys.OriginalFile(resuming), CancellationToken.None))!.Length);
        if (KeepsUnfinishedUploads)
            Assert.DoesNotContain("upload:" + StorageKeys.OriginalFile(abandoned), await StoredAsync(StorageKeys.Original(abandoned)));
    }

    [Fact]
    public async Task Checking_that_the_storage_is_writable_leaves_nothing_behind()
    {
        await _storage.CheckWritableAsync(CancellationToken.None);

        Assert.Empty(await StoredAsync(""));
    }

    [Fact]
    public async Task A_read_url_fetches_the_bytes_with_the_content_type_and_caching_asked_for()
    {
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "720p/seg-00001.ts");
        var bytes = RandomBytes(10_000);
        await _storage.PutFileAsync(key, WriteLocal(bytes), CancellationToken.None);

        var url = _storage.ReadUrl(key, "video/mp2t", "public, max-age=31536000, immutable");

        if (!HandsOutUrls)
        {
            // Local disk has no URL of its own: the stream node sends the bytes (or nginx does, with accel delivery).
            Assert.Null(url);
            return;
        }
        using var http = new HttpClient();
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("video/mp2t", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task A_local_path_gives_a_readable_copy_of_the_stored_file()
    {
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var bytes = RandomBytes(200_000);
        await _storage.PutFileAsync(key, WriteLocal(bytes), CancellationToken.None);
        var scratch = Directory.CreateDirectory(Path.Combine(Node.WorkDir, "job")).FullName;

        var path = await _storage.GetLocalPathAsync(key, scratch, CancellationToken.None);

        Assert.Equal(Hash(bytes), await StoredFiles.FileSha256Async(path));
        Assert.Equal(path, await _storage.GetLocalPathAsync(key, scratch, CancellationToken.None));
    }

    private protected static string VideoIdOf(string key) => key.Split('/')[1];

    private async Task<string> AppendAsync(string key, string state, long offset, byte[] bytes, bool last)
    {
        await using var append = await _storage.ResumeAsync(key, state, offset, CancellationToken.None);
        await append.WriteAsync(bytes, CancellationToken.None);
        var committed = await append.CommitAsync(last, CancellationToken.None);
        await append.ForgetPreviousAsync(CancellationToken.None);
        return committed;
    }

    private async Task<byte[]> ReadAsync(string key, long offset, int length)
    {
        await using var stream = await _storage.OpenReadAsync(key, offset, length, CancellationToken.None);
        var bytes = new byte[length];
        await stream.ReadExactlyAsync(bytes);
        return bytes;
    }

    private async Task<string> StoredHashAsync(string key)
    {
        await using var stream = await _storage.OpenWholeAsync(key, CancellationToken.None);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    private string WriteLocal(byte[] bytes)
    {
        var path = Path.Combine(Node.TempDir, $"{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Pieces(ReadOnlyMemory<byte> bytes, int size)
    {
        for (var at = 0; at < bytes.Length; at += size) yield return bytes.Slice(at, Math.Min(size, bytes.Length - at));
    }

    private static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

public sealed class LocalStorageContractTests : StorageContractTests
{
    private protected override bool IsMissingFileError(Exception error) => error is FileNotFoundException or DirectoryNotFoundException;

    private protected override bool HandsOutUrls => false;

    private protected override bool KeepsUnfinishedUploads => false;

    private protected override Task<IMediaStorage> CreateAsync() => Task.FromResult<IMediaStorage>(new LocalStorage(Node));

    private protected override Task CleanUpAsync() => Task.CompletedTask;

    private protected override Task<IReadOnlyList<string>> StoredAsync(string prefix)
    {
        var root = Node.MediaDir;
        var dir = Path.Combine(root, prefix);
        IReadOnlyList<string> files = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(files);
    }

    // A file opened past its end reads as ended at once.
    private protected override async Task AssertRangePastTheEndAsync(Func<Task<Stream>> open)
    {
        await using var stream = await open();
        Assert.Equal(0, await stream.ReadAsync(new byte[5]));
    }
}

public sealed class S3StorageContractTests : StorageContractTests
{
    private ObjectStore _store = null!;
    private string _bucket = null!;

    private protected override bool IsMissingFileError(Exception error) =>
        error is StorageRefusedException { Reason: "a file it needs is missing from object storage." };

    private protected override bool HandsOutUrls => true;

    private protected override bool KeepsUnfinishedUploads => true;

    private protected override async Task<IMediaStorage> CreateAsync()
    {
        _store = await ObjectStore.SharedAsync();
        _bucket = ObjectStore.BucketFor(DataDir);
        return Connect(_store.ServiceUrl, _bucket);
    }

    private protected override async Task CleanUpAsync()
    {
        using var client = _store.Client();
        try
        {
            var listing = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket });
            foreach (var upload in listing.MultipartUploads ?? []) await client.AbortMultipartUploadAsync(_bucket, upload.Key, upload.UploadId);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // No bucket: the test never made one.
        }
        await _store.DeleteBucketAsync(_bucket);
    }

    /// <summary>Objects by key, and multipart uploads not yet completed or aborted as <c>upload:key</c>.</summary>
    private protected override async Task<IReadOnlyList<string>> StoredAsync(string prefix)
    {
        using var client = _store.Client();
        var listing = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = prefix });
        return (await _store.KeysAsync(_bucket, prefix)).Concat((listing.MultipartUploads ?? []).Select(u => "upload:" + u.Key)).Order(StringComparer.Ordinal).ToList();
    }

    // S3 answers 416 InvalidRange: a request it will refuse every time.
    private protected override Task AssertRangePastTheEndAsync(Func<Task<Stream>> open) => Assert.ThrowsAsync<StorageRefusedException>(open);

    [Fact]
    public async Task A_bucket_that_does_not_exist_is_a_refusal_with_a_reason_for_people()
    {
        using var missing = Connect(_store.ServiceUrl, "reel-missing-" + Guid.NewGuid().ToString("N")[..12]);
        var key = StorageKeys.VideoFile(Ids.NewVideoId(), "master.m3u8");

        var refused = await Assert.ThrowsAsync<StorageRefusedException>(() => missing.CheckWritableAsync(CancellationToken.None));
        Assert.Equal("the object storage bucket does not exist (check the server's S3 settings).", refused.Reason);
        await Assert.ThrowsAsync<StorageRefusedException>(() => missing.PutTextAsync(key, "#EXTM3U\n", CancellationToken.None));
        await Assert.ThrowsAsync<StorageRefusedException>(() => missing.ListVideoIdsAsync("videos/", null, 10, CancellationToken.None));
        await Assert.ThrowsAsync<StorageRefusedException>(() => missing.StartResumableAsync(StorageKeys.OriginalFile(Ids.NewVideoId()), CancellationToken.None));
    }

    [Fact]
    public async Task A_resumable_state_recorded_before_it_counted_its_bytes_still_resumes()
    {
        using var storage = Connect(_store.ServiceUrl, _bucket);
        var key = StorageKeys.OriginalFile(Ids.NewVideoId());
        var state = await storage.StartResumableAsync(key, CancellationToken.None);
        // An upload begun before an upgrade: its state in the database has no byte count to check the offset against.
        var old = System.Text.Json.Nodes.JsonNode.Parse(state)!.AsObject();
        Assert.True(old.Remove("bytes"));

        await using (var append = await storage.ResumeAsync(key, old.ToJsonString(), 0, CancellationToken.None))
        {
            await append.WriteAsync("whole"u8.ToArray(), CancellationToken.None);
            await append.CommitAsync(last: true, CancellationToken.None);
        }

        Assert.Equal("whole"u8.ToArray(), (await storage.ReadSmallAsync(key, CancellationToken.None))!.Bytes);
    }

    private S3Storage Connect(string serviceUrl, string bucket)
    {
        var options = new StorageOptions { Provider = "s3" };
        options.S3.ServiceUrl = serviceUrl;
        options.S3.Bucket = bucket;
        options.S3.AccessKey = ObjectStore.AccessKey;
        options.S3.SecretKey = ObjectStore.SecretKey;
        options.S3.PartSizeMiB = PartSize / (1024 * 1024);
        return new S3Storage(Options.Create(options), Node, Clock, NullLogger<S3Storage>.Instance);
    }
}
