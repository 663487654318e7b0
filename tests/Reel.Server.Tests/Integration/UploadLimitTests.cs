using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// One server for the cap on open resumable uploads and the storage quota: the cap counts per uploader and the quota per
/// account, so an anonymous uploader and a fresh account do not meet. No worker: the limits are decided before any job.
/// </summary>
public sealed class CapAndQuotaServer : IAsyncLifetime
{
    internal ReelServer Server { get; private set; } = null!;

    /// <summary>The size of <see cref="Clips.Tiny"/>, the clip the tests upload.</summary>
    internal long ClipSize { get; private set; }

    /// <summary>One clip and a half: room for one upload of it, not two.</summary>
    internal long Quota => ClipSize + (ClipSize / 2);

    public async Task InitializeAsync()
    {
        ClipSize = new FileInfo(await Clips.PathAsync(Clips.Tiny)).Length;
        Server = await ReelServer.StartAsync(signIn: true, settings: new Dictionary<string, string>
        {
            ["Roles"] = "api,stream",
            ["Upload:MaxOpenUploads"] = "2",
            ["Upload:QuotaBytes"] = Quota.ToString(CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The limits on new uploads (ADR 17): the per-address pace of new uploads, the cap on open resumable uploads and the
/// per-account storage quota, against the server process.
/// </summary>
public sealed class UploadLimitTests(CapAndQuotaServer shared) : IClassFixture<CapAndQuotaServer>
{
    // Every server here refuses or takes uploads before any job: none needs a worker.
    private const string NoWorker = "api,stream";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task New_uploads_from_one_address_beyond_the_burst_get_429_rate_limited_with_Retry_After_and_uploads_under_way_go_on()
    {
        // One new upload per 100 minutes after a burst of two: nothing is refilled while the test runs.
        await using var server = await ReelServer.StartAsync(signIn: false, settings: new Dictionary<string, string>
        {
            ["Roles"] = NoWorker,
            ["Upload:RateLimitBurst"] = "2",
            ["Upload:RateLimitPerMinute"] = "0.01",
        });
        using var client = server.AnonymousClient();
        using var first = await CreateAsync(client, 1000);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using (var second = await CreateAsync(client, 1000))
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);

        using (var third = await CreateAsync(client, 1000))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.True(third.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {third.Headers.RetryAfter}");
            Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
            Assert.Equal("rate_limited", await CodeOfAsync(third));
        }
        // Plain uploads draw on the same allowance: refused before a byte of the body is judged.
        using (var plain = new ByteArrayContent(new byte[1000]))
        {
            plain.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var refused = await client.PostAsync("/api/videos", plain);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("rate_limited", await CodeOfAsync(refused));
        }
        // An upload already started is not slowed: its HEAD and PATCH are not new uploads.
        var manageToken = first.Headers.GetValues("Reel-Manage-Token").Single();
        using var head = Tus(HttpMethod.Head, first.Headers.Location!.OriginalString, manageToken);
        using (var offset = await client.SendAsync(head))
            Assert.Equal(HttpStatusCode.OK, offset.StatusCode);
        using var patch = Tus(HttpMethod.Patch, first.Headers.Location!.OriginalString, manageToken);
        patch.Headers.Add("Upload-Offset", "0");
        patch.Content = new ByteArrayContent(new byte[100]);
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        using (var appended = await client.SendAsync(patch))
            Assert.Equal(HttpStatusCode.NoContent, appended.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_trusted_proxy_the_upload_pace_counts_the_forwarded_client_and_a_forged_header_counts_for_nothing(bool trusted)
    {
        var settings = new Dictionary<string, string> { ["Roles"] = NoWorker, ["Upload:RateLimitBurst"] = "1", ["Upload:RateLimitPerMinute"] = "0.01" };
        if (trusted) settings["Proxy:TrustedNetworks:0"] = "127.0.0.0/8";
        await using var server = await ReelServer.StartAsync(signIn: false, settings: settings);
        using var client = server.AnonymousClient();

        Assert.Equal(HttpStatusCode.Created, await CreateStatusFromAsync(client, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CreateStatusFromAsync(client, "203.0.113.7"));
        // Another client behind the proxy has its own allowance, an IPv6 one by its /64; without a trusted proxy the
        // header is anyone's to write and means nothing.
        Assert.Equal(trusted ? HttpStatusCode.Created : HttpStatusCode.TooManyRequests, await CreateStatusFromAsync(client, "198.51.100.9"));
        Assert.Equal(trusted ? HttpStatusCode.Created : HttpStatusCode.TooManyRequests, await CreateStatusFromAsync(client, "2001:db8:1:2::1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CreateStatusFromAsync(client, "2001:db8:1:2::99"));
    }

    [Fact]
    public async Task Open_resumable_uploads_beyond_the_cap_are_refused_until_one_is_deleted_or_finished()
    {
        using var client = shared.Server.AnonymousClient();
        var clip = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny));
        using var first = await CreateAsync(client, clip.Length);
        using var second = await CreateAsync(client, 1000);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);

        using (var refused = await CreateAsync(client, 1000))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Json);
            Assert.Equal("too_many_open_uploads", problem.GetProperty("code").GetString());
            Assert.Contains("Finish or delete", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Deleting one (tus termination) makes room for one.
        using (var delete = Tus(HttpMethod.Delete, second.Headers.Location!.OriginalString, second.Headers.GetValues("Reel-Manage-Token").Single()))
        using (var deleted = await client.SendAsync(delete))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var third = await CreateAsync(client, 1000);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        using (var full = await CreateAsync(client, 1000))
            Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);

        // Finishing one (its last byte in, judged a video) makes room too.
        using (var patch = Tus(HttpMethod.Patch, first.Headers.Location!.OriginalString, first.Headers.GetValues("Reel-Manage-Token").Single()))
        {
            patch.Headers.Add("Upload-Offset", "0");
            patch.Content = new ByteArrayContent(clip);
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            using var finished = await client.SendAsync(patch);
            Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        }
        using (var fourth = await CreateAsync(client, 1000))
            Assert.Equal(HttpStatusCode.Created, fourth.StatusCode);
    }

    [Fact]
    public async Task An_upload_beyond_the_account_quota_is_refused_413_quota_exceeded_and_nothing_is_kept()
    {
        var server = shared.Server;
        var clipPath = await Clips.PathAsync(Clips.Tiny);
        var size = shared.ClipSize;
        var quota = shared.Quota;
        var session = await server.SessionAsync("uploader@reel.test");
        using var uploader = server.ClientWith(session.AccessToken);
        Assert.Equal((0L, (long?)quota), await StorageOfAsync(uploader));

        var kept = await ReelServer.UploadAsAsync(uploader, clipPath);
        Assert.Equal((size, (long?)quota), await StorageOfAsync(uploader));

        // With Content-Length the answer comes before the body is read; without it, as the bytes pass the quota.
        using (var declared = await ReelServer.PostVideoAsync(uploader, clipPath))
            await AssertQuotaExceededAsync(declared, expectNumbers: true);
        using (var chunked = new StreamContent(new UnknownLengthStream(await File.ReadAllBytesAsync(clipPath))))
        {
            chunked.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            using var refused = await uploader.PostAsync("/api/videos", chunked);
            await AssertQuotaExceededAsync(refused, expectNumbers: false);
        }
        using (var resumable = await CreateAsync(uploader, size))
            await AssertQuotaExceededAsync(resumable, expectNumbers: true);

        var mine = await uploader.GetFromJsonAsync<VideoPageJson>("/api/videos?mine=true", Json);
        Assert.Equal(new[] { kept.Id }, mine!.Items.Select(v => v.Id));
        Assert.Equal(new[] { kept.Id }, (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true", Json))!.Items.Where(v => v.Owner?.Id == session.User.Id).Select(v => v.Id));
        Assert.Equal((size, (long?)quota), await StorageOfAsync(uploader));

        // Room again once the video is deleted; a resumable upload reserves its declared length from its creation.
        using (var deleted = await uploader.DeleteAsync($"/api/videos/{kept.Id}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var reserved = await CreateAsync(uploader, size))
            Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        Assert.Equal((size, (long?)quota), await StorageOfAsync(uploader));
        // Admins set the quota and have none.
        Assert.Equal((long?)null, (await StorageOfAsync(server.Client)).Quota);
    }

    private static async Task AssertQuotaExceededAsync(HttpResponseMessage response, bool expectNumbers)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {body}");
        var problem = JsonSerializer.Deserialize<JsonElement>(body, Json);
        Assert.Equal("quota_exceeded", problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("of its", detail, StringComparison.Ordinal);
        if (expectNumbers) Assert.Contains("This upload needs", detail, StringComparison.Ordinal);
    }

    private static async Task<(long Used, long? Quota)> StorageOfAsync(HttpClient client)
    {
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me", Json);
        var storage = me.GetProperty("storage");
        var quota = storage.GetProperty("quotaBytes");
        return (storage.GetProperty("usedBytes").GetInt64(), quota.ValueKind == JsonValueKind.Null ? null : quota.GetInt64());
    }

    private static async Task<HttpStatusCode> CreateStatusFromAsync(HttpClient client, string forwardedFor)
    {
        using var request = Tus(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Upload-Length", "1000");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> CreateAsync(HttpClient client, long length)
    {
        using var request = Tus(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        return await client.SendAsync(request);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string path, string? manageToken = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (manageToken is not null) request.Headers.Add("Reel-Manage-Token", manageToken);
        return request;
    }

    private static async Task<string?> CodeOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("code").GetString();

    /// <summary>A body sent chunked, without Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
