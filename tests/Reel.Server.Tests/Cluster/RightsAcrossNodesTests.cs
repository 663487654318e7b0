using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>
/// Two API nodes sharing PostgreSQL and their signing keys (files stay on each node's disk: no media is involved, so
/// this needs no object store): what one node does to an account, the other honours within seconds.
/// </summary>
public sealed class RightsAcrossNodesTests : IAsyncLifetime
{
    private readonly string _shared = TempDirs.Create("reel-rights-cluster");
    private readonly List<ReelServer> _nodes = [];
    private string _database = null!;

    public async Task InitializeAsync() => _database = await Postgres.DatabaseForAsync(_shared);

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await Postgres.DropDatabaseForAsync(_shared);
        TempDirs.Delete(_shared);
    }

    [Fact]
    public async Task A_demotion_made_on_one_node_is_honoured_by_another_within_seconds()
    {
        var a = await StartNodeAsync("api-a", new());
        // Node B would trust what it read of an account for 60 s: honouring the demotion sooner takes the NOTIFY.
        var b = await StartNodeAsync("api-b", new() { ["Auth:AccountCacheSeconds"] = "60" });
        var erin = await a.SessionAsync("erin@reel.test");
        (await a.Client.PatchAsJsonAsync($"/api/admin/users/{erin.User.Id}", new { roles = new[] { "admin" } })).EnsureSuccessStatusCode();
        erin = await a.SessionAsync("erin@reel.test");
        using var onB = b.ClientWith(erin.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/admin/users")).StatusCode);

        (await a.Client.PatchAsJsonAsync($"/api/admin/users/{erin.User.Id}", new { roles = new[] { "viewer" } })).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await onB.GetAsync("/api/admin/users");
            if (response.StatusCode == HttpStatusCode.Forbidden) break;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "node B still lets a viewer act as admin 5 s after node A demoted her");
            await Task.Delay(50);
        }
    }

    private async Task<ReelServer> StartNodeAsync(string name, Dictionary<string, string> settings)
    {
        settings["Roles"] = "api";
        settings["NodeId"] = name;
        settings["Database:Provider"] = "postgres";
        settings["Database:ConnectionString"] = _database;
        settings["Auth:SigningKeysDir"] = Path.Combine(_shared, "keys");
        // These nodes store no media: each keeps its own disk, also under REEL_TEST_STORAGE=s3.
        settings["Storage:Provider"] = "local";
        var node = await ReelServer.StartAsync(settings: settings);
        _nodes.Add(node);
        return node;
    }
}
