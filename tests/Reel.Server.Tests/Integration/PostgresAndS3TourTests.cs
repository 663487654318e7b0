using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// The HTTP suites run on SQLite and local disk; the store and storage contract suites cover PostgreSQL and S3 below
/// the server. This tour is what is left: every operation the OpenAPI document lists, called once through a server on
/// PostgreSQL and S3, so each statement and storage call behind an endpoint runs on both. It fails when an operation
/// is added that the tour does not call.
/// </summary>
public sealed class PostgresAndS3TourTests : IAsyncLifetime
{
    private readonly CallLog _calls = new();
    private ReelServer _server = null!;

    public async Task InitializeAsync() => _server = await ReelServer.StartAsync(backend: Backend.PostgresS3);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_operation_of_the_API_answers_as_documented_on_PostgreSQL_and_S3()
    {
        using var admin = Client(_server.Client.DefaultRequestHeaders.Authorization);
        using var anonymous = Client(null);
        Assert.True(_server.OnObjectStore, "the tour runs on S3");

        await OkAsync(anonymous.GetAsync("/healthz"));
        // Ready once its checks pass (ffmpeg's may time out while the machine is busy; the answer is cached briefly).
        await Eventually.FoundAsync(async () =>
        {
            using var ready = await anonymous.GetAsync("/readyz");
            return ready.StatusCode == HttpStatusCode.OK ? "ready" : null;
        });
        await OkAsync(anonymous.GetAsync("/api/config"));
        await OkAsync(anonymous.GetAsync("/.well-known/jwks.json"));

        // Accounts: register, sign in, refresh, who am I, sign out.
        var registered = await JsonAsync(anonymous.PostAsJsonAsync("/api/auth/register", new { email = "tour@reel.test", password = ReelServer.Password }), HttpStatusCode.Created);
        var session = await JsonAsync(anonymous.PostAsJsonAsync("/api/auth/login", new { email = "tour@reel.test", password = ReelServer.Password }));
        var refreshed = await JsonAsync(anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.GetProperty("refreshToken").GetString() }));
        using (var user = Client(new AuthenticationHeaderValue("Bearer", refreshed.GetProperty("accessToken").GetString())))
        {
            Assert.Equal("tour@reel.test", (await JsonAsync(user.GetAsync("/api/auth/me"))).GetProperty("email").GetString());
            await StatusAsync(user.PostAsJsonAsync("/api/auth/logout", new { refreshToken = refreshed.GetProperty("refreshToken").GetString() }), HttpStatusCode.NoContent);
        }

        // Administration: accounts and upload keys.
        var userId = registered.GetProperty("user").GetProperty("id").GetString()!;
        Assert.Contains(userId, (await JsonAsync(admin.GetAsync("/api/admin/users"))).GetRawText(), StringComparison.Ordinal);
        await OkAsync(admin.PatchAsJsonAsync($"/api/admin/users/{userId}", new { roles = new[] { "uploader" } }));
        var key = await JsonAsync(admin.PostAsJsonAsync("/api/admin/api-keys", new { name = "tour" }), HttpStatusCode.Created);
        Assert.Contains("tour", (await JsonAsync(admin.GetAsync("/api/admin/api-keys"))).GetRawText(), StringComparison.Ordinal);

        // A plain upload with the upload key, through to ready, and everything a viewer and its owner do with it.
        var clip = await Clips.PathAsync(Clips.Tiny);
        string id;
        using (var uploader = Client(new AuthenticationHeaderValue("Bearer", key.GetProperty("key").GetString())))
        {
            await using var file = File.OpenRead(clip);
            using var content = new StreamContent(file);
            content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            id = (await JsonAsync(uploader.PostAsync("/api/videos?title=Tour", content), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }
        await StatusAsync(admin.DeleteAsync($"/api/admin/api-keys/{key.GetProperty("id").GetString()}"), HttpStatusCode.NoContent);
        var ready = await _server.WaitUntilReadyAsync(id);
        Assert.Contains(id, (await JsonAsync(admin.GetAsync("/api/videos?all=true"))).GetRawText(), StringComparison.Ordinal);
        // The search ignores case (PostgreSQL's LIKE does not by itself); title order and the status filter in its SQL.
        Assert.Contains(id, (await JsonAsync(admin.GetAsync("/api/videos?all=true&q=tOU&sort=title&status=ready&limit=1"))).GetRawText(), StringComparison.Ordinal);
        Assert.Contains(id, (await JsonAsync(admin.GetAsync($"/api/videos?ids={id}"))).GetRawText(), StringComparison.Ordinal);
        await OkAsync(admin.GetAsync($"/api/videos/{id}"));
        await OkAsync(admin.PatchAsJsonAsync($"/api/videos/{id}", new { title = "Tour, renamed", visibility = "public" }));
        var links = await JsonAsync(admin.PostAsync($"/api/videos/{id}/playback", null));
        var master = links.GetProperty("streamUrl").GetString()!;
        Assert.Contains("#EXTM3U", await (await OkAsync(anonymous.GetAsync(master))).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var head = new HttpRequestMessage(HttpMethod.Head, ready.ThumbnailUrl))
            await OkAsync(anonymous.SendAsync(head));
        await StatusAsync(admin.PutAsJsonAsync($"/api/videos/{id}/progress", new { positionSeconds = 1.0 }), HttpStatusCode.NoContent);
        await StatusAsync(anonymous.PostAsync($"/api/videos/{id}/views", null), HttpStatusCode.NoContent);
        // A poster picked by its frame (read from the segment in S3 that holds it), then the generated one again.
        var framed = await JsonAsync(admin.PutAsJsonAsync($"/api/videos/{id}/poster", new { atSeconds = 1.0 }));
        Assert.True(framed.GetProperty("customPoster").GetBoolean());
        await OkAsync(anonymous.GetAsync(framed.GetProperty("thumbnailUrl").GetString()));
        Assert.False((await JsonAsync(admin.DeleteAsync($"/api/videos/{id}/poster"))).GetProperty("customPoster").GetBoolean());
        await StatusAsync(anonymous.GetAsync(framed.GetProperty("thumbnailUrl").GetString()), HttpStatusCode.NotFound);
        var oembed = await JsonAsync(anonymous.GetAsync($"/api/oembed?url={Uri.EscapeDataString($"{_server.Client.BaseAddress}watch/{id}")}"));
        Assert.Contains($"/embed/{id}", oembed.GetProperty("html").GetString(), StringComparison.Ordinal);

        // Share links: made, listed, changed, opened (with its password), a view counted, revoked.
        // Captions (their HLS copies are written to S3 with the master) and chapters.
        using (var captionForm = new MultipartFormDataContent
        {
            { new ByteArrayContent("WEBVTT\n\n00:00.000 --> 00:01.000\nTour\n"u8.ToArray()), "file", "tour.vtt" },
            { new StringContent("en"), "language" },
        })
        {
            var caption = await JsonAsync(admin.PostAsync($"/api/videos/{id}/captions", captionForm), HttpStatusCode.Created);
            var captionId = caption.GetProperty("id").GetString();
            await OkAsync(anonymous.GetAsync(caption.GetProperty("url").GetString()));
            Assert.Contains("TYPE=SUBTITLES", await (await OkAsync(anonymous.GetAsync(master))).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await OkAsync(anonymous.GetAsync($"/api/videos/{id}/captions"));
            await OkAsync(admin.PatchAsJsonAsync($"/api/videos/{id}/captions/{captionId}", new { label = "Tour", @default = true }));
            await StatusAsync(admin.DeleteAsync($"/api/videos/{id}/captions/{captionId}"), HttpStatusCode.NoContent);
        }
        using (var chapters = new MultipartFormDataContent { { new ByteArrayContent("WEBVTT\n\n00:00.000 --> 00:01.000\nIntro\n"u8.ToArray()), "file", "chapters.vtt" } })
            Assert.Equal("Intro", (await JsonAsync(admin.PutAsync($"/api/videos/{id}/chapters", chapters))).GetProperty("chapters")[0].GetProperty("title").GetString());
        await OkAsync(admin.DeleteAsync($"/api/videos/{id}/chapters"));

        var share = await JsonAsync(admin.PostAsJsonAsync($"/api/videos/{id}/shares", new { label = "tour", expiresAt = DateTimeOffset.UtcNow.AddDays(1) }), HttpStatusCode.Created);
        var shareId = share.GetProperty("id").GetString()!;
        var shareKey = share.GetProperty("url").GetString()!["/v/".Length..];
        Assert.Contains(shareId, (await JsonAsync(admin.GetAsync($"/api/videos/{id}/shares"))).GetRawText(), StringComparison.Ordinal);
        await OkAsync(admin.PatchAsJsonAsync($"/api/videos/{id}/shares/{shareId}", new { password = "tour password" }));
        await StatusAsync(anonymous.GetAsync($"/api/shares/{shareKey}"), HttpStatusCode.Unauthorized);
        var shared = await JsonAsync(anonymous.PostAsJsonAsync($"/api/shares/{shareKey}/unlock", new { password = "tour password" }));
        await OkAsync(anonymous.GetAsync(shared.GetProperty("thumbnailUrl").GetString()));
        await StatusAsync(anonymous.PostAsync($"/api/shares/{shareKey}/views", null), HttpStatusCode.NoContent);
        Assert.Equal(1, (await JsonAsync(admin.GetAsync($"/api/videos/{id}/shares"))).GetProperty("items")[0].GetProperty("views").GetInt32());
        await StatusAsync(admin.DeleteAsync($"/api/videos/{id}/shares/{shareId}"), HttpStatusCode.NoContent);
        await StatusAsync(anonymous.GetAsync(shared.GetProperty("thumbnailUrl").GetString()), HttpStatusCode.NotFound);

        await StatusAsync(admin.PostAsync($"/api/videos/{id}/retry", null), HttpStatusCode.Conflict);
        await StatusAsync(admin.PostAsync($"/api/videos/{id}/revoke-links", null), HttpStatusCode.NoContent);
        await StatusAsync(anonymous.GetAsync(master), HttpStatusCode.NotFound);

        // A resumable upload in two pieces, and one abandoned.
        var bytes = await File.ReadAllBytesAsync(clip);
        using (var options = Tus(HttpMethod.Options, "/api/uploads"))
            await StatusAsync(anonymous.SendAsync(options), HttpStatusCode.NoContent);
        var (resumed, url) = await CreateResumableAsync(admin, bytes.Length);
        using (var options = Tus(HttpMethod.Options, url))
            await StatusAsync(anonymous.SendAsync(options), HttpStatusCode.NoContent);
        await AppendAsync(admin, url, bytes, 0, bytes.Length / 2);
        using (var head = Tus(HttpMethod.Head, url))
        {
            using var response = await StatusAsync(admin.SendAsync(head), HttpStatusCode.OK);
            Assert.Equal((bytes.Length / 2).ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        }
        await AppendAsync(admin, url, bytes, bytes.Length / 2, bytes.Length);
        await _server.WaitForAsync(resumed, v => v.Playable, TimeSpan.FromSeconds(60));
        Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredFiles.Sha256Async(_server.DataDir, $"originals/{resumed}/source.bin"));
        var (_, abandoned) = await CreateResumableAsync(admin, bytes.Length);
        using (var delete = Tus(HttpMethod.Delete, abandoned))
            await StatusAsync(admin.SendAsync(delete), HttpStatusCode.NoContent);

        // A new file for a video, which takes its place once playable (the old version's files wait for its viewers),
        // and a replacement begun with tus and cancelled.
        using (var source = new StreamContent(File.OpenRead(clip)))
        {
            source.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            var accepted = await JsonAsync(admin.PutAsync($"/api/videos/{resumed}/source", source), HttpStatusCode.Accepted);
            Assert.Contains(accepted.GetProperty("replacement").GetProperty("status").GetString(), new[] { "queued", "processing" });
        }
        await _server.WaitForAsync(resumed, v => v.Replacement is null && v.Playable, TimeSpan.FromSeconds(60));
        await CreateResumableAsync(admin, bytes.Length, replaces: id);
        await StatusAsync(admin.DeleteAsync($"/api/videos/{id}/source"), HttpStatusCode.NoContent);

        // Deletes: the videos (their files go from S3) and the account.
        foreach (var video in new[] { id, resumed })
            await StatusAsync(admin.DeleteAsync($"/api/videos/{video}"), HttpStatusCode.NoContent);
        await StatusAsync(admin.DeleteAsync($"/api/admin/users/{userId}"), HttpStatusCode.NoContent);
        await Eventually.FoundAsync(async () => (await StoredFiles.KeysAsync(_server.DataDir, "")).Count == 0 ? "swept" : null);

        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        var operations = Operations(document).ToList();
        Assert.True(operations.Count > 20, $"the document lists {operations.Count} operations");
        var missed = operations.Where(operation => !_calls.Covers(operation)).ToList();
        Assert.True(missed.Count == 0, "Operations the tour does not call: " + string.Join(", ", missed));
    }

    /// <summary>Every (method, path template) the document lists.</summary>
    private static IEnumerable<string> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where method.Name is "get" or "put" or "post" or "delete" or "options" or "head" or "patch"
        select $"{method.Name.ToUpperInvariant()} {path.Name}";

    private HttpClient Client(AuthenticationHeaderValue? authorization)
    {
        var client = new HttpClient(new RecordingHandler(_calls) { InnerHandler = new HttpClientHandler() }) { BaseAddress = _server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    /// <summary>Starts a resumable upload (of a new file for <paramref name="replaces"/>); returns its video id and its URL.</summary>
    private static async Task<(string VideoId, string Url)> CreateResumableAsync(HttpClient client, long length, string? replaces = null)
    {
        using var request = Tus(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("tour.mp4"u8.ToArray())
            + (replaces is null ? "" : ",replaces " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(replaces))));
        using var response = await StatusAsync(client.SendAsync(request), HttpStatusCode.Created);
        return (response.Headers.GetValues("Reel-Video-Id").Single(), response.Headers.Location!.OriginalString);
    }

    /// <summary>Sends bytes [from, to).</summary>
    private static async Task AppendAsync(HttpClient client, string url, byte[] bytes, int from, int to)
    {
        using var request = Tus(HttpMethod.Patch, url);
        request.Headers.Add("Upload-Offset", from.ToString(CultureInfo.InvariantCulture));
        request.Content = new ByteArrayContent(bytes[from..to]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        using var response = await StatusAsync(client.SendAsync(request), HttpStatusCode.NoContent);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    private static Task<HttpResponseMessage> OkAsync(Task<HttpResponseMessage> send) => StatusAsync(send, HttpStatusCode.OK);

    private static async Task<HttpResponseMessage> StatusAsync(Task<HttpResponseMessage> send, HttpStatusCode expected)
    {
        var response = await send;
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery}: {(int)response.StatusCode}, not {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> send, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await StatusAsync(send, expected);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The requests the tour made, matched against the document's path templates.</summary>
    private sealed class CallLog
    {
        private readonly List<(string Method, string Path)> _calls = [];

        public void Add(HttpRequestMessage request)
        {
            lock (_calls) _calls.Add((request.Method.Method, request.RequestUri!.AbsolutePath));
        }

        public bool Covers(string operation)
        {
            var (method, template) = (operation.Split(' ')[0], operation.Split(' ')[1]);
            // A parameter matches one path segment; the last one may be a catch-all (the stream route's file path).
            var pattern = "^" + Regex.Replace(Regex.Escape(template).Replace(@"\{", "{", StringComparison.Ordinal), @"\{[^}]+}", "[^/]+") + "$";
            var catchAll = Regex.Replace(pattern, @"\[\^/]\+\$$", ".+$");
            lock (_calls) return _calls.Any(c => c.Method == method && (Regex.IsMatch(c.Path, pattern) || Regex.IsMatch(c.Path, catchAll)));
        }
    }

    private sealed class RecordingHandler(CallLog log) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            log.Add(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
