using Reel.Server.Data;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Reel.Media;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Media URLs carry a token instead of the id: bound to one video, short-lived, revocable.</summary>
/// <remarks>
/// One server for the class (every test makes its own videos, with the tiny clip: what is tested is the links, not the
/// picture). The expiry test forges tokens with the server's own key at a past time instead of waiting for one to
/// expire; <see cref="Unit.StreamTokensTests"/> moves a fake clock across the lifetime itself.
/// </remarks>
public sealed class PlaybackLinkTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ReelServer _server = shared.Server;

    [Fact]
    public async Task Links_name_neither_id_nor_title_and_a_token_opens_only_its_own_video()
    {
        var server = _server;
        var clip = await Clips.PathAsync(Clips.Tiny);
        var aId = (await server.UploadAsync(clip, title: "Secret title A")).Id;
        var bId = (await server.UploadAsync(clip, title: "Secret title B")).Id;
        var a = await server.WaitUntilReadyAsync(aId);
        var b = await server.WaitUntilReadyAsync(bId);

        foreach (var url in new[] { a.StreamUrl!, a.DownloadUrl!, a.ThumbnailUrl!, a.StoryboardUrl! })
        {
            Assert.StartsWith("/s/", url, StringComparison.Ordinal);
            Assert.DoesNotContain(a.Id, url, StringComparison.Ordinal);
            Assert.DoesNotContain("Secret", url, StringComparison.Ordinal);
        }
        using var anonymous = server.AnonymousClient();
        var aFolder = Folder(a.StreamUrl!);
        var bFolder = Folder(b.StreamUrl!);
        var rung = Clips.Tiny.Rungs[0];
        var bPlaylist = HlsPlaylists.ParseMedia(await anonymous.GetStringAsync($"{bFolder}/{rung}/index.m3u8"));
        var bSegment = $"{rung}/{bPlaylist.Segments[0].Uri}";
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"{bFolder}/{bSegment}")).StatusCode);

        // A's token with B's segment path: the token decides the video, so B's file is not there.
        using (var crossed = await anonymous.GetAsync($"{aFolder}/{bSegment}"))
            Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        // A token altered by one character is not a token.
        var token = aFolder["/s/".Length..];
        var altered = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        using (var forged = await anonymous.GetAsync($"/s/{altered}/master.m3u8"))
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        // The old id-based paths are gone.
        using (var byId = await anonymous.GetAsync($"/media/{a.Id}/master.m3u8"))
            Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);

        // Tokenised links still play in mpv, segments and all.
        using var mpv = Process.Start(new ProcessStartInfo("mpv", ["--no-config", "--vo=null", "--ao=null", "--length=1", $"{server.Client.BaseAddress}{a.StreamUrl!.TrimStart('/')}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await mpv.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(0, mpv.ExitCode);
    }

    [Fact]
    public async Task Links_expire_and_fresh_ones_come_from_the_playback_endpoint()
    {
        var server = _server;
        var video = await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        using var anonymous = server.AnonymousClient();
        var handedOut = await server.GetVideoAsync(video.Id);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(handedOut.ThumbnailUrl)).StatusCode);
        // The links the API hands out live the configured lifetime (six hours by default), counted from now.
        var lifetime = TimeSpan.FromMinutes(new AuthOptions().StreamTokenMinutes);
        AssertAbout(DateTime.UtcNow + lifetime, handedOut.LinksExpireAt);

        // Links made with the server's own key as it would have made them a lifetime ago: one that ran out five seconds
        // ago no longer opens the file, one with a minute left still does (so the refusal is the expiry, not the key).
        var expired = ThumbnailWithTokenIssuedAt(server, video.Id, DateTimeOffset.UtcNow - lifetime - TimeSpan.FromSeconds(5));
        var nearlyExpired = ThumbnailWithTokenIssuedAt(server, video.Id, DateTimeOffset.UtcNow - lifetime + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(expired)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(nearlyExpired)).StatusCode);

        using var playback = await anonymous.PostAsync($"/api/videos/{video.Id}/playback", null);
        var fresh = await playback.Content.ReadFromJsonAsync<JsonElement>(Json);
        AssertAbout(DateTime.UtcNow + lifetime, fresh.GetProperty("expiresAt").GetDateTime().ToUniversalTime());
        var freshThumbnail = fresh.GetProperty("thumbnailUrl").GetString();
        Assert.NotEqual(handedOut.ThumbnailUrl, freshThumbnail);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(freshThumbnail)).StatusCode);
    }

    [Fact]
    public async Task Revoking_links_making_private_and_deleting_each_stop_every_outstanding_link()
    {
        var server = _server;
        var clip = await Clips.PathAsync(Clips.Tiny);
        using var anonymous = server.AnonymousClient();

        var revoked = await server.WaitUntilReadyAsync((await server.UploadAsync(clip)).Id);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(revoked.ThumbnailUrl)).StatusCode);
        (await server.Client.PostAsync($"/api/videos/{revoked.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(revoked.ThumbnailUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(revoked.StreamUrl)).StatusCode);
        var renewed = await server.GetVideoAsync(revoked.Id);
        Assert.NotEqual(revoked.ThumbnailUrl, renewed.ThumbnailUrl);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(renewed.ThumbnailUrl)).StatusCode);

        var hidden = await server.WaitUntilReadyAsync((await server.UploadAsync(clip)).Id);
        (await server.Client.PatchAsJsonAsync($"/api/videos/{hidden.Id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(hidden.ThumbnailUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync((await server.GetVideoAsync(hidden.Id)).ThumbnailUrl)).StatusCode);

        var deleted = await server.WaitUntilReadyAsync((await server.UploadAsync(clip)).Id);
        (await server.Client.DeleteAsync($"/api/videos/{deleted.Id}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(deleted.StreamUrl)).StatusCode);
    }

    [Fact]
    public async Task A_revocation_made_through_another_node_reaches_this_node_within_seconds()
    {
        // Two processes on one data folder: the class's server revokes, the stream node only reads the database.
        var api = _server;
        await using var stream = await ReelServer.StartAsync(api.DataDir, new Dictionary<string, string> { ["Roles"] = "stream", ["Auth:RevocationPollSeconds"] = "0.5" }, signIn: false);
        var video = await api.WaitUntilReadyAsync((await api.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        using var viewer = stream.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(video.ThumbnailUrl)).StatusCode);

        (await api.Client.PostAsync($"/api/videos/{video.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        await AssertRefusedWithinAsync(viewer, video.ThumbnailUrl!, TimeSpan.FromSeconds(5), "The stream node still honours a revoked link after 5 s.");
    }

    /// <remarks>
    /// The PostgreSQL + S3 end-to-end test of this class (the HTTP suites no longer run twice): on PostgreSQL a
    /// revocation reaches the stream nodes by NOTIFY, so this stream node polls only hourly and must still stop the
    /// link within seconds; its files come from the S3 bucket the two nodes share.
    /// </remarks>
    [Fact]
    public async Task On_PostgreSQL_a_revocation_reaches_a_stream_node_by_notification_without_waiting_for_its_poll()
    {
        await using var api = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,worker" }, backend: Backend.PostgresS3);
        await using var stream = await ReelServer.StartAsync(api.DataDir, new Dictionary<string, string> { ["Roles"] = "stream", ["Auth:RevocationPollSeconds"] = "3600" }, signIn: false, backend: Backend.PostgresS3);
        Assert.True(api.OnObjectStore && stream.OnObjectStore);
        var video = await api.WaitUntilReadyAsync((await api.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        using var viewer = stream.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(video.ThumbnailUrl)).StatusCode);

        (await api.Client.PostAsync($"/api/videos/{video.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        await AssertRefusedWithinAsync(viewer, video.ThumbnailUrl!, TimeSpan.FromSeconds(10), "The stream node still honours a revoked link 10 s after it was revoked on PostgreSQL.");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync((await api.GetVideoAsync(video.Id)).ThumbnailUrl)).StatusCode);
    }

    /// <summary>Polls the URL until it stops answering 200; fails with <paramref name="message"/> after <paramref name="within"/>.</summary>
    private static async Task AssertRefusedWithinAsync(HttpClient viewer, string url, TimeSpan within, string message)
    {
        var clock = Stopwatch.StartNew();
        while ((await viewer.GetAsync(url)).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < within, message);
            await Task.Delay(100);
        }
    }

    private static string Folder(string url) => url[..url.LastIndexOf('/')];

    /// <summary>The thumbnail path with a token the server's key file would have given at <paramref name="issuedAt"/>.</summary>
    private static string ThumbnailWithTokenIssuedAt(ReelServer server, string videoId, DateTimeOffset issuedAt)
    {
        var key = File.ReadAllText(Path.Combine(server.DataDir, "keys", "stream.key")).Trim();
        var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = server.DataDir }).Build());
        using var tokens = new StreamTokens(Options.Create(new AuthOptions { StreamKey = key }), node, new FakeTimeProvider(issuedAt));
        // Generation 0: this video's links were never revoked.
        return $"/s/{tokens.Issue(new MediaOf(videoId, videoId), 0, out _)}/thumbnail.jpg";
    }

    /// <summary>Within a minute of <paramref name="expected"/>: the server and the test read the clock moments apart.</summary>
    private static void AssertAbout(DateTime expected, DateTime actual) =>
        Assert.True((actual - expected).Duration() < TimeSpan.FromMinutes(1), $"expected about {expected:O}, got {actual:O}");
}
