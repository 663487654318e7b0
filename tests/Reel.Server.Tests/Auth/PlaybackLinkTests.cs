using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Media;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Media URLs carry a token instead of the id: bound to one video, short-lived, revocable.</summary>
public sealed class PlaybackLinkTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Links_name_neither_id_nor_title_and_a_token_opens_only_its_own_video()
    {
        await using var server = await ReelServer.StartAsync();
        var clip = await Clips.PathAsync(Clips.Silent);
        var a = await server.WaitUntilReadyAsync((await server.UploadAsync(clip, title: "Secret title A")).Id);
        var b = await server.WaitUntilReadyAsync((await server.UploadAsync(clip, title: "Secret title B")).Id);

        foreach (var url in new[] { a.StreamUrl!, a.DownloadUrl!, a.ThumbnailUrl!, a.StoryboardUrl! })
        {
            Assert.StartsWith("/s/", url, StringComparison.Ordinal);
            Assert.DoesNotContain(a.Id, url, StringComparison.Ordinal);
            Assert.DoesNotContain("Secret", url, StringComparison.Ordinal);
        }
        using var anonymous = server.AnonymousClient();
        var aFolder = Folder(a.StreamUrl!);
        var bFolder = Folder(b.StreamUrl!);
        var bPlaylist = HlsPlaylists.ParseMedia(await anonymous.GetStringAsync($"{bFolder}/360p/index.m3u8"));
        var bSegment = $"360p/{bPlaylist.Segments[0].Uri}";
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
        // Links live six seconds: a slow machine still fetches one before it expires.
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Auth:StreamTokenMinutes"] = "0.1" });
        var video = await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(Clips.Silent))).Id);
        using var anonymous = server.AnonymousClient();
        var old = (await server.GetVideoAsync(video.Id)).ThumbnailUrl!;
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(old)).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(old)).StatusCode);
        using var playback = await anonymous.PostAsync($"/api/videos/{video.Id}/playback", null);
        var fresh = await playback.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.True(fresh.GetProperty("expiresAt").GetDateTime() > DateTime.UtcNow);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(fresh.GetProperty("thumbnailUrl").GetString())).StatusCode);
    }

    [Fact]
    public async Task Revoking_links_making_private_and_deleting_each_stop_every_outstanding_link()
    {
        await using var server = await ReelServer.StartAsync();
        var clip = await Clips.PathAsync(Clips.Silent);
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
        // Two processes on one data folder: the api node revokes, the stream node only reads the database.
        await using var api = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,worker" });
        await using var stream = await ReelServer.StartAsync(api.DataDir, new Dictionary<string, string> { ["Roles"] = "stream", ["Auth:RevocationPollSeconds"] = "0.5" }, signIn: false);
        var video = await api.WaitUntilReadyAsync((await api.UploadAsync(await Clips.PathAsync(Clips.Silent))).Id);
        using var viewer = stream.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(video.ThumbnailUrl)).StatusCode);

        (await api.Client.PostAsync($"/api/videos/{video.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        while ((await viewer.GetAsync(video.ThumbnailUrl)).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "The stream node still honours a revoked link after 5 s.");
            await Task.Delay(100);
        }
    }

    private static string Folder(string url) => url[..url.LastIndexOf('/')];
}
