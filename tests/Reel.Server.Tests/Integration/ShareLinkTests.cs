using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reel.Server.Features.Videos;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// Share links: a key that shows one video (private ones too) to whoever holds it, until it is revoked or expires,
/// behind an optional password; the media URLs handed out through it stop with it.
/// </summary>
/// <remarks>One in-process server for the class; the expiry test has its own, on a clock it moves.</remarks>
public sealed class ShareLinkTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ReelServer _server = shared.Server;

    [Fact]
    public async Task A_share_link_shows_a_private_video_to_anyone_holding_it_and_revoking_it_stops_it_and_its_media_urls()
    {
        var video = await ReadyPrivateVideoAsync(_server, "Family trip");
        using var viewer = _server.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/videos/{video.Id}")).StatusCode);

        var share = await CreateAsync(_server, video.Id, new { label = "For grandma" });
        Assert.Matches("^/v/[A-Za-z0-9_-]{32}$", share.Url);
        Assert.DoesNotContain(video.Id, share.Url, StringComparison.Ordinal);
        Assert.Equal(("For grandma", false, true, 0L), (share.Label, share.HasPassword, share.AllowDownload, share.Views));

        var seen = await OpenAsync(viewer, share);
        Assert.Equal(("Family trip", false, share.Url), (seen.Title, seen.CanManage, seen.WatchUrl));
        Assert.Null(seen.ManageToken);
        Assert.Null(seen.Views);
        foreach (var url in new[] { seen.StreamUrl!, seen.ThumbnailUrl!, seen.DownloadUrl! })
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(url)).StatusCode);
        // The page itself is the web app's.
        using (var page = await viewer.GetAsync(share.Url))
            Assert.Equal(("text/html", "no-referrer"), (page.Content.Headers.ContentType?.MediaType, page.Headers.GetValues("Referrer-Policy").Single()));

        // A view through the link counts on the link and on the video, and only managers see the counts.
        Assert.Equal(HttpStatusCode.NoContent, (await viewer.PostAsync($"/api/shares/{Key(share)}/views", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.PostAsync($"/api/videos/{video.Id}/views", null)).StatusCode);
        Assert.Equal(1, (await ListAsync(_server, video.Id)).Single().Views);
        Assert.Equal(2, (await _server.GetVideoAsync(video.Id)).Views);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/api/videos/{video.Id}/shares/{share.Id}")).StatusCode);
        await ProblemJson.AssertAsync(await viewer.GetAsync($"/api/shares/{Key(share)}"), HttpStatusCode.NotFound, "not_found");
        foreach (var url in new[] { seen.StreamUrl!, seen.ThumbnailUrl!, seen.DownloadUrl! })
            Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(url)).StatusCode);
        Assert.Empty(await ListAsync(_server, video.Id));
        // The owner's own links are not the share's.
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync((await _server.GetVideoAsync(video.Id)).ThumbnailUrl)).StatusCode);
    }

    [Fact]
    public async Task A_password_protected_link_reveals_nothing_until_unlocked_and_wrong_guesses_are_slowed()
    {
        var video = await ReadyPrivateVideoAsync(_server, "Surprise party");
        var share = await CreateAsync(_server, video.Id, new { password = "cake and candles" });
        Assert.True(share.HasPassword);
        using var viewer = _server.AnonymousClient();

        using (var locked = await viewer.GetAsync($"/api/shares/{Key(share)}"))
        {
            var body = await ProblemJson.AssertAsync(locked, HttpStatusCode.Unauthorized, "password_required");
            Assert.DoesNotContain("Surprise", body, StringComparison.Ordinal);
            Assert.DoesNotContain("/s/", body, StringComparison.Ordinal);
        }
        await ProblemJson.AssertAsync(await UnlockAsync(viewer, share, "birthday"), HttpStatusCode.Unauthorized, "invalid_password");

        using (var unlocked = await UnlockAsync(viewer, share, "cake and candles"))
        {
            Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
            var seen = (await unlocked.Content.ReadFromJsonAsync<VideoJson>(Json))!;
            Assert.Equal("Surprise party", seen.Title);
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(seen.StreamUrl)).StatusCode);
        }

        // The password is kept only as a hash.
        Assert.False(DatabaseHolds(_server, "cake and candles"), "the share's password is stored in clear");

        // Guessing is cut off with 429 and a Retry-After; the right password has to wait too.
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 30 && refused is null; attempt++)
        {
            var response = await UnlockAsync(viewer, share, $"guess {attempt}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else await ProblemJson.AssertAsync(response, HttpStatusCode.Unauthorized, "invalid_password");
        }
        Assert.NotNull(refused);
        await ProblemJson.AssertAsync(refused, HttpStatusCode.TooManyRequests, "too_many_attempts");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await UnlockAsync(viewer, share, "cake and candles")).StatusCode);
    }

    [Fact]
    public async Task A_link_without_downloads_hands_out_no_download_and_narrowing_a_link_stops_the_urls_it_gave()
    {
        var video = await ReadyPrivateVideoAsync(_server, "Rough cut");
        var share = await CreateAsync(_server, video.Id, new { allowDownload = false });
        using var viewer = _server.AnonymousClient();
        var seen = await OpenAsync(viewer, share);
        Assert.Null(seen.DownloadUrl);
        // The token opens the stream, not the download, even when a viewer writes the download's URL themselves.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(seen.StreamUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(seen.StreamUrl!.Replace("master.m3u8", "download.mp4", StringComparison.Ordinal))).StatusCode);

        // Downloads on again: a change that widens access leaves handed-out URLs working.
        var changed = await PatchAsync(share, video.Id, new { allowDownload = true, label = "v2" });
        Assert.Equal((true, "v2"), (changed.AllowDownload, changed.Label));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(seen.StreamUrl)).StatusCode);
        var withDownload = await OpenAsync(viewer, share);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(withDownload.DownloadUrl)).StatusCode);

        // A new password narrows it: what was handed out before stops.
        Assert.True((await PatchAsync(share, video.Id, new { password = "a new secret" })).HasPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(withDownload.StreamUrl)).StatusCode);
        await ProblemJson.AssertAsync(await viewer.GetAsync($"/api/shares/{Key(share)}"), HttpStatusCode.Unauthorized, "password_required");
        // And null takes it away again.
        Assert.False((await PatchAsync(share, video.Id, new { password = (string?)null })).HasPassword);
        await OpenAsync(viewer, share);
    }

    [Fact]
    public async Task Bad_share_requests_get_clear_errors_and_only_managers_make_or_see_links()
    {
        var video = await ReadyPrivateVideoAsync(_server, "Not for everyone");
        async Task Refused(object body, string code)
        {
            using var response = await _server.Client.PostAsJsonAsync($"/api/videos/{video.Id}/shares", body);
            await ProblemJson.AssertAsync(response, HttpStatusCode.BadRequest, code);
        }
        await Refused(new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, "invalid_expiry");
        await Refused(new { password = "abc" }, "invalid_password");
        await Refused(new { label = new string('x', 101) }, "invalid_label");

        var share = await CreateAsync(_server, video.Id, new { });
        using (var unknownField = await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}/shares/{share.Id}", new { video = "other" }))
            await ProblemJson.AssertAsync(unknownField, HttpStatusCode.BadRequest, "invalid_request");
        using (var badTime = await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}/shares/{share.Id}", new { expiresAt = "next week" }))
            await ProblemJson.AssertAsync(badTime, HttpStatusCode.BadRequest, "invalid_expiry");

        using var stranger = _server.ClientWith((await _server.SessionAsync($"stranger-{Guid.NewGuid():N}@reel.test")).AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/videos/{video.Id}/shares")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/videos/{video.Id}/shares/{share.Id}")).StatusCode);
        // Unknown keys, and keys of the wrong shape, are simply not found.
        foreach (var key in new[] { new string('A', 32), "short", Key(share) + "x" })
            await ProblemJson.AssertAsync(await stranger.GetAsync($"/api/shares/{key}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync($"/api/shares/{Key(share)}")).StatusCode);
    }

    [Fact]
    public async Task An_expired_link_says_so_and_its_media_urls_stop_with_it()
    {
        var clock = new ShiftedClock();
        await using var server = await ReelServer.StartAsync(clock: clock);
        var video = await ReadyPrivateVideoAsync(server, "Valid for a week");
        var share = await CreateAsync(server, video.Id, new { expiresAt = clock.GetUtcNow().AddDays(7) });
        using var viewer = server.AnonymousClient();
        var seen = await OpenAsync(viewer, share);
        // Its media URLs end with the link, not six hours later.
        Assert.True(seen.LinksExpireAt <= share.ExpiresAt, $"URLs valid until {seen.LinksExpireAt:O}, the link until {share.ExpiresAt:O}");

        // Late on its last day the link still opens, and the URLs it hands out now end with it, in a couple of hours.
        clock.Shift(TimeSpan.FromDays(6.9));
        var late = await OpenAsync(viewer, share);
        Assert.Equal(share.ExpiresAt, late.LinksExpireAt);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(late.ThumbnailUrl)).StatusCode);
        clock.Shift(TimeSpan.FromDays(0.2));
        var body = await ProblemJson.AssertAsync(await viewer.GetAsync($"/api/shares/{Key(share)}"), HttpStatusCode.Gone, "share_expired");
        Assert.DoesNotContain("Valid for a week", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(late.ThumbnailUrl)).StatusCode);
        // The owner can give it more time.
        using (var extended = await server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}/shares/{share.Id}", new { expiresAt = (DateTimeOffset?)null }))
            Assert.Equal(HttpStatusCode.OK, extended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/shares/{Key(share)}")).StatusCode);
    }

    /// <summary>
    /// A stream node in a process of its own, on PostgreSQL and S3, that polls for revocations only hourly: a revoked
    /// share's media URLs stop there within seconds, by notification.
    /// </summary>
    [Fact]
    public async Task Revoking_a_share_reaches_a_separate_stream_process_within_seconds()
    {
        await using var api = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,worker" }, backend: Backend.PostgresS3);
        await using var stream = await ReelServer.StartAsync(api.DataDir, new Dictionary<string, string> { ["Roles"] = "stream", ["Auth:RevocationPollSeconds"] = "3600" },
            signIn: false, backend: Backend.PostgresS3, ownProcess: true);
        var video = await ReadyPrivateVideoAsync(api, "Across nodes");
        var share = await CreateAsync(api, video.Id, new { });
        using var viewer = stream.AnonymousClient();
        var seen = await OpenAsync(api.AnonymousClient(), share);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(seen.ThumbnailUrl)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Client.DeleteAsync($"/api/videos/{video.Id}/shares/{share.Id}")).StatusCode);
        await Eventually.FoundAsync(async () => (await viewer.GetAsync(seen.ThumbnailUrl)).StatusCode == HttpStatusCode.NotFound ? "refused" : null,
            TimeSpan.FromSeconds(10));
    }

    private static async Task<VideoJson> ReadyPrivateVideoAsync(ReelServer server, string title)
    {
        var video = await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: title)).Id);
        (await server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        return video;
    }

    private static async Task<ShareDto> CreateAsync(ReelServer server, string videoId, object body)
    {
        using var response = await server.Client.PostAsJsonAsync($"/api/videos/{videoId}/shares", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ShareDto>(Json))!;
    }

    private async Task<ShareDto> PatchAsync(ShareDto share, string videoId, object body)
    {
        using var response = await _server.Client.PatchAsJsonAsync($"/api/videos/{videoId}/shares/{share.Id}", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ShareDto>(Json))!;
    }

    private static async Task<IReadOnlyList<ShareDto>> ListAsync(ReelServer server, string videoId) =>
        (await server.Client.GetFromJsonAsync<ShareList>($"/api/videos/{videoId}/shares", Json))!.Items;

    private static async Task<VideoJson> OpenAsync(HttpClient viewer, ShareDto share)
    {
        using var response = await viewer.GetAsync($"/api/shares/{Key(share)}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<VideoJson>(Json))!;
    }

    private static Task<HttpResponseMessage> UnlockAsync(HttpClient viewer, ShareDto share, string password) =>
        viewer.PostAsJsonAsync($"/api/shares/{Key(share)}/unlock", new { password });

    private static string Key(ShareDto share) => share.Url["/v/".Length..];

    private static bool DatabaseHolds(ReelServer server, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Directory.EnumerateFiles(server.DataDir, "reel.db*").Any(file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes.AsSpan().IndexOf(needle) >= 0;
        });
    }
}

/// <summary>
/// Real time plus an offset the test moves forward: the server's timers keep running in real time (it processes a video
/// meanwhile), while what it reads as "now" jumps days ahead.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Shift(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
