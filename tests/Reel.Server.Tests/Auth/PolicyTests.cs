using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Who may upload and register under each policy, and the headers every answer carries.</summary>
public sealed class PolicyTests(PolicyTests.Servers servers) : IClassFixture<PolicyTests.Servers>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string ConfiguredKey = "reelk_configured-key-for-the-tests-0123456789";

    [Fact]
    public async Task An_anonymous_uploader_manages_the_video_with_its_manage_token_and_only_that_video()
    {
        var server = servers.Open;
        using var uploader = server.AnonymousClient();
        var clip = await Clips.PathAsync(Clips.Tiny);
        var a = await ReelServer.UploadAsAsync(uploader, clip);
        var b = await ReelServer.UploadAsAsync(uploader, clip);
        Assert.Equal("unlisted", a.Visibility);
        Assert.StartsWith("mt_", a.ManageToken, StringComparison.Ordinal);
        Assert.True(a.CanManage);
        Assert.Null(a.Owner);
        // Without an account or a key, the queue tells uploaders apart by their address; the API never shows it.
        Assert.Equal("ip:127.0.0.1", await TestDatabase.UploaderOfAsync(server.DataDir, a.Id));
        Assert.DoesNotContain("127.0.0.1", await uploader.GetStringAsync($"/api/videos/{b.Id}"), StringComparison.Ordinal);
        Assert.False((await uploader.GetFromJsonAsync<VideoJson>($"/api/videos/{a.Id}", Json))!.CanManage);

        using (var noToken = await uploader.PatchAsJsonAsync($"/api/videos/{a.Id}", new { title = "mine" }))
            Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        using (var wrongVideo = await Send(uploader, HttpMethod.Patch, $"/api/videos/{b.Id}", a.ManageToken!, new { title = "not mine" }))
            Assert.Equal(HttpStatusCode.Forbidden, wrongVideo.StatusCode);
        using (var renamed = await Send(uploader, HttpMethod.Patch, $"/api/videos/{a.Id}", a.ManageToken!, new { title = "mine", visibility = "private" }))
        {
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
            Assert.Equal("mine", (await renamed.Content.ReadFromJsonAsync<VideoJson>(Json))!.Title);
        }
        // Private now: invisible without the token, visible with it.
        Assert.Equal(HttpStatusCode.NotFound, (await uploader.GetAsync($"/api/videos/{a.Id}")).StatusCode);
        using (var seen = await Send(uploader, HttpMethod.Get, $"/api/videos/{a.Id}", a.ManageToken!))
            Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        using (var deleted = await Send(uploader, HttpMethod.Delete, $"/api/videos/{a.Id}", a.ManageToken!))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await uploader.GetAsync($"/api/videos/{b.Id}")).StatusCode);
    }

    [Fact]
    public async Task In_the_api_key_policy_only_configured_or_admin_made_keys_upload()
    {
        const string configured = ConfiguredKey;
        var server = servers.Locked;
        var clip = await Clips.PathAsync(Clips.Tiny);
        using var anonymous = server.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, await UploadStatusAsync(anonymous, clip));
        using (var wrong = server.ClientWith("reelk_not-a-key-anyone-made"))
            Assert.Equal(HttpStatusCode.Unauthorized, await UploadStatusAsync(wrong, clip));
        using (var withConfigured = server.ClientWith(configured))
        {
            var video = await ReelServer.UploadAsAsync(withConfigured, clip);
            Assert.NotNull(video.ManageToken);
            Assert.Equal("key:config", await TestDatabase.UploaderOfAsync(server.DataDir, video.Id));
            // A key uploads; it is not an account and manages nothing by itself.
            Assert.Equal(HttpStatusCode.Unauthorized, (await withConfigured.GetAsync("/api/auth/me")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await withConfigured.PatchAsJsonAsync($"/api/videos/{video.Id}", new { title = "x" })).StatusCode);
        }

        using var created = await server.Client.PostAsJsonAsync("/api/admin/api-keys", new { name = "ingest" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>(Json);
        using (var withMade = server.ClientWith(key.GetProperty("key").GetString()!))
        {
            Assert.Equal(HttpStatusCode.Created, await UploadStatusAsync(withMade, clip));
            var listed = await server.Client.GetStringAsync("/api/admin/api-keys");
            Assert.Contains("ingest", listed, StringComparison.Ordinal);
            Assert.DoesNotContain(key.GetProperty("key").GetString()!, listed, StringComparison.Ordinal);
            (await server.Client.DeleteAsync($"/api/admin/api-keys/{key.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.Unauthorized, await UploadStatusAsync(withMade, clip));
        }
        // Signed-in uploaders may upload in this policy too.
        var signedIn = await ReelServer.UploadAsAsync(server.Client, clip);
        Assert.Equal("user:" + signedIn.Owner!.Id, await TestDatabase.UploaderOfAsync(server.DataDir, signedIn.Id));
    }

    [Fact]
    public async Task The_first_account_is_admin_later_ones_get_the_registration_role_and_closed_registration_says_so()
    {
        // The open server: no test but this one makes an account there.
        var server = servers.Open;
        var first = await server.SessionAsync("first@reel.test");
        var second = await server.SessionAsync("second@reel.test");
        Assert.Equal(["admin"], first.User.Roles);
        Assert.Equal(["uploader"], second.User.Roles);
        using var client = server.AnonymousClient();
        using (var taken = await client.PostAsJsonAsync("/api/auth/register", new { email = "SECOND@reel.test", password = ReelServer.Password }))
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        using (var weak = await client.PostAsJsonAsync("/api/auth/register", new { email = "third@reel.test", password = "short" }))
            Assert.Contains("\"weak_password\"", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var invalid = await client.PostAsJsonAsync("/api/auth/register", new { email = "no-at-sign", password = ReelServer.Password }))
            Assert.Contains("\"invalid_email\"", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Closed registration, with the admin account made from configuration at start.
        var closed = servers.Locked;
        using var closedClient = closed.AnonymousClient();
        using (var refused = await closedClient.PostAsJsonAsync("/api/auth/register", new { email = "new@reel.test", password = ReelServer.Password }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("\"registration_closed\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var root = await closedClient.PostAsJsonAsync("/api/auth/login", new { email = Servers.ConfiguredAdmin, password = ReelServer.Password });
        Assert.Equal(["admin"], (await root.Content.ReadFromJsonAsync<SessionJson>(Json))!.User.Roles);
    }

    [Fact]
    public async Task Responses_carry_security_headers_and_cors_is_off_unless_origins_are_configured()
    {
        var server = servers.Open;
        using var anonymous = server.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/videos") { Headers = { { "Origin", "https://elsewhere.example" } } };
        using var response = await anonymous.SendAsync(request);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        using var page = await anonymous.GetAsync("/watch/AAAAAAAAAAAAAAAAAAAAAA");
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());

        // The locked server lists one origin.
        var open = servers.Locked;
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/videos")
        {
            Headers = { { "Origin", "https://app.example" }, { "Access-Control-Request-Method", "POST" }, { "Access-Control-Request-Headers", "authorization" } },
        };
        using var allowed = await open.Client.SendAsync(preflight);
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/videos") { Headers = { { "Origin", "https://evil.example" } } };
        using var refused = await open.Client.SendAsync(other);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<HttpStatusCode> UploadStatusAsync(HttpClient client, string path)
    {
        using var response = await ReelServer.PostVideoAsync(client, path);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, string manageToken, object? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Reel-Manage-Token", manageToken);
        return client.SendAsync(request);
    }

    /// <summary>
    /// The two configurations the class needs: <see cref="Open"/> as installed (anyone uploads,
    /// anyone registers, no account made by the fixture, so the first account a test makes is the first there is) and
    /// <see cref="Locked"/> with every restriction on (upload keys, closed registration with a configured admin, one
    /// CORS origin). Neither runs the worker: no test here watches a video being processed.
    /// </summary>
    public sealed class Servers : IAsyncLifetime
    {
        public const string ConfiguredAdmin = "root@reel.test";

        internal ReelServer Open { get; private set; } = null!;

        internal ReelServer Locked { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Open = await ReelServer.StartAsync(signIn: false, settings: new Dictionary<string, string> { ["Roles"] = "api,stream" });
            Locked = await StartLockedAsync();
        }

        public async Task DisposeAsync()
        {
            // Null when a start failed.
            if (Open is not null) await Open.DisposeAsync();
            if (Locked is not null) await Locked.DisposeAsync();
        }

        private static async Task<ReelServer> StartLockedAsync()
        {
            var server = await ReelServer.StartAsync(signIn: false, settings: new Dictionary<string, string>
            {
                ["Roles"] = "api,stream",
                ["Upload:Policy"] = "ApiKey",
                ["Auth:ApiKeys:0"] = ConfiguredKey,
                ["Auth:AllowRegistration"] = "false",
                ["Auth:AdminEmail"] = ConfiguredAdmin,
                ["Auth:AdminPassword"] = ReelServer.Password,
                ["Cors:AllowedOrigins:0"] = "https://app.example",
            });
            // Registration is closed: its client acts as the configured admin.
            server.Client.DefaultRequestHeaders.Authorization = new("Bearer", (await server.SessionAsync(ConfiguredAdmin)).AccessToken);
            return server;
        }
    }
}
