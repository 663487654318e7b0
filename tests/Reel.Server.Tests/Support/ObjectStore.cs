using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Reel.Server.Tests.Support;

/// <summary>
/// A real S3 server for the tests: OpenStack Swift with s3api on loopback, started by scripts/s3-server.sh. The shared
/// one serves every server of a run when REEL_TEST_STORAGE=s3 (each data folder gets its own bucket); tests that take
/// S3 away start their own. Whatever happens to the test host, a watcher stops the servers and removes the folder.
/// </summary>
internal sealed class ObjectStore : IAsyncDisposable
{
    public const string AccessKey = "test:tester";
    public const string SecretKey = "testing";
    private static readonly Lazy<Task<ObjectStore>> Shared = new(StartAsync);
    private readonly string _dir;

    private ObjectStore(string dir, string serviceUrl)
    {
        _dir = dir;
        ServiceUrl = serviceUrl;
    }

    public static bool Selected => Environment.GetEnvironmentVariable("REEL_TEST_STORAGE") == "s3";

    /// <summary>Data folders of the servers that keep their files in the shared server (a bucket each).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> SharedBucketDirs = new();

    /// <summary>Notes that the server of <paramref name="dataDir"/> keeps its files in the shared server.</summary>
    public static void NoteSharedBucketOf(string dataDir) => SharedBucketDirs[dataDir] = true;

    /// <summary>Whether the server of <paramref name="dataDir"/> keeps its files in the shared server.</summary>
    public static bool HoldsFilesOf(string dataDir) => SharedBucketDirs.ContainsKey(dataDir);

    public string ServiceUrl { get; }

    public static Task<ObjectStore> SharedAsync() => Shared.Value;

    public static async Task<ObjectStore> StartAsync()
    {
        var dir = TempDirs.Create("reel-swift");
        var stop = $"bash {Script} stop {dir}; rm -rf {dir}";
        HostExit.Run(stop);
        var url = (await Ffmpeg.ExecAsync("bash", [Script, "start", dir])).Trim();
        return new ObjectStore(dir, url);
    }

    /// <summary>The server settings that put a node's files in <paramref name="bucket"/>.</summary>
    public Dictionary<string, string> SettingsFor(string bucket) => new()
    {
        ["Storage:Provider"] = "s3",
        ["Storage:S3:ServiceUrl"] = ServiceUrl,
        ["Storage:S3:Bucket"] = bucket,
        ["Storage:S3:AccessKey"] = AccessKey,
        ["Storage:S3:SecretKey"] = SecretKey,
    };

    /// <summary>A bucket name for a data folder: a server restarted on the same folder finds its files again.</summary>
    public static string BucketFor(string dataDir) =>
        "reel-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDir)))[..16].ToLowerInvariant();

    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public async Task<List<string>> KeysAsync(string bucket, string prefix = "")
    {
        using var client = Client();
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            try
            {
                page = await client.ListObjectsV2Async(request);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return keys; // No bucket yet: nothing stored.
            }
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    /// <summary>Multipart uploads begun and neither completed nor aborted: their parts would be stored for ever.</summary>
    public async Task<List<string>> UnfinishedUploadsAsync(string bucket)
    {
        using var client = Client();
        var listing = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return (listing.MultipartUploads ?? []).Select(u => u.Key).ToList();
    }

    /// <summary>How many parts the unfinished multipart uploads of the bucket hold between them.</summary>
    public async Task<int> UnfinishedPartsAsync(string bucket)
    {
        using var client = Client();
        var listing = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        var parts = 0;
        foreach (var upload in listing.MultipartUploads ?? [])
            parts += (await client.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = upload.Key, UploadId = upload.UploadId })).Parts?.Count ?? 0;
        return parts;
    }

    public async Task DeleteAsync(string bucket, string key)
    {
        using var client = Client();
        await client.DeleteObjectAsync(bucket, key);
    }

    public async Task DeleteBucketAsync(string bucket)
    {
        using var client = Client();
        foreach (var key in await KeysAsync(bucket)) await client.DeleteObjectAsync(bucket, key);
        try
        {
            await client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // The server never made it.
        }
    }

    /// <summary>Takes S3 away: the proxy stops, so every request is refused until <see cref="StartProxyAsync"/>.</summary>
    public Task StopProxyAsync() => Ffmpeg.ExecAsync("bash", [Script, "stop-proxy", _dir]);

    public Task StartProxyAsync() => Ffmpeg.ExecAsync("bash", [Script, "start-proxy", _dir]);

    public async ValueTask DisposeAsync()
    {
        await Ffmpeg.ExecAsync("bash", [Script, "stop", _dir]);
        TempDirs.Delete(_dir);
    }

    private static string Script => Path.Combine(ReelServer.RepoRoot(), "scripts", "s3-server.sh");
}

/// <summary>What a server has stored, wherever it stores it: local files under the data folder, or objects in its bucket.</summary>
internal static class StoredFiles
{
    public static async Task<IReadOnlyList<string>> KeysAsync(string dataDir, string prefix)
    {
        if (ObjectStore.HoldsFilesOf(dataDir))
            return await (await ObjectStore.SharedAsync()).KeysAsync(ObjectStore.BucketFor(dataDir), prefix);
        var root = Path.Combine(dataDir, "media");
        var dir = Path.Combine(root, prefix);
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToList()
            : [];
    }

    /// <summary>The SHA-256 of a stored file, in hex.</summary>
    public static async Task<string> Sha256Async(string dataDir, string key)
    {
        if (!ObjectStore.HoldsFilesOf(dataDir)) return await FileSha256Async(Path.Combine(dataDir, "media", key));
        using var client = (await ObjectStore.SharedAsync()).Client();
        using var response = await client.GetObjectAsync(ObjectStore.BucketFor(dataDir), key);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(response.ResponseStream));
    }

    /// <summary>The SHA-256 of a local file (a source), in hex, to compare with a stored one.</summary>
    public static async Task<string> FileSha256Async(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file));
    }

    public static async Task DeleteAsync(string dataDir, string key)
    {
        if (ObjectStore.HoldsFilesOf(dataDir)) await (await ObjectStore.SharedAsync()).DeleteAsync(ObjectStore.BucketFor(dataDir), key);
        else File.Delete(Path.Combine(dataDir, "media", key));
    }
}
