using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reel.Cli;

/// <summary>
/// The public HTTP API of one Reel server, as the signed-in user (or nobody). Sessions are refreshed before they end
/// and once more when the server refuses a token; every failure becomes a <see cref="CliException"/> a person can act on.
/// </summary>
internal sealed class ReelApi : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:8080";
    public const string ManageTokenHeader = "Reel-Manage-Token";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan RefreshAhead = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly CliConfig _config;
    private Credentials? _credentials;

    public ReelApi(string server, CliConfig config)
    {
        Server = server;
        _config = config;
        _credentials = config.LoadCredentials() is { } saved && saved.Server == server ? saved : null;
        // No overall timeout: an upload request lasts as long as its bytes take. Connecting must be quick, though.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = new Uri(server),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("reel-cli", typeof(ReelApi).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    /// <summary>The server's base URL, without a trailing slash.</summary>
    public string Server { get; }

    public bool SignedIn => _credentials is not null;

    /// <summary>
    /// Which server a command talks to: --server, then the server of a watch URL given as argument, then REEL_SERVER,
    /// then the one signed in to, then the local default.
    /// </summary>
    public static string ResolveServer(string? option, CliConfig config, string? named = null)
    {
        if (option is not null && named is not null && Normalize(option) != Normalize(named))
            throw new CliException(ExitCodes.Usage, $"The URL is on {Normalize(named)}, but --server names {Normalize(option)}; give one of them.");
        return Normalize(option ?? named ?? Environment.GetEnvironmentVariable("REEL_SERVER") ?? config.LoadCredentials()?.Server ?? DefaultServer);
    }

    private static string Normalize(string chosen)
    {
        if (!Uri.TryCreate(chosen, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CliException(ExitCodes.Usage, $"'{chosen}' is not a server URL; give one like {DefaultServer}.");
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>
    /// Sends a request made by <paramref name="make"/> (called again for a retry after a refreshed session) and returns
    /// the response, whatever its status; only an unreachable server throws.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, CancellationToken cancellationToken, string? manageToken = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = make();
            await AuthorizeAsync(request, cancellationToken);
            if (manageToken is not null) request.Headers.Add(ManageTokenHeader, manageToken);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw Unreachable(e);
            }
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 1 || _credentials?.RefreshToken is null) return response;
            // The access token was refused (expired early, or revoked): one refresh, one more try.
            response.Dispose();
            await RefreshAsync(cancellationToken);
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken, string? manageToken = null)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken, manageToken);
        return await ReadJsonAsync(response, cancellationToken);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    /// <summary>The server's problem+json as an exception: its detail for the person, its code for scripts.</summary>
    public static async Task<CliException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? detail = null, code = null;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
            detail = problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            detail ??= problem.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or HttpRequestException)
        {
            // Not problem+json (a proxy's error page, say): the status says enough.
        }
        var exitCode = status switch
        {
            401 or 403 => ExitCodes.NotAllowed,
            >= 500 => ExitCodes.Unavailable,
            _ => ExitCodes.Refused,
        };
        var text = detail ?? $"The server answered {status} {response.ReasonPhrase}.";
        if (status == 401) text += " Sign in with 'reel login'.";
        return new CliException(exitCode, text, code ?? $"http_{status}");
    }

    public CliException Unreachable(Exception e) =>
        new(ExitCodes.Unavailable, $"Cannot reach the Reel server at {Server}: {e.Message}", "unreachable");

    /// <summary>Signs in with email and password; the session is kept for the next commands.</summary>
    public async Task<JsonElement> LoginAsync(string email, string password, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email, password }) }, cancellationToken);
        var session = await ReadJsonAsync(response, cancellationToken);
        Keep(session, email);
        return session;
    }

    /// <summary>Keeps an upload key instead of a session, after checking the server takes it.</summary>
    public void UseApiKey(string apiKey)
    {
        _credentials = new Credentials(Server, null, null, null, apiKey, null);
        _config.SaveCredentials(_credentials);
    }

    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        if (_credentials?.RefreshToken is { } refreshToken)
        {
            // Best effort: the local sign-in is forgotten whatever the server says.
            try
            {
                using var response = await _http.PostAsJsonAsync("/api/auth/logout", new { refreshToken }, cancellationToken);
            }
            catch (HttpRequestException)
            {
            }
        }
        _credentials = null;
        _config.ForgetCredentials();
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_credentials is null) return;
        if (_credentials.ApiKey is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return;
        }
        if (_credentials.AccessExpiresAt is { } expires && expires - DateTimeOffset.UtcNow < RefreshAhead) await RefreshAsync(cancellationToken);
        if (_credentials?.AccessToken is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_credentials?.RefreshToken is not { } refreshToken) return;
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The session ended (signed out elsewhere, expired): forget it rather than send it again.
                var email = _credentials.Email;
                _credentials = null;
                _config.ForgetCredentials();
                throw new CliException(ExitCodes.NotAllowed, $"The sign-in to {Server}{(email is null ? "" : $" as {email}")} has ended. Sign in again with 'reel login'.", "session_ended");
            }
            Keep(await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken), _credentials.Email);
        }
    }

    private void Keep(JsonElement session, string? email)
    {
        _credentials = new Credentials(
            Server,
            session.GetProperty("accessToken").GetString(),
            session.TryGetProperty("refreshToken", out var refresh) ? refresh.GetString() : null,
            DateTimeOffset.UtcNow.AddSeconds(session.GetProperty("expiresIn").GetInt32()),
            null,
            email);
        _config.SaveCredentials(_credentials);
    }

    public void Dispose() => _http.Dispose();
}
