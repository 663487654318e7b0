using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Reel.Server.Features.Videos;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// A new file for a video under the same id and links (issue 16): it is processed while the old one plays, takes the
/// video's place once playable, and players that started on the old one play it on until its files go.
/// </summary>
public sealed class ReplaceVideoTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly ReelServer _server = shared.Server;

    [Fact]
    public async Task A_new_file_takes_the_videos_place_under_the_same_id_title_visibility_and_share_link_while_the_old_one_plays_on()
    {
        var video = await ReadyAsync(_server, Clips.Tiny, "Holiday, first cut");
        (await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        using (var created = await _server.Client.PostAsJsonAsync($"/api/videos/{video.Id}/shares", new { label = "family" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var shareUrl = (await _server.Client.GetFromJsonAsync<JsonElement>($"/api/videos/{video.Id}/shares", Json)).GetProperty("items")[0].GetProperty("url").GetString()!;
        using (var captions = new MultipartFormDataContent
        {
            { new ByteArrayContent("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"u8.ToArray()), "file", "en.vtt" },
            { new StringContent("en"), "language" },
        })
            Assert.Equal(HttpStatusCode.Created, (await _server.Client.PostAsync($"/api/videos/{video.Id}/captions", captions)).StatusCode);
        var old = await _server.GetVideoAsync(video.Id);
        var oldSegment = await FirstSegmentUrlAsync(old.StreamUrl!);

        // A WebM must be encoded before it plays: the answer comes while the old file is still the video.
        using var replaced = await PutSourceAsync(_server.Client, video.Id, await Clips.PathAsync(Clips.WebM), "video/webm");
        Assert.True(replaced.StatusCode == HttpStatusCode.Accepted, await replaced.Content.ReadAsStringAsync());
        Assert.Equal($"/api/videos/{video.Id}", replaced.Headers.Location!.OriginalString);
        var accepted = (await replaced.Content.ReadFromJsonAsync<VideoJson>(Json))!;
        Assert.Equal((video.Id, "Holiday, first cut", "private"), (accepted.Id, accepted.Title, accepted.Visibility));
        Assert.Equal((2.0, 320, true), (Math.Round(accepted.DurationSeconds), accepted.Width, accepted.Playable));
        Assert.NotNull(accepted.Replacement);
        Assert.Contains(accepted.Replacement.Status, new[] { "queued", "processing" });
        Assert.Null(accepted.Replacement.Error);
        // The replacement is nobody's video of its own.
        var listed = (await _server.Client.GetFromJsonAsync<VideoPage>("/api/videos?mine=true&limit=100", Json))!.Items;
        Assert.Single(listed, v => v.Title == "Holiday, first cut");

        var now = await _server.WaitForAsync(video.Id, v => v.Replacement is null && v.Width == 640, TimeSpan.FromSeconds(90));
        Assert.Equal((video.Id, "Holiday, first cut", "private", 4.0, 360), (now.Id, now.Title, now.Visibility, Math.Round(now.DurationSeconds), now.Height));
        Assert.True(now.Playable);
        Assert.NotEqual(old.StreamUrl, now.StreamUrl);
        Assert.Contains("#EXTINF", await Hls.GetTextAsync(_server.Client, Hls.Resolve(now.StreamUrl!, Hls.ParseMaster(await Hls.GetTextAsync(_server.Client, now.StreamUrl!))[0].Uri)), StringComparison.Ordinal);
        // The caption stays, in the new file's master too.
        var caption = Assert.Single(now.Captions);
        Assert.Equal(("en", "upload"), (caption.Language, caption.Origin));
        Assert.Contains("LANGUAGE=\"en\"", await Hls.GetTextAsync(_server.Client, now.StreamUrl!), StringComparison.Ordinal);
        // The share link shows the new file.
        using var viewer = _server.AnonymousClient();
        var shared = (await viewer.GetFromJsonAsync<VideoJson>($"/api/shares/{shareUrl["/v/".Length..]}", Json))!;
        Assert.Equal(4.0, Math.Round(shared.DurationSeconds));
        // A player that loaded the old master keeps getting the old file's playlists and segments.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(old.StreamUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(oldSegment)).StatusCode);

        var ready = await _server.WaitUntilReadyAsync(video.Id);
        await Hls.AssertCompleteAsync(_server.Client, ready, 4);
    }

    [Fact]
    public async Task A_replacement_sent_with_tus_takes_the_place_of_one_in_progress_and_can_be_cancelled()
    {
        var video = await ReadyAsync(_server, Clips.Tiny, "Sent in pieces");
        var longer = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.TinyLonger));

        // A tus replacement is told as the video it replaces.
        var (firstUrl, created) = await CreateTusAsync(_server.Client, longer.Length, video.Id);
        Assert.Equal(video.Id, created.Id);
        Assert.Equal(("uploading", 0L), (created.Replacement!.Status, created.Replacement.UploadedBytes));

        // Cancelled: its upload is gone, and so is the replacement.
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/api/videos/{video.Id}/source")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(_server.Client, firstUrl)).StatusCode);
        Assert.Null((await _server.GetVideoAsync(video.Id)).Replacement);

        // A second replacement takes the place of one still uploading.
        var (secondUrl, _) = await CreateTusAsync(_server.Client, longer.Length, video.Id);
        await AppendAsync(_server.Client, secondUrl, longer[..1000], 0);
        var (thirdUrl, _) = await CreateTusAsync(_server.Client, longer.Length, video.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(_server.Client, secondUrl)).StatusCode);
        await AppendAsync(_server.Client, thirdUrl, longer, 0);

        var now = await _server.WaitForAsync(video.Id, v => v.Replacement is null && Math.Round(v.DurationSeconds) == 3, TimeSpan.FromSeconds(60));
        Assert.Equal(longer.Length, now.SizeBytes);
        // The client that lost the answer to its last bytes learns that the upload is complete.
        using var head = await HeadAsync(_server.Client, thirdUrl);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(longer.Length.ToString(CultureInfo.InvariantCulture), head.Headers.GetValues("Upload-Offset").Single());
    }

    [Fact]
    public async Task Only_a_manager_replaces_a_file_that_is_a_video_and_nothing_changes_when_it_is_refused()
    {
        var video = await ReadyAsync(_server, Clips.Tiny, "Keep me");
        var clip = await Clips.PathAsync(Clips.Tiny);

        using (var anonymous = _server.AnonymousClient())
        using (var refused = await PutSourceAsync(anonymous, video.Id, clip, "video/mp4"))
            await ProblemJson.AssertAsync(refused, HttpStatusCode.Forbidden, "forbidden");
        using (var missing = await PutSourceAsync(_server.Client, "AAAAAAAAAAAAAAAAAAAAAA", clip, "video/mp4"))
            await ProblemJson.AssertAsync(missing, HttpStatusCode.NotFound, "not_found");

        var text = Path.Combine(TempDirs.Create("reel-replace"), "notes.mp4");
        await File.WriteAllTextAsync(text, "not a video at all");
        using (var notVideo = await PutSourceAsync(_server.Client, video.Id, text, "video/mp4"))
            await ProblemJson.AssertAsync(notVideo, HttpStatusCode.UnsupportedMediaType, "unsupported_media");
        var after = await _server.GetVideoAsync(video.Id);
        Assert.Equal((true, 2.0, (ReplacementDto?)null), (after.Playable, Math.Round(after.DurationSeconds), after.Replacement));
        using (var nothing = await _server.Client.DeleteAsync($"/api/videos/{video.Id}/source"))
            await ProblemJson.AssertAsync(nothing, HttpStatusCode.NotFound, "no_replacement");

        // A video still being uploaded has no file to replace yet.
        var (_, uploading) = await CreateTusAsync(_server.Client, 1000, replaces: null);
        using (var busy = await PutSourceAsync(_server.Client, uploading.Id, clip, "video/mp4"))
            await ProblemJson.AssertAsync(busy, HttpStatusCode.Conflict, "video_uploading");
        using var tus = TusCreation(1000, uploading.Id);
        await ProblemJson.AssertAsync(await _server.Client.SendAsync(tus), HttpStatusCode.Conflict, "video_uploading");
    }

    [Fact]
    public async Task The_old_files_go_once_their_viewers_have_had_time_to_finish_and_deleting_the_video_removes_every_version()
    {
        var clock = new ShiftedClock();
        await using var server = await ReelServer.StartAsync(
            settings: new Dictionary<string, string> { ["Processing:ReplacedVersionRetentionMinutes"] = "30", ["Processing:FileSweepSeconds"] = "0.2" },
            clock: clock);
        var video = await ReadyAsync(server, Clips.Tiny, "Versions");
        using (var replaced = await PutSourceAsync(server.Client, video.Id, await Clips.PathAsync(Clips.TinyLonger), "video/mp4"))
            Assert.Equal(HttpStatusCode.Accepted, replaced.StatusCode);
        await server.WaitForAsync(video.Id, v => v.Status == "ready" && v.Replacement is null && Math.Round(v.DurationSeconds) == 3, TimeSpan.FromSeconds(60));

        // The first version's files are in the video's own folder; the new ones elsewhere.
        Assert.NotEmpty(await StoredFiles.KeysAsync(server.DataDir, $"videos/{video.Id}/"));
        clock.Shift(TimeSpan.FromMinutes(31));
        await Eventually.FoundAsync(async () => (await StoredFiles.KeysAsync(server.DataDir, $"videos/{video.Id}/")).Count == 0 ? "gone" : null);
        Assert.NotEmpty(await StoredFiles.KeysAsync(server.DataDir, "videos/"));

        // A replacement half uploaded when the video is deleted goes with it.
        var bytes = await File.ReadAllBytesAsync(await Clips.PathAsync(Clips.Tiny));
        var (url, _) = await CreateTusAsync(server.Client, bytes.Length, video.Id);
        await AppendAsync(server.Client, url, bytes[..(bytes.Length / 2)], 0);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync($"/api/videos/{video.Id}")).StatusCode);
        await Eventually.FoundAsync(async () => (await StoredFiles.KeysAsync(server.DataDir, "")).Count == 0 ? "gone" : null);
    }

    private static async Task<VideoJson> ReadyAsync(ReelServer server, Clip clip, string title) =>
        await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(clip), title: title)).Id);

    private static Task<HttpResponseMessage> PutSourceAsync(HttpClient client, string id, string path, string type)
    {
        var content = new StreamContent(File.OpenRead(path));
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return client.PutAsync($"/api/videos/{id}/source", content);
    }

    private async Task<string> FirstSegmentUrlAsync(string masterUrl)
    {
        var variant = Hls.Resolve(masterUrl, Hls.ParseMaster(await Hls.GetTextAsync(_server.Client, masterUrl))[0].Uri);
        var segment = (await Hls.GetTextAsync(_server.Client, variant)).Split('\n').First(line => line.Length > 0 && !line.StartsWith('#'));
        return Hls.Resolve(variant, segment.Trim());
    }

    private static HttpRequestMessage TusCreation(long length, string? replaces)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        var metadata = "filename " + Convert.ToBase64String("new.mp4"u8.ToArray());
        if (replaces is not null) metadata += ",replaces " + Convert.ToBase64String(Encoding.UTF8.GetBytes(replaces));
        request.Headers.Add("Upload-Metadata", metadata);
        return request;
    }

    /// <summary>Starts a tus upload (of a new file for <paramref name="replaces"/>, when given); returns its URL and the video it shows.</summary>
    private static async Task<(string Url, VideoJson Video)> CreateTusAsync(HttpClient client, long length, string? replaces)
    {
        using var request = TusCreation(length, replaces);
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var video = (await response.Content.ReadFromJsonAsync<VideoJson>(Json))!;
        Assert.Equal(video.Id, response.Headers.GetValues("Reel-Video-Id").Single());
        return (response.Headers.Location!.OriginalString, video);
    }

    private static async Task AppendAsync(HttpClient client, string url, byte[] bytes, long offset)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> HeadAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await client.SendAsync(request);
    }
}
