using System.Net;
using System.Net.Sockets;
using System.Text;
using Reel.Media;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>Kill the server at the worst moments; start it again; nothing is lost, stuck or damaged.</summary>
[RunsLong]
public sealed class RecoveryTests : IDisposable
{
    private readonly string _dataDir = TempDirs.Create("reel-recovery");

    public void Dispose() => TempDirs.Delete(_dataDir);

    [Fact]
    public async Task A_server_killed_mid_transcode_takes_its_ffmpeg_processes_with_it_and_finishes_the_video_after_a_restart()
    {
        string id;
        await using (var first = await ReelServer.StartAsync(_dataDir, ownProcess: true))
        {
            // 40 s of 360p: one rung, but an encode of seconds even on a free machine, so the crash lands in it.
            id = (await first.UploadAsync(await Clips.PathAsync(Clips.LongSmallPicture))).Id;
            await first.WaitForAsync(id, v => v.Progress >= 0.15, TimeSpan.FromSeconds(60));
            Assert.NotEmpty(ReelServer.EncodersWorkingIn(_dataDir));
            Assert.True((await first.GetVideoAsync(id)).Progress < 0.9, "the ladder was done before the crash");
            await first.CrashAsync();
        }
        // Not at the next start: at once (the parent-death signal; ADR 14).
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (ReelServer.EncodersWorkingIn(_dataDir) is { Count: > 0 } left)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(3), $"ffmpeg {string.Join(", ", left)} outlived the killed server");
            await Task.Delay(50);
        }

        await using var second = await ReelServer.StartAsync(_dataDir);
        var ready = await second.WaitUntilReadyAsync(id, seconds: 150);
        Assert.Equal(Clips.LongSmallPicture.Rungs, ready.Renditions.Select(r => r.Name));
        await Hls.AssertCompleteAsync(second.Client, ready, 40);
    }

    [Fact]
    public async Task Workers_claim_jobs_while_the_check_of_stored_files_has_not_finished()
    {
        string id;
        // A node without the worker role takes the upload and leaves its job queued.
        await using (var api = await ReelServer.StartAsync(_dataDir, new Dictionary<string, string> { ["Roles"] = "api,stream" }))
        {
            id = (await api.UploadAsync(await Clips.PathAsync(Clips.WebM), Clips.WebM.ContentType)).Id;
            await api.StopGracefullyAsync(TimeSpan.FromSeconds(25));
        }
        // A ready video the check of stored files cannot get past (its id names no storage key): that check, which
        // runs beside the workers now, never finishes, and the upload's job must run all the same.
        await TestDatabase.ExecuteAsync(_dataDir,
            "INSERT INTO videos (id, title, status, duration_seconds, width, height, size_bytes, probe_json, created_at, updated_at, owner_id, uploader) " +
            "SELECT 'not a video id', title, 'ready', duration_seconds, width, height, size_bytes, probe_json, created_at, updated_at, owner_id, uploader FROM videos WHERE id = @videoId",
            id);

        await using var worker = await ReelServer.StartAsync(_dataDir);
        await worker.WaitForAsync(id, v => v.Status is "processing" or "ready", TimeSpan.FromSeconds(30));
        Assert.Contains("Could not check stored files", worker.LogTail(2000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gracefully_stopped_server_stops_ffmpeg_and_hands_the_job_back()
    {
        string id;
        await using (var first = await ReelServer.StartAsync(_dataDir))
        {
            id = (await first.UploadAsync(await Clips.PathAsync(Clips.LongSmallPicture))).Id;
            await first.WaitForAsync(id, v => v.Progress >= 0.1, TimeSpan.FromSeconds(60));
            Assert.NotEmpty(ReelServer.EncodersWorkingIn(_dataDir));
            await first.StopGracefullyAsync(TimeSpan.FromSeconds(25));
        }
        Assert.Empty(ReelServer.EncodersWorkingIn(_dataDir));

        await using var second = await ReelServer.StartAsync(_dataDir);
        var ready = await second.WaitUntilReadyAsync(id, seconds: 150);
        await Hls.AssertCompleteAsync(second.Client, ready, 40);
    }

    [Fact]
    public async Task A_server_killed_mid_upload_keeps_no_trace_of_the_half_received_file()
    {
        await using (var first = await ReelServer.StartAsync(_dataDir, ownProcess: true))
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, first.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /api/videos HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: 50000000\r\n\r\n"));
            await stream.WriteAsync(new byte[3_000_000]);
            await stream.FlushAsync();
            var tmp = Path.Combine(_dataDir, "tmp");
            for (var i = 0; i < 100 && Directory.GetFiles(tmp).Length == 0; i++) await Task.Delay(50);
            Assert.NotEmpty(Directory.GetFiles(tmp));
            await first.CrashAsync();
        }

        await using var second = await ReelServer.StartAsync(_dataDir);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dataDir, "tmp")));
        Assert.Contains("\"items\":[]", await second.Client.GetStringAsync("/api/videos"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encode_job_left_open_after_its_video_became_ready_leaves_the_video_whole()
    {
        VideoJson ready;
        await using (var first = await ReelServer.StartAsync(_dataDir))
        {
            ready = await first.WaitUntilReadyAsync((await first.UploadAsync(await Clips.PathAsync(Clips.WebM))).Id);
            await first.StopGracefullyAsync(TimeSpan.FromSeconds(25));
        }
        // What a stop between marking the video ready and closing its job leaves: the original is gone already.
        await TestDatabase.ExecuteAsync(_dataDir, "UPDATE jobs SET state = 'queued' WHERE video_id = @videoId AND kind = 'encode'", ready.Id);

        await using var second = await ReelServer.StartAsync(_dataDir);
        await Eventually.FoundAsync(() => Task.FromResult(second.LogTail(400).Contains("closing the interrupted encode job", StringComparison.Ordinal) ? "closed" : null));
        var after = await second.GetVideoAsync(ready.Id);
        Assert.Equal("ready", after.Status);
        Assert.Equal(ready.Renditions.Select(r => r.Name), after.Renditions.Select(r => r.Name));
        await Hls.AssertCompleteAsync(second.Client, after, ready.DurationSeconds);
    }

    [Fact]
    public async Task Derived_files_of_a_ready_video_that_went_missing_are_remade_at_start()
    {
        VideoJson ready;
        await using (var first = await ReelServer.StartAsync(_dataDir))
        {
            var id = (await first.UploadAsync(await Clips.PathAsync(Clips.WebM))).Id;
            ready = await first.WaitUntilReadyAsync(id);
            await first.StopGracefullyAsync(TimeSpan.FromSeconds(25));
        }
        foreach (var name in new[] { "thumbnail.jpg", "storyboard.vtt", "download.mp4", "master.m3u8" })
            await StoredFiles.DeleteAsync(_dataDir, $"videos/{ready.Id}/{name}");

        await using var second = await ReelServer.StartAsync(_dataDir);
        foreach (var url in new[] { ready.ThumbnailUrl!, ready.StoryboardUrl!, ready.DownloadUrl!, ready.StreamUrl! })
        {
            var back = false;
            for (var i = 0; i < 300 && !back; i++)
            {
                using var response = await second.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
                back = response.StatusCode == HttpStatusCode.OK;
                if (!back) await Task.Delay(200);
            }
            Assert.True(back, $"{url} was not remade.\n{second.LogTail(200)}");
        }
        var download = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(second.Client, ready.DownloadUrl!));
        Assert.Equal("h264", download.Video!.Codec);
        Assert.Equal("ready", (await second.GetVideoAsync(ready.Id)).Status);
    }
}
