using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>S3 refuses a request for good (a file deleted behind Reel's back); the job fails instead of waiting for ever.</summary>
public sealed class StorageRefusalTests : IDisposable
{
    private readonly string _dataDir = TempDirs.Create("reel-refusal");

    public void Dispose() => TempDirs.Delete(_dataDir);

    [Fact]
    public async Task A_video_whose_original_was_deleted_from_S3_fails_with_a_clear_error_instead_of_waiting_for_ever()
    {
        var store = await ObjectStore.SharedAsync();
        var bucket = ObjectStore.BucketFor(_dataDir);
        var settings = store.SettingsFor(bucket);
        string id;
        // A node without the worker role takes the upload and leaves its job queued.
        await using (var api = await ReelServer.StartAsync(_dataDir, new Dictionary<string, string>(settings) { ["Roles"] = "api,stream" }))
        {
            id = (await api.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id;
            await api.StopGracefullyAsync(TimeSpan.FromSeconds(25));
        }
        await store.DeleteAsync(bucket, $"originals/{id}/source.bin");

        // One attempt, so the test need not wait out the back-off between attempts: the point is that it is counted.
        await using var worker = await ReelServer.StartAsync(_dataDir, new Dictionary<string, string>(settings) { ["Processing:MaxAttempts"] = "1" });
        var failed = await worker.WaitForAsync(id, v => v.Status == "failed", TimeSpan.FromSeconds(30));

        Assert.Equal("processing_failed", failed.Error!.Code);
        Assert.Contains("a file it needs is missing from object storage.", failed.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("originals/", failed.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Object storage unavailable; the job runs again", worker.LogTail(2000), StringComparison.Ordinal);
        // The log has what an operator needs: the request and S3's own answer.
        Assert.Contains("NoSuchKey", worker.LogTail(2000), StringComparison.Ordinal);
        await store.DeleteBucketAsync(bucket);
    }
}
