using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Rights end when an admin takes them away: access tokens signed before a demotion or a deletion act with what the account may do now.</summary>
/// <remarks>
/// Every test makes its own accounts, on one of two servers the fixture starts: one as installed (anyone
/// uploads) and one where only accounts with the uploader role do. No media is processed, so neither runs the worker.
/// </remarks>
public sealed class RightsTests(RightsTests.Servers servers) : IClassFixture<RightsTests.Servers>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task An_admin_demoted_to_viewer_cannot_act_as_admin_with_her_old_token_and_her_next_refresh_carries_her_new_roles()
    {
        var server = servers.Open;
        var alice = await PromotedAsync(server, "alice@reel.test", "admin");
        using var aliceClient = server.ClientWith(alice.AccessToken);
        // Her token works as admin (and this node has now read her account).
        Assert.Equal(HttpStatusCode.OK, (await aliceClient.GetAsync("/api/admin/users")).StatusCode);

        await SetRolesAsync(server.Client, alice.User.Id, "viewer");

        using (var regain = await aliceClient.PatchAsJsonAsync($"/api/admin/users/{alice.User.Id}", new { roles = new[] { "admin" } }))
            Assert.Equal(HttpStatusCode.Forbidden, regain.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await aliceClient.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await aliceClient.GetAsync("/api/videos?all=true")).StatusCode);
        Assert.Equal(["viewer"], await RolesOfAsync(server, alice.User.Id));

        using var anonymous = server.AnonymousClient();
        using var refreshed = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = alice.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var session = (await refreshed.Content.ReadFromJsonAsync<SessionJson>(Json))!;
        Assert.Equal(["viewer"], session.User.Roles);
        using (var fresh = server.ClientWith(session.AccessToken))
            Assert.Equal(HttpStatusCode.Forbidden, (await fresh.GetAsync("/api/admin/users")).StatusCode);

        // A promotion counts at once as well, for the token signed when she was still admin the first time.
        await SetRolesAsync(server.Client, alice.User.Id, "admin");
        Assert.Equal(HttpStatusCode.OK, (await aliceClient.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task A_deleted_account_s_old_token_gets_401_account_gone_for_everything_and_never_a_500()
    {
        var server = servers.Open;
        var bob = await PromotedAsync(server, "bob@reel.test", "admin");
        var carol = await server.SessionAsync("carol@reel.test");
        using var bobClient = server.ClientWith(bob.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await bobClient.GetAsync("/api/admin/users")).StatusCode);

        using (var deleted = await server.Client.DeleteAsync($"/api/admin/users/{bob.User.Id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var clip = await Clips.PathAsync(Clips.Tiny);
        var attempts = new (string What, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("create an upload key", () => bobClient.PostAsJsonAsync("/api/admin/api-keys", new { name = "after deletion" })),
            ("make another account admin", () => bobClient.PatchAsJsonAsync($"/api/admin/users/{carol.User.Id}", new { roles = new[] { "admin" } })),
            ("list accounts", () => bobClient.GetAsync("/api/admin/users")),
            // Under the default (anonymous) policy: this was a foreign-key error, 500.
            ("upload", () => ReelServer.PostVideoAsync(bobClient, clip)),
            ("list own videos", () => bobClient.GetAsync("/api/videos?mine=true")),
        };
        var wrong = new List<string>();
        foreach (var (what, send) in attempts)
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Unauthorized || !body.Contains("\"code\":\"account_gone\"", StringComparison.Ordinal))
                wrong.Add($"{what}: {(int)response.StatusCode} {body}");
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
        Assert.Equal(["uploader"], await RolesOfAsync(server, carol.User.Id));

        using var anonymous = server.AnonymousClient();
        using var refreshed = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = bob.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        Assert.Contains("invalid_refresh_token", await refreshed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uploader_demoted_to_viewer_can_no_longer_upload_with_her_old_token()
    {
        var server = servers.AccountsOnly;
        var dave = await server.SessionAsync("dave@reel.test");
        Assert.Equal(["uploader"], dave.User.Roles);
        using var daveClient = server.ClientWith(dave.AccessToken);
        await SetRolesAsync(server.Client, dave.User.Id, "viewer");

        using var upload = await ReelServer.PostVideoAsync(daveClient, await Clips.PathAsync(Clips.Tiny));
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Contains("\"code\":\"forbidden\"", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Signs the account up, gives it <paramref name="role"/> and signs in again, so its token carries the role.</summary>
    private static async Task<SessionJson> PromotedAsync(ReelServer server, string email, string role)
    {
        var first = await server.SessionAsync(email);
        await SetRolesAsync(server.Client, first.User.Id, role);
        var session = await server.SessionAsync(email);
        Assert.Equal([role], session.User.Roles);
        return session;
    }

    private static async Task SetRolesAsync(HttpClient admin, string userId, string role)
    {
        using var response = await admin.PatchAsJsonAsync($"/api/admin/users/{userId}", new { roles = new[] { role } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<IReadOnlyList<string>> RolesOfAsync(ReelServer server, string userId)
    {
        var page = await server.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?limit=200", Json);
        return page.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetString() == userId)
            .GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToList();
    }

    /// <summary>The two upload policies the class needs, each on a server of its own (API only).</summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly List<ReelServer> _started = [];

        /// <summary>The default policy: anyone may upload. Its client is the first account, an admin.</summary>
        internal ReelServer Open { get; private set; } = null!;

        /// <summary>The Accounts policy: only uploaders and admins upload. Its client is an admin.</summary>
        internal ReelServer AccountsOnly { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Open = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api" });
            _started.Add(Open);
            AccountsOnly = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api", ["Upload:Policy"] = "Accounts" });
            _started.Add(AccountsOnly);
        }

        public async Task DisposeAsync()
        {
            foreach (var server in _started) await server.DisposeAsync();
        }
    }
}
