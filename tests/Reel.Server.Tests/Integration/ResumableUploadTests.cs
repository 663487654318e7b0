using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// tus 1.0 at /api/uploads, driven by the reference client tus-js-client (run by node) and, for the protocol's error
/// answers, by hand. Every test checks the stored bytes against the source. The servers are shared by configuration
/// and most run without the worker role: past its last byte an upload is a queued job, which is all these tests ask of
/// it. Two tests run end to end on PostgreSQL and S3, where an upload is stored as multipart parts and tails.
/// </summary>
[RunsLong]
public sealed class ResumableUploadTests(ResumableUploadTests.Servers servers) : IClassFixture<ResumableUploadTests.Servers>
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromMinutes(2);

    // No worker: nothing is encoded, so a finished upload's source stays where the test can hash it.
    private const string NoWorker = "api,stream";

    // The limit of the shared server: above every clip, and a sparse file just past it costs no disk.
    private const long MaxBytes = 64 << 20;

    /// <summary>
    /// The servers of the class, one per configuration, each started when a test first asks for it (one after another,
    /// as the tests run, rather than all at once) and stopped with the class.
    /// </summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly List<Lazy<Task<ReelServer>>> _all = [];
        private readonly Lazy<Task<ReelServer>> _receiving, _quickToStall, _quickToExpire, _onS3;

        public Servers()
        {
            // Receives uploads and encodes nothing; a stalled request is given two minutes.
            _receiving = Add(() => ReelServer.StartAsync(settings: new Dictionary<string, string>
            {
                ["Roles"] = NoWorker,
                ["Upload:MaxBytes"] = MaxBytes.ToString(CultureInfo.InvariantCulture),
                // Far away: only a takeover can free an upload held by a hanging request in time.
                ["Upload:StallSeconds"] = "120",
                // Tests leave uploads open on the one shared account; their number is not what is tested here.
                ["Upload:MaxOpenUploads"] = "0",
            }));
            // A request whose body brings nothing for two seconds has stalled.
            _quickToStall = Add(() => ReelServer.StartAsync(settings: new Dictionary<string, string>
            {
                ["Roles"] = NoWorker,
                ["Upload:StallSeconds"] = "2",
            }));
            // An upload nothing is added to for three seconds expires; the worker's sweep removes it (every 0.75 s).
            _quickToExpire = Add(() => ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:ResumableExpiryMinutes"] = "0.05" }));
            // PostgreSQL and S3 (8 MiB parts), with a worker that encodes from the stored original and keeps it.
            _onS3 = Add(() => ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Storage:KeepOriginals"] = "true" }, backend: Backend.PostgresS3));
        }

        internal Task<ReelServer> ReceivingAsync() => _receiving.Value;

        internal Task<ReelServer> QuickToStallAsync() => _quickToStall.Value;

        internal Task<ReelServer> QuickToExpireAsync() => _quickToExpire.Value;

        internal Task<ReelServer> OnS3Async() => _onS3.Value;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            foreach (var started in _all.Where(s => s.IsValueCreated).Select(s => s.Value))
            {
                // One that failed to start has stopped itself, and its tests have said why.
                await ((Task)started).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (started.IsCompletedSuccessfully) await started.Result.DisposeAsync();
            }
        }

        private Lazy<Task<ReelServer>> Add(Func<Task<ReelServer>> start)
        {
            var lazy = new Lazy<Task<ReelServer>>(start);
            _all.Add(lazy);
            return lazy;
        }
    }

    [Fact]
    public async Task A_tus_js_client_upload_becomes_a_processed_video_with_every_byte_stored()
    {
        var server = await servers.OnS3Async();
        Assert.True(server.OnObjectStore);
        var clip = await Clips.PathAsync(Clips.Bulky);
        using var state = new StateFile();

        // 5 MiB requests against 8 MiB storage parts: most requests end mid-part and leave a tail for the next.
        await using var client = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: 5 << 20);
        var outcome = await client.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        var id = outcome.GetProperty("videoId").GetString()!;
        AssertCapabilityUrl(outcome.GetProperty("url").GetString()!, id);
        var video = await server.WaitUntilReadyAsync(id);
        Assert.Equal("bulky-360p", video.Title);
        Assert.Equal(new FileInfo(clip).Length, video.SizeBytes);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Null(video.UploadedBytes);
        Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredSha256Async(server, $"originals/{id}/source.bin"));
        await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: true);
    }

    [Fact]
    public async Task Bytes_sent_with_the_creation_request_count_and_the_rest_follows()
    {
        var server = await servers.ReceivingAsync();
        var clip = await Clips.PathAsync(Clips.Bulky);
        using var state = new StateFile();

        await using var client = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: 8 << 20, withCreationUpload: true);
        var outcome = await client.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        // The creation carried the first 8 MiB, so the first PATCH ends at 16 MiB.
        Assert.Equal(16 << 20, client.Events.First(e => TusJsClient.Is(e, "patch")).GetProperty("offset").GetInt64());
        var id = state.VideoId;
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredSha256Async(server, $"originals/{id}/source.bin"));
    }

    [Fact]
    public async Task An_upload_whose_client_was_killed_resumes_from_the_offset_the_server_reports()
    {
        // On S3 the killed request ends mid-part: what it brought is kept as a tail, and the resumed upload goes on after it.
        var server = await servers.OnS3Async();
        var clip = await Clips.PathAsync(Clips.Bulky);
        var length = new FileInfo(clip).Length;
        using var state = new StateFile();

        await using var first = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: 1 << 20, delayMs: 40);
        await first.WaitForProgressAsync(0.35, ClientTimeout);
        await first.KillAsync();
        var id = state.VideoId;
        var uploading = await server.GetVideoAsync(id);
        Assert.Equal("uploading", uploading.Status);
        Assert.False(uploading.Playable);
        Assert.InRange(uploading.UploadedBytes ?? 0, length / 4, length - 1);

        await using var second = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: 4 << 20);
        var outcome = await second.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        // It asked where to go on, and went on from there rather than from the start.
        var resumedAt = second.Events.First(e => TusJsClient.Is(e, "head")).GetProperty("offset").GetInt64();
        Assert.True(resumedAt >= uploading.UploadedBytes, $"resumed at {resumedAt}, the server had {uploading.UploadedBytes}");
        var url = first.Events.First(e => TusJsClient.Is(e, "url")).GetProperty("url").GetString();
        Assert.All(second.Events.Where(e => TusJsClient.Is(e, "url")), e => Assert.Equal(url, e.GetProperty("url").GetString()));
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredSha256Async(server, $"originals/{id}/source.bin"));
        await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: true);
    }

    [Fact]
    public async Task An_upload_goes_on_by_itself_when_the_server_is_killed_and_started_again()
    {
        var dataDir = TempDirs.Create("reel-tus-restart");
        var settings = new Dictionary<string, string> { ["Roles"] = NoWorker };
        var server = await ReelServer.StartAsync(dataDir, settings, ownProcess: true);
        // The client knows the upload by its URL: the server comes back where it was.
        var port = server.Port;
        settings["urls"] = $"http://127.0.0.1:{port}";
        var clip = await Clips.PathAsync(Clips.Bulky);
        using var state = new StateFile();
        try
        {
            await using var client = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: 1 << 20, delayMs: 40);
            await client.WaitForProgressAsync(0.35, ClientTimeout);
            await server.CrashAsync();
            await server.DisposeAsync();
            server = await ReelServer.StartAsync(dataDir, settings);
            Assert.Equal(port, server.Port);

            var outcome = await client.FinishAsync(ClientTimeout);

            Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
            var heads = client.Events.Where(e => TusJsClient.Is(e, "head")).ToList();
            Assert.NotEmpty(heads);
            Assert.True(heads[0].GetProperty("offset").GetInt64() > 0, "the client resumed from the start");
            var id = state.VideoId;
            await AssertHandedToProcessingAsync(server, id);
            Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredSha256Async(server, $"originals/{id}/source.bin"));
            await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: true);
        }
        finally
        {
            await server.DisposeAsync();
            TempDirs.Delete(dataDir);
        }
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_at_creation_with_413()
    {
        var server = await servers.ReceivingAsync();
        // One byte over the limit, sparse: were it not refused at creation, the client would go on to send it.
        var tooLarge = Clips.Write("too-large.mp4", []);
        await using (var file = File.OpenWrite(tooLarge)) file.SetLength(MaxBytes + 1);
        using var state = new StateFile();
        var before = await StoredKeysAsync(server, "originals");

        await using var client = TusJsClient.Start(Endpoint(server), tooLarge, state.Path, AccessToken(server));
        var outcome = await client.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "error"), outcome.ToString());
        Assert.Equal(413, outcome.GetProperty("status").GetInt32());
        Assert.Contains("file_too_large", outcome.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StoredKeysAsync(server, "originals"));
        File.Delete(tooLarge);
    }

    [Fact]
    public async Task An_abandoned_upload_expires_its_bytes_are_removed_and_resuming_it_is_answered_404_or_410()
    {
        var server = await servers.QuickToExpireAsync();
        var clip = await Clips.PathAsync(Clips.Tiny);
        using var state = new StateFile();
        string id, url;
        // Twenty-odd requests a fifth of a second apart: each keeps the upload alive, and the client is still at it when killed.
        await using (var first = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server), chunkSize: Math.Max(1, new FileInfo(clip).Length / 25), delayMs: 200))
        {
            await first.WaitForProgressAsync(0.2, ClientTimeout);
            (id, url) = (state.VideoId, state.Url);
            // Asked while the client still sends, which keeps the upload alive: once it is killed,
            // the three-second expiry may pass before a slow machine has listed the store.
            Assert.NotEmpty(await StoredKeysAsync(server, $"originals/{id}"));
            await first.KillAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode expired;
        while ((expired = (await SendAsync(server, HttpMethod.Head, url)).StatusCode) == HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the upload did not expire");
            await Task.Delay(200);
        }
        while (await StoredKeysAsync(server, $"originals/{id}") is { Count: > 0 } || (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the expired upload was not removed");
            await Task.Delay(200);
        }
        await using var resumed = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server));
        var outcome = await resumed.FinishAsync(ClientTimeout);

        Assert.Contains((int)expired, new[] { 404, 410 });
        // tus-js-client asks, is told the upload is gone, and starts a new one, as the protocol intends.
        Assert.Contains(resumed.Events.First(e => TusJsClient.Is(e, "head")).GetProperty("status").GetInt32(), new[] { 404, 410 });
        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        Assert.NotEqual(id, outcome.GetProperty("videoId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        Assert.DoesNotContain(await UnfinishedUploadsAsync(server), k => k.StartsWith($"originals/{id}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upload_whose_bytes_arrive_for_longer_than_its_expiry_is_kept_while_they_arrive()
    {
        // Expiry 3 s, swept every 0.75 s; the body takes at least 6 s to arrive.
        var server = await servers.QuickToExpireAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny));
        var (id, url) = await CreateAsync(server, bytes.Length);

        using var request = Tus(HttpMethod.Patch, url);
        request.Headers.Add("Upload-Offset", "0");
        request.Content = new TrickleContent(bytes, pieces: 13, pause: TimeSpan.FromMilliseconds(500));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        Assert.NotEqual("uploading", (await server.GetVideoAsync(id)).Status);
    }

    [Fact]
    public async Task Protocol_errors_get_their_tus_answers_and_change_nothing()
    {
        var server = await servers.ReceivingAsync();
        var clip = await Clips.PathAsync(Clips.Silent);
        var bytes = await File.ReadAllBytesAsync(clip);
        var (id, url) = await CreateAsync(server, bytes.Length);
        var half = bytes.Length / 2;

        using (var first = await PatchAsync(server, url, 0, bytes[..half]))
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);

        // A wrong offset: 409, and the right one in Upload-Offset.
        using (var wrong = await PatchAsync(server, url, 0, bytes[half..]))
        {
            await AssertProblemAsync(wrong, 409, "upload_offset_mismatch");
            Assert.Equal(half.ToString(CultureInfo.InvariantCulture), wrong.Headers.GetValues("Upload-Offset").Single());
        }
        // A checksum that does not match the body: 460, and none of the body is kept.
        using (var mismatch = await PatchAsync(server, url, half, bytes[half..], checksum: Sha1Checksum(bytes[..half])))
            await AssertProblemAsync(mismatch, 460, "checksum_mismatch");
        Assert.Equal(half, (await server.GetVideoAsync(id)).UploadedBytes);
        // An algorithm we do not know: 400.
        using (var unknown = await PatchAsync(server, url, half, bytes[half..], checksum: "crc99 AAAA"))
            await AssertProblemAsync(unknown, 400, "unsupported_checksum");
        // More than the upload's length, announced or not: 413, nothing kept.
        using (var beyond = await PatchAsync(server, url, half, [.. bytes[half..], 0, 1, 2]))
            await AssertProblemAsync(beyond, 413, "exceeds_upload_length");
        using (var beyondChunked = await PatchAsync(server, url, half, [.. bytes[half..], 0, 1, 2], chunked: true))
            await AssertProblemAsync(beyondChunked, 413, "exceeds_upload_length");
        Assert.Equal(half, (await server.GetVideoAsync(id)).UploadedBytes);
        // Without Tus-Resumable: 412 with the version we speak.
        using (var request = new HttpRequestMessage(HttpMethod.Head, url))
        using (var unversioned = await server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, unversioned.StatusCode);
            Assert.Equal("1.0.0", unversioned.Headers.GetValues("Tus-Version").Single());
        }

        // The right checksum completes it, and the stored file is the source.
        using (var last = await PatchAsync(server, url, half, bytes[half..], checksum: Sha1Checksum(bytes[half..])))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), last.Headers.GetValues("Upload-Offset").Single());
        }
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), await StoredSha256Async(server, $"originals/{id}/source.bin"));
        using (var head = await SendAsync(server, HttpMethod.Head, url))
            Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), head.Headers.GetValues("Upload-Offset").Single());
    }

    [Fact]
    public async Task The_bytes_of_a_request_that_breaks_off_are_kept_and_the_upload_resumes_after_them()
    {
        var server = await servers.ReceivingAsync();
        var clip = await Clips.PathAsync(Clips.Bulky);
        var bytes = await File.ReadAllBytesAsync(clip);
        var (id, url) = await CreateAsync(server, bytes.Length);

        // Half the file, then the connection drops: as when a laptop loses its network.
        await SendAndBreakOffAsync(server, id, url, bytes, breakAfter: bytes.Length / 2);
        var kept = await WaitForUploadedBytesAsync(server, id, url);
        Assert.InRange(kept, 1, bytes.Length / 2);

        using var state = new StateFile($"{{\"url\":\"{server.Client.BaseAddress}{url.TrimStart('/')}\"}}");
        await using var client = TusJsClient.Start(Endpoint(server), clip, state.Path, AccessToken(server));
        var outcome = await client.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        Assert.Equal(kept, client.Events.First(e => TusJsClient.Is(e, "head")).GetProperty("offset").GetInt64());
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), await StoredSha256Async(server, $"originals/{id}/source.bin"));
    }

    [Fact]
    public async Task A_terminated_upload_leaves_nothing_behind()
    {
        var server = await servers.ReceivingAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Bulky));
        var (id, url) = await CreateAsync(server, bytes.Length);
        using (var first = await PatchAsync(server, url, 0, bytes[..(10 << 20)]))
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);

        using (var deleted = await SendAsync(server, HttpMethod.Delete, url))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using (var head = await SendAsync(server, HttpMethod.Head, url))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: false);
    }

    [Fact]
    public async Task A_complete_upload_that_is_not_a_video_is_refused_like_a_plain_upload_and_nothing_is_kept()
    {
        var server = await servers.ReceivingAsync();
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var (id, url) = await CreateAsync(server, bytes.Length);

        using var last = await PatchAsync(server, url, 0, bytes);

        await AssertProblemAsync(last, 415, "unsupported_media");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: false);
    }

    [Fact]
    public async Task An_upload_in_progress_is_shown_to_its_owner_only()
    {
        var server = await servers.ReceivingAsync();
        var (id, url) = await CreateAsync(server, 1000, metadata: "title " + Convert.ToBase64String("Work in progress"u8.ToArray()));
        using (var patch = await PatchAsync(server, url, 0, new byte[400]))
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);

        var video = await server.GetVideoAsync(id);
        Assert.Equal(("uploading", "Work in progress", 400L, 1000L), (video.Status, video.Title, video.UploadedBytes, video.SizeBytes));
        Assert.Equal("user:" + video.Owner!.Id, await TestDatabase.UploaderOfAsync(server.DataDir, id));
        using var patched = await server.Client.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "public" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        using var stranger = server.AnonymousClient();
        Assert.DoesNotContain(id, await stranger.GetStringAsync("/api/videos"), StringComparison.Ordinal);
        Assert.Contains(id, await server.Client.GetStringAsync("/api/videos?mine=true"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stock_tus_js_client_without_any_Reel_header_finishes_an_upload_under_the_default_policy()
    {
        var server = await servers.ReceivingAsync();
        var clip = await Clips.PathAsync(Clips.Silent);
        using var state = new StateFile();

        // tus-js-client's defaults, no token, no header of Reel's: as Uppy or any tus client would send.
        await using var client = TusJsClient.Start(Endpoint(server), clip, state.Path, stock: true);
        var outcome = await client.FinishAsync(ClientTimeout);

        Assert.True(TusJsClient.Is(outcome, "success"), outcome.ToString());
        var id = state.VideoId;
        AssertCapabilityUrl(outcome.GetProperty("url").GetString()!, id);
        await AssertHandedToProcessingAsync(server, id);
    }

    [Fact]
    public async Task The_video_id_does_not_address_an_upload_and_its_url_alone_lets_anyone_holding_it_add_bytes()
    {
        var server = await servers.ReceivingAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent));
        var half = bytes.Length / 2;
        var (id, url) = await CreateAsync(server, bytes.Length);

        // The video's id is in every share link: by it, the upload is not found, even by its owner.
        using (var head = await SendAsync(server, HttpMethod.Head, $"/api/uploads/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using (var patch = await PatchAsync(server, $"/api/uploads/{id}", 0, bytes[..half]))
            await AssertProblemAsync(patch, 404, "not_found");
        using (var delete = await SendAsync(server, HttpMethod.Delete, $"/api/uploads/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);

        // The URL is the capability: a client without an account adds to it, and so does one signed in as someone
        // else (its Authorization header changes nothing).
        using var anonymous = server.AnonymousClient();
        using (var head = await SendAsync(server, HttpMethod.Head, url, anonymous))
            Assert.Equal("0", head.Headers.GetValues("Upload-Offset").Single());
        using (var first = await PatchAsync(server, url, 0, bytes[..half], client: anonymous))
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        using var someoneElse = server.ClientWith((await server.SessionAsync("viewer@reel.test")).AccessToken);
        using (var rest = await PatchAsync(server, url, half, bytes[half..], client: someoneElse))
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        await AssertHandedToProcessingAsync(server, id);

        // Only the key's hash is stored: the database does not hold the URL.
        var key = url[(url.LastIndexOf('/') + 1)..];
        Assert.Equal(0L, Convert.ToInt64(await TestDatabase.ScalarAsync(server.DataDir, "SELECT COUNT(*) FROM upload_urls WHERE key_hash = @videoId", key), CultureInfo.InvariantCulture));
        Assert.Equal(id, await TestDatabase.ScalarAsync(server.DataDir, "SELECT video_id FROM upload_urls WHERE key_hash = @videoId",
            Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))));
    }

    [Fact]
    public async Task A_PATCH_whose_connection_goes_silent_mid_body_keeps_its_bytes_and_a_new_PATCH_goes_on_within_seconds()
    {
        var server = await servers.QuickToStallAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent));
        var (id, url) = await CreateAsync(server, bytes.Length);
        var half = bytes.Length / 2;

        // Half the body, then silence on a connection that stays open: a half-open connection.
        using var silent = await SendPartOfPatchAsync(server, url, 0, bytes, half);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var kept = long.Parse(await Eventually.FoundAsync(async () =>
        {
            using var head = await SendAsync(server, HttpMethod.Head, url);
            var offset = head.Headers.GetValues("Upload-Offset").Single();
            return offset == "0" ? null : offset;
        }), CultureInfo.InvariantCulture);
        Assert.Equal(half, kept);
        // All but the last bytes, so the time measured is not the judging of the whole file.
        using (var more = await PatchAsync(server, url, kept, bytes[half..^100]))
            Assert.Equal(HttpStatusCode.NoContent, more.StatusCode);
        // Seconds (hours before), with room for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        using (var rest = await PatchAsync(server, url, bytes.Length - 100, bytes[^100..]))
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), await StoredSha256Async(server, $"originals/{id}/source.bin"));
    }

    [Fact]
    public async Task A_new_PATCH_at_the_recorded_offset_takes_the_upload_over_from_one_hanging_on_a_dead_connection()
    {
        // The stall limit is far away: only the takeover can free the upload in time.
        var server = await servers.ReceivingAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent));
        var (id, url) = await CreateAsync(server, bytes.Length);
        var half = bytes.Length / 2;
        using var silent = await SendPartOfPatchAsync(server, url, 0, bytes, half);
        await WaitUntilLockedAsync(server, id);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // The client resumes from where HEAD says (nothing is recorded yet): the hanging request is asked to stop,
        // stores what it received, and this one learns where to go on.
        using (var head = await SendAsync(server, HttpMethod.Head, url))
            Assert.Equal("0", head.Headers.GetValues("Upload-Offset").Single());
        long kept;
        using (var resumed = await PatchAsync(server, url, 0, bytes))
        {
            await AssertProblemAsync(resumed, 409, "upload_offset_mismatch");
            kept = long.Parse(resumed.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
        }
        Assert.Equal(half, kept);
        // Far sooner than the stall limit, with room for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        using (var rest = await PatchAsync(server, url, kept, bytes[half..]))
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        await AssertHandedToProcessingAsync(server, id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), await StoredSha256Async(server, $"originals/{id}/source.bin"));
    }

    [Fact]
    public async Task A_chunked_PATCH_of_exactly_the_remaining_bytes_completes_the_upload()
    {
        var server = await servers.ReceivingAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent));
        var (id, url) = await CreateAsync(server, bytes.Length);
        using (var first = await PatchAsync(server, url, 0, bytes[..1000], chunked: true))
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);

        using var last = await PatchAsync(server, url, 1000, bytes[1000..], chunked: true);

        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), last.Headers.GetValues("Upload-Offset").Single());
        await AssertHandedToProcessingAsync(server, id);
    }

    [Fact]
    public async Task A_final_PATCH_whose_upload_is_deleted_mid_body_is_answered_410_and_nothing_is_left()
    {
        var server = await servers.ReceivingAsync();
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Silent));
        var (id, url) = await CreateAsync(server, bytes.Length);

        // The last PATCH is held open mid-body while the upload is deleted; then its body ends.
        using var socket = await SendPartOfPatchAsync(server, url, 0, bytes, bytes.Length - 1000);
        await WaitUntilLockedAsync(server, id);
        using (var deleted = await SendAsync(server, HttpMethod.Delete, url))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var stream = socket.GetStream();
        try
        {
            await stream.WriteAsync(bytes.AsMemory(bytes.Length - 1000));
        }
        catch (IOException)
        {
            // The server may have answered and closed already; its answer is read below.
        }
        var answer = await ReadRawResponseAsync(stream);

        Assert.StartsWith("HTTP/1.1 410 ", answer, StringComparison.Ordinal);
        Assert.Contains("\"upload_deleted\"", answer, StringComparison.Ordinal);
        using (var head = await SendAsync(server, HttpMethod.Head, url))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        await AssertNothingLeftOfTheUploadAsync(server, id, keepSource: false);
    }

    /// <summary>Past its last byte the upload is an ordinary video: queued or further, never uploading again.</summary>
    private static async Task AssertHandedToProcessingAsync(ReelServer server, string id)
    {
        var video = await server.GetVideoAsync(id);
        Assert.Contains(video.Status, new[] { "queued", "processing", "ready" });
        Assert.Null(video.UploadedBytes);
    }

    private static string Endpoint(ReelServer server) => $"{server.Client.BaseAddress}api/uploads";

    private static string AccessToken(ReelServer server) => server.Client.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>Creates an upload; returns its video's id and its URL (the path the Location names).</summary>
    private static async Task<(string VideoId, string Url)> CreateAsync(ReelServer server, long length, string? metadata = null, HttpClient? client = null)
    {
        using var request = Tus(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        if (metadata is not null) request.Headers.Add("Upload-Metadata", metadata);
        using var response = await (client ?? server.Client).SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = response.Headers.GetValues("Reel-Video-Id").Single();
        var url = response.Headers.Location!.OriginalString;
        AssertCapabilityUrl(url, id);
        return (id, url);
    }

    /// <summary>An upload's URL is /api/uploads/ and a secret of at least 128 bits, URL-safe, that is not the video's id.</summary>
    private static void AssertCapabilityUrl(string url, string videoId)
    {
        var key = url[(url.IndexOf("/api/uploads/", StringComparison.Ordinal) + "/api/uploads/".Length)..];
        Assert.Matches("^[A-Za-z0-9_-]{22,}$", key);
        Assert.True(key.Length * 6 >= 128, key);
        Assert.DoesNotContain(videoId, key, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PatchAsync(ReelServer server, string url, long offset, byte[] body, string? checksum = null, bool chunked = false, HttpClient? client = null)
    {
        var request = Tus(HttpMethod.Patch, url);
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (checksum is not null) request.Headers.Add("Upload-Checksum", checksum);
        // A stream of unknown length goes chunked, without Content-Length.
        request.Content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return await (client ?? server.Client).SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendAsync(ReelServer server, HttpMethod method, string url, HttpClient? client = null)
    {
        using var request = Tus(method, url);
        return await (client ?? server.Client).SendAsync(request);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    /// <summary>A PATCH over a raw socket that sends part of its promised body and then closes the connection.</summary>
    private static async Task SendAndBreakOffAsync(ReelServer server, string id, string url, byte[] bytes, int breakAfter)
    {
        Assert.False(server.OnObjectStore, "the partial file is watched on local disk");
        using var socket = await SendPartOfPatchAsync(server, url, 0, bytes, breakAfter);
        // Broken off once the server has written some of the body, so there is something to keep; a reset connection
        // drops whatever it had not read yet.
        var partial = Path.Combine(server.DataDir, "media", "originals", id, "source.partial");
        await Eventually.FoundAsync(() => Task.FromResult(File.Exists(partial) && new FileInfo(partial).Length > 0 ? partial : null));
        socket.Client.Close(0);
    }

    /// <summary>
    /// Opens a raw connection and sends a PATCH of <paramref name="bytes"/> at <paramref name="offset"/>, but only its
    /// first <paramref name="sent"/> bytes; the connection stays open, silent, until the caller closes it.
    /// </summary>
    private static async Task<TcpClient> SendPartOfPatchAsync(ReelServer server, string url, long offset, byte[] bytes, int sent)
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = socket.GetStream();
        var head = $"PATCH {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            + $"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {bytes.Length}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes.AsMemory(0, sent));
        await stream.FlushAsync();
        return socket;
    }

    private static async Task<long> WaitForUploadedBytesAsync(ReelServer server, string id, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var video = await server.GetVideoAsync(id);
            // The lock is free again once the broken request has recorded what it kept.
            using var head = await SendAsync(server, HttpMethod.Head, url);
            if (video.UploadedBytes > 0) return video.UploadedBytes.Value;
            Assert.True(DateTime.UtcNow < deadline, "the bytes of the broken request were not kept");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until a request holds the upload's lock: it is reading the body.</summary>
    private static Task<object> WaitUntilLockedAsync(ReelServer server, string id) =>
        Eventually.FoundAsync(() => TestDatabase.ScalarAsync(server.DataDir, "SELECT lock_owner FROM uploads WHERE video_id = @videoId", id));

    /// <summary>An HTTP/1.1 answer read off a raw connection: its head and its body (by Content-Length).</summary>
    private static async Task<string> ReadRawResponseAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var text = System.Text.Encoding.UTF8.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = System.Text.RegularExpressions.Regex.Match(text[..end], @"(?im)^content-length:\s*(\d+)");
                if (!length.Success || received.Length >= end + 4 + int.Parse(length.Groups[1].Value, CultureInfo.InvariantCulture)) return text;
            }
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) return text;
            received.Write(buffer, 0, read);
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Resumable").Single());
    }

    /// <summary>
    /// No partial file, tail object or unfinished multipart upload of the upload remains; only the source if it was
    /// kept. (The video's own outputs may be on their way up meanwhile: processing goes on.)
    /// </summary>
    private static async Task AssertNothingLeftOfTheUploadAsync(ReelServer server, string id, bool keepSource)
    {
        var keys = await StoredKeysAsync(server, $"originals/{id}");
        Assert.Equal(keepSource ? [$"originals/{id}/source.bin"] : [], keys);
        Assert.DoesNotContain(await UnfinishedUploadsAsync(server), k => k.StartsWith($"originals/{id}/", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "tmp")));
    }

    /// <summary>What the server has stored under <paramref name="prefix"/>, on its own disk or in its bucket.</summary>
    private static async Task<List<string>> StoredKeysAsync(ReelServer server, string prefix)
    {
        if (server.OnObjectStore) return await (await ObjectStore.SharedAsync()).KeysAsync(ObjectStore.BucketFor(server.DataDir), prefix);
        var root = Path.Combine(server.DataDir, "media");
        var dir = Path.Combine(root, prefix);
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>The SHA-256 of a file the server stored, in hex.</summary>
    private static async Task<string> StoredSha256Async(ReelServer server, string key)
    {
        if (!server.OnObjectStore) return await StoredFiles.FileSha256Async(Path.Combine(server.DataDir, "media", key));
        using var client = (await ObjectStore.SharedAsync()).Client();
        using var response = await client.GetObjectAsync(ObjectStore.BucketFor(server.DataDir), key);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(response.ResponseStream));
    }

    /// <summary>Multipart uploads the server began in its bucket and neither completed nor aborted (none on local disk).</summary>
    private static async Task<List<string>> UnfinishedUploadsAsync(ReelServer server) =>
        server.OnObjectStore ? await (await ObjectStore.SharedAsync()).UnfinishedUploadsAsync(ObjectStore.BucketFor(server.DataDir)) : [];

    // sha1 is the algorithm the tus checksum extension asks every server to support; it guards against garbling here.
