using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// The library's API on one server without a worker (listing, renaming and the operations endpoints need no encode);
/// deleting during processing and readiness under other settings get servers of their own.
/// </summary>
public sealed class LibraryServer : SharedServer
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Roles"] = "api,stream" };
}

public sealed class LibraryTests(LibraryServer shared) : IClassFixture<LibraryServer>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_library_pages_newest_first_with_a_cursor()
    {
        // An account of its own: the other tests' videos on this server are not in its library.
        var server = shared.Server;
        using var client = server.ClientWith((await server.SessionAsync($"pager-{Guid.NewGuid():N}@reel.test")).AccessToken);
        var path = await Clips.PathAsync(Clips.Tiny);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await ReelServer.UploadAsAsync(client, path, title: $"clip {i}")).Id);
            await Task.Delay(5);
        }
        ids.Reverse();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetFromJsonAsync<VideoPageJson>("/api/videos?mine=true&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"), Json);
            Assert.InRange(page!.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(v => v.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);

        using var bad = await client.GetAsync("/api/videos?cursor=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid_cursor", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var tooMany = await client.GetAsync("/api/videos?limit=100000");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task The_library_is_searched_by_title_sorted_four_ways_and_filtered_by_status_and_every_order_pages_exactly()
    {
        var server = shared.Server;
        using var client = server.ClientWith((await server.SessionAsync($"search-{Guid.NewGuid():N}@reel.test")).AccessToken);
        var tiny = await Clips.PathAsync(Clips.Tiny);
        var longer = await Clips.PathAsync(Clips.TinyLonger);
        // Oldest first; titles differ in case and hold LIKE's wildcards, durations tie (two clips of two lengths).
        (string Title, string Path)[] uploads = [("banana 50%", longer), ("Apple", tiny), ("cherry_pie", longer), ("apple crumble", tiny), ("Date", tiny)];
        foreach (var (title, path) in uploads)
        {
            await ReelServer.UploadAsAsync(client, path, title: title);
            await Task.Delay(5);
        }

        // Every page of the list, two at a time, as titles.
        async Task<List<VideoJson>> ListAsync(string query)
        {
            var seen = new List<VideoJson>();
            string? cursor = null;
            do
            {
                var page = await client.GetFromJsonAsync<VideoPageJson>($"/api/videos?mine=true&limit=2&{query}" + (cursor is null ? "" : $"&cursor={cursor}"), Json);
                Assert.InRange(page!.Items.Count, page.NextCursor is null ? 0 : 1, 2);
                seen.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return seen;
        }
        async Task<List<string>> TitlesAsync(string query) => [.. (await ListAsync(query)).Select(v => v.Title)];

        Assert.Equal(["Date", "apple crumble", "cherry_pie", "Apple", "banana 50%"], await TitlesAsync(""));
        Assert.Equal(["Date", "apple crumble", "cherry_pie", "Apple", "banana 50%"], await TitlesAsync("sort=newest"));
        Assert.Equal(["banana 50%", "Apple", "cherry_pie", "apple crumble", "Date"], await TitlesAsync("sort=oldest"));
        Assert.Equal(["Apple", "apple crumble", "banana 50%", "cherry_pie", "Date"], await TitlesAsync("sort=title"));
        var byDuration = await ListAsync("sort=duration");
        Assert.Equal(5, byDuration.Select(v => v.Id).Distinct().Count());
        Assert.Equal(["Apple", "Date", "apple crumble"], byDuration.Take(3).Select(v => v.Title).Order(StringComparer.Ordinal));
        Assert.Equal(["banana 50%", "cherry_pie"], byDuration.Skip(3).Select(v => v.Title).Order(StringComparer.Ordinal));
        Assert.True(byDuration[2].DurationSeconds < byDuration[3].DurationSeconds);

        Assert.Equal(["apple crumble", "Apple"], await TitlesAsync("q=APPLE"));
        Assert.Equal(["Apple", "apple crumble"], await TitlesAsync("q=%20%20apple%20&sort=title"));
        Assert.Equal(["banana 50%"], await TitlesAsync("q=%25"));
        Assert.Equal(["cherry_pie"], await TitlesAsync("q=_"));
        Assert.Empty(await TitlesAsync("q=grape"));
        // Without a worker every upload waits in the queue.
        Assert.Equal(5, (await TitlesAsync("status=queued")).Count);
        Assert.Equal(["Apple", "apple crumble"], await TitlesAsync("status=queued&q=apple&sort=title"));
        Assert.Empty(await TitlesAsync("status=ready"));

        await ProblemJson.AssertAsync(await client.GetAsync("/api/videos?sort=size"), HttpStatusCode.BadRequest, "invalid_sort");
        await ProblemJson.AssertAsync(await client.GetAsync("/api/videos?status=done"), HttpStatusCode.BadRequest, "invalid_status");
        await ProblemJson.AssertAsync(await client.GetAsync($"/api/videos?q={new string('a', 201)}"), HttpStatusCode.BadRequest, "invalid_query");
        // A cursor continues only the order it came from.
        var titleCursor = (await client.GetFromJsonAsync<VideoPageJson>("/api/videos?mine=true&limit=2&sort=title", Json))!.NextCursor;
        var newestCursor = (await client.GetFromJsonAsync<VideoPageJson>("/api/videos?mine=true&limit=2", Json))!.NextCursor;
        await ProblemJson.AssertAsync(await client.GetAsync($"/api/videos?mine=true&sort=oldest&cursor={titleCursor}"), HttpStatusCode.BadRequest, "invalid_cursor");
        await ProblemJson.AssertAsync(await client.GetAsync($"/api/videos?mine=true&sort=duration&cursor={newestCursor}"), HttpStatusCode.BadRequest, "invalid_cursor");
        await ProblemJson.AssertAsync(await client.GetAsync($"/api/videos?mine=true&cursor={titleCursor}"), HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task Chosen_videos_come_in_one_request_in_the_order_asked_leaving_out_those_the_caller_may_not_see()
    {
        var server = shared.Server;
        var path = await Clips.PathAsync(Clips.Tiny);
        using var owner = server.ClientWith((await server.SessionAsync($"chooser-{Guid.NewGuid():N}@reel.test")).AccessToken);
        var mine = await ReelServer.UploadAsAsync(owner, path, title: "mine");
        using (var hide = await owner.PatchAsJsonAsync($"/api/videos/{mine.Id}", new { visibility = "private" }))
            hide.EnsureSuccessStatusCode();
        var anyones = await server.UploadAsync(path, title: "unlisted, anonymous");
        var missing = new string('a', 21) + "A";

        var ids = $"/api/videos?ids={anyones.Id},{missing},{mine.Id},{anyones.Id}";
        var forOwner = await owner.GetFromJsonAsync<VideoPageJson>(ids, Json);
        Assert.Equal([anyones.Id, mine.Id], forOwner!.Items.Select(v => v.Id));
        Assert.Null(forOwner.NextCursor);
        using var stranger = server.AnonymousClient();
        var forStranger = await stranger.GetFromJsonAsync<VideoPageJson>(ids, Json);
        Assert.Equal([anyones.Id], forStranger!.Items.Select(v => v.Id));

        var tooMany = string.Join(',', Enumerable.Range(0, 101).Select(i => i.ToString("D21", System.Globalization.CultureInfo.InvariantCulture) + "A"));
        foreach (var bad in new[] { "/api/videos?ids=", "/api/videos?ids=../etc", $"/api/videos?ids={tooMany}", $"/api/videos?ids={mine.Id}&sort=title", $"/api/videos?ids={mine.Id}&mine=true" })
            await ProblemJson.AssertAsync(await owner.GetAsync(bad), HttpStatusCode.BadRequest, "invalid_ids");
    }

    [Fact]
    public async Task A_video_can_be_renamed_and_its_visibility_changed_but_not_to_nonsense()
    {
        var server = shared.Server;
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: "first");
        Assert.Equal("first", video.Title);
        Assert.Equal("unlisted", video.Visibility);

        using var renamed = await server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { title = "  Our  holiday\n", visibility = "public" });
        var after = await renamed.Content.ReadFromJsonAsync<VideoJson>(Json);
        Assert.Equal("Our holiday", after!.Title);
        Assert.Equal("public", after.Visibility);

        using var badVisibility = await server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility = "everyone" });
        Assert.Equal(HttpStatusCode.BadRequest, badVisibility.StatusCode);
        Assert.Contains("invalid_visibility", await badVisibility.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var emptyTitle = await server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { title = "   " });
        Assert.Equal(HttpStatusCode.BadRequest, emptyTitle.StatusCode);
        using var malformed = await server.Client.PatchAsync($"/api/videos/{video.Id}", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);

        Assert.Equal("Our holiday", (await server.GetVideoAsync(video.Id)).Title);
    }

    [Fact]
    public async Task Deleting_a_video_while_it_processes_removes_every_file_it_had()
    {
        await using var server = await ReelServer.StartAsync();
        var uploaded = await server.UploadAsync(await Clips.PathAsync(Clips.H264Aac720p));
        var video = await server.WaitForAsync(uploaded.Id, v => v.Playable, TimeSpan.FromSeconds(30));
        Assert.NotNull(video.StreamUrl);

        using var deleted = await server.Client.DeleteAsync($"/api/videos/{video.Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var gone = await server.Client.GetAsync($"/api/videos/{video.Id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("\"not_found\"", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var stream = await server.Client.GetAsync(video.StreamUrl);
        Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
        using var again = await server.Client.DeleteAsync($"/api/videos/{video.Id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        // A job that was still running must not write anything back after the delete: wait until no job works on it
        // (no ffmpeg in its work folder, and the folder cleared), then nothing of it may be stored.
        var work = Path.Combine(server.DataDir, "work");
        await Eventually.FoundAsync(() => Task.FromResult<string?>(
            ReelServer.EncodersWorkingIn(server.DataDir).Count == 0 && Directory.GetFileSystemEntries(work).Length == 0 ? "idle" : null));
        Assert.Empty(await StoredFiles.KeysAsync(server.DataDir, $"videos/{video.Id}/"));
        Assert.Empty(await StoredFiles.KeysAsync(server.DataDir, $"originals/{video.Id}/"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(server.DataDir, "work")));
    }

    [Fact]
    public async Task Operations_endpoints_answer_and_unknown_things_are_problem_json()
    {
        var server = shared.Server;
        using (var health = await server.Client.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var ready = await server.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\"ready\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var openApi = await server.Client.GetStringAsync("/openapi/v1.json");
        using (var document = JsonDocument.Parse(openApi))
        {
            // The upload's types are described to clients, though routing does not enforce them (the receiver does).
            var uploadBody = document.RootElement.GetProperty("paths").GetProperty("/api/videos").GetProperty("post").GetProperty("requestBody").GetProperty("content");
            Assert.True(uploadBody.TryGetProperty("multipart/form-data", out _));
            Assert.True(uploadBody.TryGetProperty("video/*", out _));
            Assert.True(uploadBody.TryGetProperty("application/octet-stream", out _));
        }

        using var unknown = await server.Client.GetAsync("/api/videos/AAAAAAAAAAAAAAAAAAAAAA");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"not_found\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var nowhere = await server.Client.GetAsync("/no/such/route");
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);
        Assert.Equal("application/problem+json", nowhere.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Readiness_fails_when_ffmpeg_cannot_run_and_says_what_failed_but_not_why()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream", ["Processing:FfmpegPath"] = "/nonexistent/ffmpeg" });
        using var ready = await server.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal([("database", "ok"), ("storage", "ok"), ("ffmpeg", "failed")],
            body.RootElement.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("state").GetString())));
        Assert.All(body.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.Equal(2, c.EnumerateObject().Count()));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Readiness_asked_often_reuses_its_answer_and_runs_ffmpeg_once()
    {
        // An ffmpeg that notes every start, so the test can count what each /readyz costs.
        var dir = TempDirs.Create("reel-ffmpeg-count");
        try
        {
            var starts = Path.Combine(dir, "starts");
            var ffmpeg = Path.Combine(dir, "ffmpeg");
            await File.WriteAllTextAsync(ffmpeg, $"#!/bin/sh\necho started >> '{starts}'\nexec /usr/bin/ffmpeg \"$@\"\n");
            File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream", ["Processing:FfmpegPath"] = ffmpeg });

            for (var i = 0; i < 5; i++)
            {
                using var ready = await server.Client.GetAsync("/readyz");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            Assert.Single(await File.ReadAllLinesAsync(starts));
        }
        finally
        {
            TempDirs.Delete(dir);
        }
    }

}
