using System.Net;
using System.Net.Http.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

public sealed class ResumeTests
{
    private static readonly Clip FortySecondsTiny = new("resume-40s-160x90.mp4", "video/mp4", 160, 90, false, [],
        ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5:duration=40", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an", "-movflags", "+faststart"]);

    [Fact]
    public async Task A_signed_in_viewer_resumes_a_few_seconds_before_where_they_stopped_on_any_device()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream" });
        // 40 s long: 5 % is 2 s, 95 % is 38 s. No worker: the rules need only the duration, so the clip is as small as a
        // clip can be (the 720p Long clip took seconds to make).
        var video = await server.UploadAsync(await Clips.PathAsync(FortySecondsTiny));
        var laptop = await server.SessionAsync("viewer@reel.test");
        using var client = server.ClientWith(laptop.AccessToken);

        async Task<double?> ResumeAfterAsync(double position)
        {
            using var saved = await client.PutAsJsonAsync($"/api/videos/{video.Id}/progress", new { positionSeconds = position });
            Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
            return (await client.GetFromJsonAsync<VideoJson>($"/api/videos/{video.Id}"))!.ResumeAtSeconds;
        }

        Assert.Null((await client.GetFromJsonAsync<VideoJson>($"/api/videos/{video.Id}"))!.ResumeAtSeconds);
        Assert.Null(await ResumeAfterAsync(1.5));
        Assert.Equal(15.0, await ResumeAfterAsync(20));
        Assert.Equal(0.0, await ResumeAfterAsync(3));
        Assert.Equal(25.5, await ResumeAfterAsync(30.5));

        // Another device of the same account sees the same place; another account and anonymous viewers do not.
        var phone = await server.SessionAsync("viewer@reel.test");
        using (var phoneClient = server.ClientWith(phone.AccessToken))
            Assert.Equal(25.5, (await phoneClient.GetFromJsonAsync<VideoJson>($"/api/videos/{video.Id}"))!.ResumeAtSeconds);
        Assert.Null((await server.GetVideoAsync(video.Id)).ResumeAtSeconds);
        using (var anonymous = server.AnonymousClient())
        {
            Assert.Null((await anonymous.GetFromJsonAsync<VideoJson>($"/api/videos/{video.Id}"))!.ResumeAtSeconds);
            using var refused = await anonymous.PutAsJsonAsync($"/api/videos/{video.Id}/progress", new { positionSeconds = 20 });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Past 95 %: watched, so the next visit starts from the beginning. Rewinding into the first 5 % clears it too.
        Assert.Null(await ResumeAfterAsync(38.5));
        Assert.Equal(5.0, await ResumeAfterAsync(10));
        Assert.Null(await ResumeAfterAsync(1));

        using var nonsense = await client.PutAsJsonAsync($"/api/videos/{video.Id}/progress", new { positionSeconds = 4000 });
        Assert.Equal(HttpStatusCode.BadRequest, nonsense.StatusCode);
        using var missing = await client.PutAsJsonAsync("/api/videos/AAAAAAAAAAAAAAAAAAAAAA/progress", new { positionSeconds = 3 });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
