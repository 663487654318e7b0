using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Access tokens the server must refuse, made with its own key file and with every trick in the book.</summary>
/// <remarks>
/// One server per configuration, started by the fixture: the sign-in limits count every attempt from
/// 127.0.0.1, so each limit test has a server of its own; the rest share one. Key rotation needs two starts of its own.
/// </remarks>
public sealed class TokenTests(TokenTests.Servers servers) : IClassFixture<TokenTests.Servers>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Only_unexpired_RS256_tokens_signed_by_a_published_key_are_accepted()
    {
        var server = servers.Shared;
        var session = await server.SessionAsync(ReelServer.AdminEmail);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(server.DataDir, "keys", "signing-key-1.pem")));
        var jwks = await server.AnonymousClient().GetFromJsonAsync<JsonElement>("/.well-known/jwks.json", Json);
        var kid = jwks.GetProperty("keys")[0].GetProperty("kid").GetString()!;
        Assert.Equal(kid, new JsonWebToken(session.AccessToken).Kid);
        var now = DateTime.UtcNow;

        string Signed(DateTime notBefore, DateTime expires, RSA key, string keyId) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "reel",
            Audience = "reel",
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = session.User.Id, ["roles"] = new[] { "admin" } },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });

        // The control: a token made the same way with the real key and times is accepted, so the refusals below are real.
        Assert.Equal(HttpStatusCode.OK, await MeAsync(server, Signed(now.AddMinutes(-1), now.AddMinutes(5), rsa, kid)));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(server, session.AccessToken));

        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { sub = session.User.Id, roles = new[] { "admin" }, iss = "reel", aud = "reel", exp = ToUnix(now.AddMinutes(5)), nbf = ToUnix(now.AddMinutes(-1)) }));
        var publicPem = rsa.ExportSubjectPublicKeyInfoPem();
        using var stranger = RSA.Create(2048);
        var refused = new Dictionary<string, string>
        {
            ["expired"] = Signed(now.AddMinutes(-30), now.AddMinutes(-10), rsa, kid),
            ["not yet valid"] = Signed(now.AddMinutes(10), now.AddMinutes(30), rsa, kid),
            ["alg none"] = $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{payload}.",
            ["HS256 keyed with the public key"] = Hs256(payload, kid, Encoding.UTF8.GetBytes(publicPem)),
            ["unknown kid"] = Signed(now.AddMinutes(-1), now.AddMinutes(5), stranger, "not-a-key-of-ours"),
            ["known kid, other key"] = Signed(now.AddMinutes(-1), now.AddMinutes(5), stranger, kid),
            ["tampered payload"] = Tamper(session.AccessToken),
            ["alg none naming our kid"] = $"{Base64UrlEncoder.Encode($"{{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"{kid}\"}}")}.{payload}.",
            ["alg None with a signature"] = $"{Base64UrlEncoder.Encode("{\"alg\":\"None\",\"typ\":\"JWT\"}")}.{payload}.{Tamper(session.AccessToken).Split('.')[2]}",
            ["five-part JWE"] = session.AccessToken + ".AAAA.BBBB",
            ["real JWE to our public key around a valid token"] = Encrypted(Signed(now.AddMinutes(-1), now.AddMinutes(5), rsa, kid), rsa, kid),
            ["garbage"] = "eyJhbGciOi.not.a.token",
        };
        foreach (var (name, token) in refused)
        {
            var status = await MeAsync(server, token);
            Assert.True(status == HttpStatusCode.Unauthorized, $"A token that is {name} was answered {(int)status}.");
        }

        // Refused credentials are refused even where anonymous access is allowed, so a client learns it must refresh.
        using var anonymousAllowed = server.ClientWith(refused["expired"]);
        using var list = await anonymousAllowed.GetAsync("/api/videos");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Contains("\"invalid_token\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_signing_key_signs_from_the_next_start_while_tokens_of_the_old_one_stay_valid()
    {
        var dataDir = TempDirs.Create("reel-rotation");
        string oldToken;
        await using (var before = await ReelServer.StartAsync(dataDir, new Dictionary<string, string> { ["Roles"] = "api" }))
        {
            oldToken = (await before.SessionAsync(ReelServer.AdminEmail)).AccessToken;
            using var rsa = RSA.Create(2048);
            var rotated = Path.Combine(dataDir, "keys", "signing-key-2.pem");
            await File.WriteAllTextAsync(rotated, rsa.ExportPkcs8PrivateKeyPem());
            File.SetLastWriteTimeUtc(rotated, DateTime.UtcNow.AddMinutes(1));
        }
        try
        {
            await using var after = await ReelServer.StartAsync(dataDir, new Dictionary<string, string> { ["Roles"] = "api" });
            var jwks = await after.AnonymousClient().GetFromJsonAsync<JsonElement>("/.well-known/jwks.json", Json);
            var kids = jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
            Assert.Equal(2, kids.Count);
            var newToken = (await after.SessionAsync(ReelServer.AdminEmail)).AccessToken;
            Assert.NotEqual(new JsonWebToken(oldToken).Kid, new JsonWebToken(newToken).Kid);
            Assert.Equal(kids[^1], new JsonWebToken(newToken).Kid);
            Assert.Equal(HttpStatusCode.OK, await MeAsync(after, oldToken));
            Assert.Equal(HttpStatusCode.OK, await MeAsync(after, newToken));
        }
        finally
        {
            TempDirs.Delete(dataDir);
        }
    }

    [Fact]
    public async Task A_refresh_token_presented_again_after_its_family_moved_on_revokes_the_whole_sign_in()
    {
        var server = servers.Shared;
        using var client = server.AnonymousClient();
        var first = await server.SessionAsync("reuse@reel.test");

        var second = await RefreshAsync(client, first.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(first.RefreshToken, second.Session!.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(server, second.Session.AccessToken));

        // Presented again at once while its successor is unused (a page reloaded mid-refresh): one more token, no alarm.
        var reloaded = await RefreshAsync(client, first.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, reloaded.Status);

        // Once the family has moved on, the old token coming back is a replay.
        var third = await RefreshAsync(client, second.Session.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, third.Status);
        var replay = await RefreshAsync(client, first.RefreshToken!);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.Status);
        Assert.Equal("refresh_token_reused", replay.Code);
        // The replay also kills every newer token of that sign-in, the legitimate holder's included.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(client, third.Session!.RefreshToken!)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(client, reloaded.Session!.RefreshToken!)).Status);

        // Another sign-in is a separate family and is unaffected; logging it out revokes it.
        var other = await server.SessionAsync("reuse@reel.test");
        using (var logout = await client.PostAsJsonAsync("/api/auth/logout", new { refreshToken = other.RefreshToken }))
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(client, other.RefreshToken!)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(client, "rt_made-up")).Status);
    }

    [Fact]
    public async Task The_web_session_keeps_its_refresh_token_in_an_http_only_cookie_and_never_in_the_body()
    {
        var server = servers.Shared;
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = server.Client.BaseAddress };
        using var login = await browser.PostAsJsonAsync("/api/auth/login", new { email = ReelServer.AdminEmail, password = ReelServer.Password, session = "cookie" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var body = await login.Content.ReadFromJsonAsync<SessionJson>(Json);
        Assert.Null(body!.RefreshToken);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("reel_refresh=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/auth", cookie, StringComparison.OrdinalIgnoreCase);

        using var refreshed = await browser.PostAsJsonAsync("/api/auth/refresh", new { });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Null((await refreshed.Content.ReadFromJsonAsync<SessionJson>(Json))!.RefreshToken);
        using (await browser.PostAsJsonAsync("/api/auth/logout", new { })) { }
        using var afterLogout = await browser.PostAsJsonAsync("/api/auth/refresh", new { });
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout.StatusCode);
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_per_account_and_per_address()
    {
        var server = servers.Limited;
        using var client = server.AnonymousClient();
        const string victim = "victim@reel.test";
        (await client.PostAsJsonAsync("/api/auth/register", new { email = victim, password = ReelServer.Password })).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, victim, "wrong password")).StatusCode);
        // Even the right password waits now: the account is locked for the window.
        using (var locked = await LoginAsync(client, victim, ReelServer.Password))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("\"too_many_attempts\"", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Other accounts from the same address get their tries until the address has used its 8 (5 are gone).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var attempt = await LoginAsync(client, $"someone{i}@reel.test", "wrong password");
            statuses.Add(attempt.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_trusted_proxy_the_address_limit_counts_the_forwarded_client_and_nobody_else_can_claim_one(bool trusted)
    {
        // Both allow two attempts per address; one trusts 127.0.0.0/8 as its proxy.
        var server = trusted ? servers.Proxied : servers.Unproxied;
        using var client = server.AnonymousClient();
        async Task<HttpStatusCode> AttemptFromAsync(string address, int i)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email = $"nobody{i}@reel.test", password = "wrong password" }) };
            request.Headers.Add("X-Forwarded-For", address);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await AttemptFromAsync("203.0.113.7", 1));
        Assert.Equal(HttpStatusCode.Unauthorized, await AttemptFromAsync("203.0.113.7", 2));
        Assert.Equal(HttpStatusCode.TooManyRequests, await AttemptFromAsync("203.0.113.7", 3));
        // Another client behind the proxy has its own tries; without a trusted proxy the header means nothing.
        Assert.Equal(trusted ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, await AttemptFromAsync("198.51.100.9", 4));
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { email, password });

    private static async Task<HttpStatusCode> MeAsync(ReelServer server, string token)
    {
        using var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync("/api/auth/me");
        return response.StatusCode;
    }

    private static async Task<(HttpStatusCode Status, SessionJson? Session, string? Code)> RefreshAsync(HttpClient client, string refreshToken)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
        if (!response.IsSuccessStatusCode)
            return (response.StatusCode, null, (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("code").GetString());
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<SessionJson>(Json), null);
    }

    private static string Hs256(string payload, string kid, byte[] secret)
    {
        var header = Base64UrlEncoder.Encode($"{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{kid}\"}}");
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>A genuine JWE (RSA-OAEP + A256CBC-HS512, five parts) encrypted to the server's own public key.</summary>
    private static string Encrypted(string innerToken, RSA key, string kid)
    {
        using var publicOnly = RSA.Create();
        publicOnly.ImportParameters(key.ExportParameters(includePrivateParameters: false));
        var jwe = new JsonWebTokenHandler().EncryptToken(innerToken,
            new EncryptingCredentials(new RsaSecurityKey(publicOnly) { KeyId = kid }, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        Assert.Equal(5, jwe.Split('.').Length);
        return jwe;
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var claims = Base64UrlEncoder.Decode(parts[1]).Replace("\"name\":", "\"extra\":\"x\",\"name\":", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(claims)}.{parts[2]}";
    }

    private static long ToUnix(DateTime time) => new DateTimeOffset(time).ToUnixTimeSeconds();

    /// <summary>The class's servers, each on its own data folder and API only (no media here).</summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly List<ReelServer> _started = [];

        /// <summary>As installed; its client is the first account, an admin.</summary>
        internal ReelServer Shared { get; private set; } = null!;

        /// <summary>Three failed sign-ins lock an account; eight attempts lock an address.</summary>
        internal ReelServer Limited { get; private set; } = null!;

        /// <summary>Two attempts per address, behind a proxy at 127.0.0.0/8 it trusts.</summary>
        internal ReelServer Proxied { get; private set; } = null!;

        /// <summary>Two attempts per address, trusting no proxy.</summary>
        internal ReelServer Unproxied { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            // One after another: a boot is mostly CPU, and starting four at once on a busy machine only makes each slower.
            Shared = await StartAsync(signIn: true);
            Limited = await StartAsync(signIn: false, ("Auth:LoginAttemptsPerAccount", "3"), ("Auth:LoginAttemptsPerIp", "8"));
            Proxied = await StartAsync(signIn: false, ("Auth:LoginAttemptsPerIp", "2"), ("Proxy:TrustedNetworks:0", "127.0.0.0/8"));
            Unproxied = await StartAsync(signIn: false, ("Auth:LoginAttemptsPerIp", "2"));
        }

        public async Task DisposeAsync()
        {
            foreach (var server in _started) await server.DisposeAsync();
        }

        private async Task<ReelServer> StartAsync(bool signIn, params (string Key, string Value)[] settings)
        {
            var all = settings.ToDictionary(s => s.Key, s => s.Value);
            all["Roles"] = "api";
            var server = await ReelServer.StartAsync(signIn: signIn, settings: all);
            _started.Add(server);
            return server;
        }
    }
}
