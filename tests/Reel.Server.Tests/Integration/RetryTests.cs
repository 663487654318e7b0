using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>A failed video is processed again from its stored upload when its owner asks (issue 18).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RetryTests
{
    [Fact]
    public async Task A_video_whose_processing_failed_is_processed_again_from_its_stored_upload_when_its_owner_asks()
    {
        var dataDir = TempDirs.Create("reel-retry");
        try
        {
            // An ffmpeg that refuses to write HLS: the upload is judged as usual, its processing fails.
            var ffmpeg = Path.Combine(dataDir, "ffmpeg-without-hls.sh");
            await File.WriteAllTextAsync(ffmpeg, "#!/bin/sh\ncase \"$*\" in *hls*) echo 'no HLS today' >&2; exit 1;; esac\nexec ffmpeg \"$@\"\n");
            File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string id;
            await using (var broken = await ReelServer.StartAsync(dataDir, new Dictionary<string, string>
            {
                ["Processing:FfmpegPath"] = ffmpeg,
                ["Processing:MaxAttempts"] = "1",
            }))
            {
                id = (await broken.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id;
                await Eventually.FoundAsync(async () => (await broken.GetVideoAsync(id)).Status == "failed" ? "failed" : null);
                using var viewer = broken.AnonymousClient();
                await ProblemJson.AssertAsync(await viewer.PostAsync($"/api/videos/{id}/retry", null), HttpStatusCode.Forbidden, "forbidden");
            }

            await using var server = await ReelServer.StartAsync(dataDir);
            using (var retried = await server.Client.PostAsync($"/api/videos/{id}/retry", null))
            {
                Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
                var video = (await retried.Content.ReadFromJsonAsync<VideoJson>(JsonSerializerOptions.Web))!;
                Assert.Contains(video.Status, new[] { "queued", "processing" });
                Assert.Null(video.Error);
            }
            await server.WaitUntilReadyAsync(id);
            await ProblemJson.AssertAsync(await server.Client.PostAsync($"/api/videos/{id}/retry", null), HttpStatusCode.Conflict, "not_failed");
        }
        finally
        {
            TempDirs.Delete(dataDir);
        }
    }
}
