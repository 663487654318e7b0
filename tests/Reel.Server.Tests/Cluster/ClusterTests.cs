using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>
/// Reel as a cluster: nodes of the same binary, each its own process on its own port and data folder, sharing only
/// PostgreSQL, an S3 bucket (Swift) and their keys.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private const string Bucket = "reel-cluster";
    private readonly string _shared = TempDirs.Create("reel-cluster");
    private readonly string _streamKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly Dictionary<ReelServer, string> _nodes = [];
    private ObjectStore _store = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _store = await ObjectStore.StartAsync();
        _database = await Postgres.DatabaseForAsync(_shared);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Keys)
        {
            await node.DisposeAsync();
            TempDirs.Delete(node.DataDir);
        }
        await _store.DisposeAsync();
        await Postgres.DropDatabaseForAsync(_shared);
        TempDirs.Delete(_shared);
    }

    [Fact]
    public async Task Two_api_nodes_and_two_workers_process_six_videos_and_survive_losing_a_worker_mid_transcode()
    {
        var a = await StartNodeAsync("api-a", "api,stream");
        // Node B polls for revoked links only every 10 minutes: a revocation it honours at once came by NOTIFY.
        var b = await StartNodeAsync("api-b", "api,stream", extra: new() { ["Auth:RevocationPollSeconds"] = "600" });
        var workers = new[] { await StartNodeAsync("worker-1", "worker"), await StartNodeAsync("worker-2", "worker") };

        Clip[] clips = [Clips.Watchable, Clips.Mov, Clips.Mkv, Clips.WebM, Clips.Avi, Clips.Silent];
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
        var (attempts, state) = await EncodeJobAsync(watchableId);
        Assert.Equal(("done", 2), (state, attempts));

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

        for (var i = 0; i < 50 && (await _store.KeysAsync(Bucket)).Count > 0; i++) await Task.Delay(200);
        Assert.Empty(await _store.KeysAsync(Bucket));
        Assert.Empty(await _store.UnfinishedUploadsAsync(Bucket));
        foreach (var node in _nodes.Keys)
        {
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(node.DataDir, "tmp")));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(node.DataDir, "work")));
        }
    }

    private async Task<ReelServer> StartNodeAsync(string name, string roles, string? dataDir = null, Dictionary<string, string>? extra = null)
    {
        var settings = _store.SettingsFor(Bucket);
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
            var node = await ReelServer.StartAsync(folder, settings, signIn: roles.Contains("api", StringComparison.Ordinal));
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

    private async Task<(long Attempts, string State)> EncodeJobAsync(string videoId)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT attempts, state FROM jobs WHERE video_id = $1 AND kind = 'encode'", connection)
        {
            Parameters = { new() { Value = videoId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1));
    }
}