#pragma warning disable CA5350
    private static string Sha1Checksum(byte[] body) => "sha1 " + Convert.ToBase64String(SHA1.HashData(body));
#pragma warning restore CA5350

    /// <summary>A body of known length sent in pieces with a pause between them, as over a slow link.</summary>
    private sealed class TrickleContent(byte[] bytes, int pieces, TimeSpan pause) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var size = (bytes.Length + pieces - 1) / pieces;
            for (var at = 0; at < bytes.Length; at += size)
            {
                if (at > 0) await Task.Delay(pause);
                await stream.WriteAsync(bytes.AsMemory(at, Math.Min(size, bytes.Length - at)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }

    /// <summary>tus-js-client's state between runs (upload URL, manage token, video id), in its own temp file.</summary>
    private sealed class StateFile : IDisposable
    {
        public StateFile(string? content = null)
        {
            if (content is not null) File.WriteAllText(Path, content);
        }

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"reel-tus-{Guid.NewGuid():N}.json");

        public string Url
        {
            get
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path));
                return new Uri(json.RootElement.GetProperty("url").GetString()!).AbsolutePath;
            }
        }

        public string VideoId
        {
            get
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path));
                return json.RootElement.GetProperty("videoId").GetString()!;
            }
        }

        public void Dispose() => File.Delete(Path);
    }
}
