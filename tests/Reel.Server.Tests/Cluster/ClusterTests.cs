using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>
/// Reel as a cluster: nodes of the same binary, each its own process on its own port and data folder, sharing only
/// PostgreSQL, an S3 bucket (Swift) and their keys.
/// </summary>
[RunsLong]
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly string _bucket = $"reel-cluster-{Guid.NewGuid():N}"[..32];
    private readonly string _shared = TempDirs.Create("reel-cluster");
    private readonly string _streamKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly Dictionary<ReelServer, string> _nodes = [];
    private ObjectStore _store = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _store = await ObjectStore.SharedAsync();
        _database = await Postgres.DatabaseForAsync(_shared);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Keys)
        {
            await node.DisposeAsync();
            TempDirs.Delete(node.DataDir);
        }
        await _store.DeleteBucketAsync(_bucket);
        await Postgres.DropDatabaseForAsync(_shared);
        TempDirs.Delete(_shared);
    }

    [Fact]
    public async Task Two_api_nodes_and_two_workers_process_four_videos_and_survive_losing_a_worker_mid_transcode()
    {
        var a = await StartNodeAsync("api-a", "api,stream");
        // Node B polls for revoked links only every 10 minutes: a revocation it honours at once came by NOTIFY.
        var b = await StartNodeAsync("api-b", "api,stream", extra: new() { ["Auth:RevocationPollSeconds"] = "600" });
        var workers = new[] { await StartNodeAsync("worker-1", "worker"), await StartNodeAsync("worker-2", "worker") };

        // One long enough to lose a worker in the middle of; the others only need to be spread over the workers.
        Clip[] clips = [Clips.Watchable, Clips.Tiny, Clips.Tiny, Clips.Tiny];
        var ids = new List<string>();
        foreach (var clip in clips) ids.Add((await a.UploadAsync(await Clips.PathAsync(clip), clip.ContentType)).Id);
        var watchableId = ids[0];

        // Node A signs the links, node B serves them: a player can be sent to any stream node.
        var watchedWhileProcessing = 0;
        foreach (var id in ids)
        {
            var playable = await b.WaitForAsync(id, v => v.Playable, TimeSpan.FromSeconds(90));
            var fromA = await a.GetVideoAsync(id);
            var master = Hls.ParseMaster(await Hls.GetTextAsync(b.Client, fromA.StreamUrl!));
            var media = Hls.Resolve(fromA.StreamUrl!, master[0].Uri);
            var playlist = Reel.Media.HlsPlaylists.ParseMedia(await Hls.GetTextAsync(b.Client, media));
            Assert.NotEmpty(await Hls.GetBytesAsync(b.Client, Hls.Resolve(media, playlist.Segments[0].Uri)));
            if (playable.Status != "ready") watchedWhileProcessing++;
        }
        Assert.True(watchedWhileProcessing > 0, "at least one video was watched through node B before it was ready");

        // Kill -9 whichever worker holds the 20 s video's encode, once it is well under way.
        await a.WaitForAsync(watchableId, v => v.Progress >= 0.15, TimeSpan.FromSeconds(120));
        var holder = await EncodeLeaseOwnerAsync(watchableId) ?? throw new InvalidOperationException("No worker holds the encode of the 20 s video.");
        var victim = workers.Single(w => _nodes[w] == holder);
        await victim.CrashAsync();
        foreach (var pid in ReelServer.EncodersWorkingIn(victim.DataDir))
        {
            using var orphan = System.Diagnostics.Process.GetProcessById(pid);
            orphan.Kill();
        }

        foreach (var id in ids)
        {
            var ready = await b.WaitUntilReadyAsync(id, seconds: 240);
            await Hls.AssertCompleteAsync(b.Client, ready, ready.DurationSeconds);
        }
        // The crash is not the video's fault: it counts as an interruption, not as a failed attempt.
        var (attempts, interruptions, state) = await EncodeJobAsync(watchableId);
        // (At least one: on a loaded machine a late renewal may also stop a run early, which is an interruption too.)
        Assert.Equal(("done", 0), (state, attempts));
        Assert.True(interruptions >= 1, $"the crash counted as an interruption ({interruptions})");

        var revoked = await a.GetVideoAsync(ids[1]);
        using (var before = await b.Client.GetAsync(revoked.ThumbnailUrl))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        (await a.Client.PostAsync($"/api/videos/{revoked.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await b.Client.GetAsync(revoked.ThumbnailUrl)).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "node B still honours a link revoked on node A after 3 s");
            await Task.Delay(50);
        }

        foreach (var id in ids)
        {
            using var deleted = await a.Client.DeleteAsync($"/api/videos/{id}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        // The crashed worker comes back, as a service manager would bring it, and clears its scratch folders.
        _nodes.Remove(victim);
        await victim.DisposeAsync();
        await StartNodeAsync(holder, "worker", victim.DataDir);

        await Eventually.FoundAsync(async () => (await _store.KeysAsync(_bucket)).Count == 0 ? "swept" : null);
        Assert.Empty(await _store.UnfinishedUploadsAsync(_bucket));
        foreach (var node in _nodes.Keys)
        {
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(node.DataDir, "tmp")));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(node.DataDir, "work")));
        }
    }

    private async Task<ReelServer> StartNodeAsync(string name, string roles, string? dataDir = null, Dictionary<string, string>? extra = null)
    {
        var settings = _store.SettingsFor(_bucket);
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        settings["Roles"] = roles;
        settings["NodeId"] = name;
        settings["Database:Provider"] = "postgres";
        settings["Database:ConnectionString"] = _database;
        settings["Auth:StreamKey"] = _streamKey;
        settings["Auth:SigningKeysDir"] = Path.Combine(_shared, "keys");
        // A short lease, so the surviving worker takes over a dead one's job within seconds.
        settings["Processing:LeaseSeconds"] = "6";
        settings["Processing:Concurrency"] = "1";
        var folder = dataDir ?? TempDirs.Create($"reel-{name}");
        try
        {
            var node = await ReelServer.StartAsync(folder, settings, signIn: roles.Contains("api", StringComparison.Ordinal), ownProcess: true);
            _nodes[node] = name;
            return node;
        }
        catch
        {
            TempDirs.Delete(folder);
            throw;
        }
    }

    private async Task<string?> EncodeLeaseOwnerAsync(string videoId)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT lease_owner FROM jobs WHERE video_id = $1 AND kind = 'encode' AND state = 'running'", connection)
        {
            Parameters = { new() { Value = videoId } },
        };
        return await command.ExecuteScalarAsync() as string;
    }

    private async Task<(long Attempts, long Interruptions, string State)> EncodeJobAsync(string videoId)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT attempts, interruptions, state FROM jobs WHERE video_id = $1 AND kind = 'encode'", connection)
        {
            Parameters = { new() { Value = videoId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(2));
    }
}
