using System.Net;
using System.Net.Http.Headers;
using Reel.Media;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// An upload through the server to a player, end to end: one remuxed and one encoded source (every accepted format is
/// taken through the same probe, plan and ffmpeg runs below the server, in Reel.Media.Tests' AcceptedFormatTests).
/// </summary>
public sealed class UploadToPlaybackTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task A_remuxed_H264_upload_on_PostgreSQL_and_S3_becomes_playable_then_ready_with_a_complete_aligned_ladder()
    {
        // The one pass of this path over PostgreSQL and S3: the original, the remux, the ladder and the extras are
        // objects there, and the original is deleted from the bucket once the video is ready.
        await using var server = await ReelServer.StartAsync(backend: Backend.PostgresS3);
        Assert.True(server.OnObjectStore);
        await AssertBecomesPlayableThenReadyAsync(server, Clips.H264Aac720p, remuxed: true);
    }

    [Fact]
    public async Task An_encoded_upload_becomes_playable_then_ready_with_a_complete_aligned_ladder()
    {
        await AssertBecomesPlayableThenReadyAsync(shared.Server, Clips.WebM, remuxed: false);
    }

    private static async Task AssertBecomesPlayableThenReadyAsync(ReelServer server, Clip clip, bool remuxed)
    {
        var source = await Clips.PathAsync(clip);
        var uploaded = await server.UploadAsync(source, clip.ContentType);
        Assert.Contains(uploaded.Status, new[] { "queued", "processing" });
        Assert.Equal((clip.DisplayWidth, clip.DisplayHeight), (uploaded.Width, uploaded.Height));
        Assert.InRange(uploaded.DurationSeconds, 3.9, 4.2);
        Assert.Equal($"/watch/{uploaded.Id}", uploaded.WatchUrl);

        var playable = await server.WaitForAsync(uploaded.Id, v => v.Playable, TimeSpan.FromSeconds(30));
        var early = Hls.ParseMaster(await Hls.GetTextAsync(server.Client, playable.StreamUrl!));
        Assert.NotEmpty(early);
        // Playable from the remux of the source's own frames, or from the first rung encoded ahead of the rest.
        if (remuxed) Assert.Contains(early, v => v.Uri == "source/index.m3u8");
        else Assert.DoesNotContain(early, v => v.Uri == "source/index.m3u8");

        var ready = await server.WaitUntilReadyAsync(uploaded.Id);
        Assert.Equal(1.0, ready.Progress);
        Assert.NotNull(ready.ReadyAt);
        Assert.Null(ready.Error);
        Assert.Equal(clip.Rungs.Order(), ready.Renditions.Select(r => r.Name).Order());
        Assert.All(ready.Renditions, r => Assert.True(r.Ready));

        var master = Hls.ParseMaster(await Hls.GetTextAsync(server.Client, ready.StreamUrl!));
        Assert.Equal(clip.Rungs.Length, master.Count);
        var segmentDurations = new List<double[]>();
        foreach (var variant in master)
        {
            var rendition = ready.Renditions.Single(r => $"{r.Name}/index.m3u8" == variant.Uri);
            Assert.Equal((rendition.Width, rendition.Height), (variant.Width, variant.Height));
            Assert.True(variant.Width % 2 == 0 && variant.Height % 2 == 0, "rungs have even dimensions");
            Assert.Equal(clip.DisplayWidth >= clip.DisplayHeight, variant.Width >= variant.Height);

            var playlistUrl = Hls.Resolve(ready.StreamUrl!, variant.Uri);
            var playlist = HlsPlaylists.ParseMedia(await Hls.GetTextAsync(server.Client, playlistUrl));
            Assert.True(playlist.Ended, "a finished rendition ends with EXT-X-ENDLIST");
            Assert.InRange(playlist.DurationSeconds, 3.8, 4.3);
            // MPEG-TS segments without an init segment: each decodes on its own, and mpv can seek them.
            Assert.Null(playlist.InitUri);
            foreach (var segment in playlist.Segments)
            {
                // The last segment holds whatever is left, which can be a single frame.
                Assert.InRange(segment.DurationSeconds, segment == playlist.Segments[^1] ? 0.01 : 0.49, 2.01);
                Assert.EndsWith(".ts", segment.Uri, StringComparison.Ordinal);
                var probe = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, Hls.Resolve(playlistUrl, segment.Uri)));
                Assert.Equal("h264", probe.Video!.Codec);
                Assert.Equal("yuv420p", probe.Video.PixelFormat);
                Assert.Equal((variant.Width, variant.Height), (probe.Video.Width, probe.Video.Height));
                Assert.Equal(0, probe.Video.Rotation);
                Assert.Equal("aac", probe.Audio?.Codec);
                Assert.Equal(2, probe.Audio!.Channels);
            }
            segmentDurations.Add(playlist.Segments.Select(s => s.DurationSeconds).ToArray());
        }
        Assert.All(segmentDurations, d => Assert.Equal(segmentDurations[0], d));

        var thumbnail = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, ready.ThumbnailUrl!));
        Assert.Equal("mjpeg", thumbnail.Video!.Codec);
        Assert.Equal(clip.DisplayWidth >= clip.DisplayHeight, thumbnail.Video.Width >= thumbnail.Video.Height);

        var vtt = await Hls.GetTextAsync(server.Client, ready.StoryboardUrl!);
        Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
        var sprites = vtt.Split('\n').Where(l => l.Contains("#xywh=", StringComparison.Ordinal)).Select(l => l.Split('#')[0]).Distinct().ToList();
        Assert.NotEmpty(sprites);
        foreach (var sprite in sprites)
            Assert.Equal("mjpeg", (await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, Hls.Resolve(ready.StoryboardUrl!, sprite)))).Video!.Codec);

        var download = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, ready.DownloadUrl!));
        Assert.Equal("h264", download.Video!.Codec);
        Assert.NotNull(download.Audio);
        Assert.InRange(download.DurationSeconds, 3.8, 4.3);
        Assert.Equal((clip.DisplayWidth >= clip.DisplayHeight), download.Video.DisplayWidth >= download.Video.DisplayHeight);

        Assert.True((await KeysAsync(server, $"originals/{uploaded.Id}/")).Count == 0, "the upload is removed once the video is ready");
    }

    /// <summary>The stored keys under a prefix, in the server's bucket when it keeps its files in S3.</summary>
    private static async Task<IReadOnlyList<string>> KeysAsync(ReelServer server, string prefix) =>
        server.OnObjectStore
            ? await (await ObjectStore.SharedAsync()).KeysAsync(ObjectStore.BucketFor(server.DataDir), prefix)
            : await StoredFiles.KeysAsync(server.DataDir, prefix);

    [Fact]
    public async Task A_camcorder_file_with_two_audio_tracks_is_deinterlaced_and_offers_both_with_the_first_playing()
    {
        var server = shared.Server;
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.TwoAudioTracksInterlaced), "video/mp2t");

        // MPEG-TS has no default flag: the first track plays (Reel.Media's tests cover a flagged second track).
        Assert.Equal([("en", true), ("fr", false)], video.AudioTracks!.Select(a => (a.Language, a.Default)));
        var source = video.SourceInfo!;
        Assert.Equal("mpegts", source.Container);
        Assert.True(source.Video!.Interlaced);
        Assert.Contains("deinterlaced to 50 frames per second", source.Notes[0], StringComparison.Ordinal);

        var ready = await server.WaitUntilReadyAsync(video.Id);
        var master = await Hls.GetTextAsync(server.Client, ready.StreamUrl!);
        Assert.Contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES", master, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Français\",LANGUAGE=\"fr\",DEFAULT=NO", master, StringComparison.Ordinal);
        var variant = Assert.Single(Hls.ParseMaster(master));
        Assert.Contains("AUDIO=\"audio\"", master, StringComparison.Ordinal);
        var files = ready.StreamUrl![..ready.StreamUrl!.LastIndexOf('/')];
        var rung = HlsPlaylists.ParseMedia(await Hls.GetTextAsync(server.Client, $"{files}/{variant.Uri}"));
        var segment = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, $"{files}/{variant.Uri[..variant.Uri.IndexOf('/')]}/{rung.Segments[^1].Uri}"));
        Assert.Equal(50, Math.Round(segment.Video!.FrameRate));
        Assert.Null(segment.Audio);
        var french = HlsPlaylists.ParseMedia(await Hls.GetTextAsync(server.Client, $"{files}/audio-2/index.m3u8"));
        Assert.True(french.Ended);
        Assert.InRange(french.DurationSeconds, 3.5, 4.5);

        // The download carries both tracks too, as the stream does.
        var download = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, ready.DownloadUrl!));
        Assert.Equal([("en", true), ("fr", false)], download.AudioTracks.Select(a => (LanguageTags.ToBcp47(a.Language), a.IsDefault)));
    }

    [Fact]
    public async Task A_compatible_upload_gets_a_remuxed_rendition_which_is_dropped_after_its_retention()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Processing:FastStartRetentionMinutes"] = "0.05" });
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.Mov));
        video = await server.WaitForAsync(video.Id, v => v.Playable, TimeSpan.FromSeconds(30), pollMs: 10);
        // On a busy machine the ladder's first segment may already be listed when we look at the master, so check the
        // remux itself: complete, as long as the source, and cut at the source's own 1 s keyframes into 2 s segments
        // (an encode would start with the ladder's half-second lead-in). The video is playable from the remux's first
        // segment, so the remux may still be running when it says so: its playlist is read until it has ended.
        var files = video.StreamUrl![..video.StreamUrl!.LastIndexOf('/')];
        var remux = await Eventually.FoundAsync(async () =>
        {
            var playlist = HlsPlaylists.ParseMedia(await Hls.GetTextAsync(server.Client, $"{files}/source/index.m3u8"));
            return playlist.Ended ? playlist : null;
        });
        Assert.InRange(remux.DurationSeconds, 3.8, 4.3);
        Assert.InRange(remux.Segments[0].DurationSeconds, 1.9, 2.1);
        Assert.Null(remux.InitUri);
        var remuxed = await Hls.ProbeBytesAsync(await Hls.GetBytesAsync(server.Client, $"{files}/source/{remux.Segments[0].Uri}"));
        Assert.Equal("h264", remuxed.Video!.Codec);
        var sourceFolder = $"videos/{video.Id}/source/";

        var ready = await server.WaitUntilReadyAsync(video.Id);
        Assert.DoesNotContain(Hls.ParseMaster(await Hls.GetTextAsync(server.Client, ready.StreamUrl!)), v => v.Uri == "source/index.m3u8");
        for (var i = 0; i < 100 && (await KeysAsync(server, sourceFolder)).Count > 0; i++) await Task.Delay(100);
        Assert.True((await KeysAsync(server, sourceFolder)).Count == 0, "the remuxed rendition is removed once its retention ends");
        Assert.Equal("ready", (await server.GetVideoAsync(video.Id)).Status);
        Assert.NotEmpty(await Hls.GetBytesAsync(server.Client, ready.DownloadUrl!));
    }

    [Fact]
    public async Task Downloads_and_files_answer_range_and_head_requests_with_the_right_headers()
    {
        var server = shared.Server;
        var video = await server.UploadAsync(await Clips.PathAsync(Clips.Tiny));
        video = await server.WaitUntilReadyAsync(video.Id);
        var length = (await Hls.GetBytesAsync(server.Client, video.DownloadUrl!)).Length;

        using (var request = new HttpRequestMessage(HttpMethod.Get, video.DownloadUrl) { Headers = { Range = new RangeHeaderValue(100, 199) } })
        using (var response = await server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(100, (await response.Content.ReadAsByteArrayAsync()).Length);
            Assert.Equal($"bytes 100-199/{length}", response.Content.Headers.ContentRange!.ToString());
            Assert.Equal("video/mp4", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains("immutable", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, video.DownloadUrl) { Headers = { Range = new RangeHeaderValue(length + 10, null) } })
        using (var response = await server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains("\"invalid_range\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal($"bytes */{length}", response.Content.Headers.ContentRange!.ToString());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Head, video.StreamUrl))
        using (var response = await server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/vnd.apple.mpegurl", response.Content.Headers.ContentType!.MediaType);
            Assert.True(response.Headers.CacheControl!.NoCache);
            Assert.True(response.Content.Headers.ContentLength > 0);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            var etag = response.Headers.ETag!;
            using var conditional = new HttpRequestMessage(HttpMethod.Get, video.StreamUrl) { Headers = { IfNoneMatch = { etag } } };
            using var notModified = await server.Client.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        var files = video.StreamUrl![..video.StreamUrl!.LastIndexOf('/')];
        using (var response = await server.Client.GetAsync($"{files}/../reel.db"))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await server.Client.GetAsync($"{files}/nothing.ts"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("\"not_found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var variantUrl = Hls.Resolve(video.StreamUrl!, Hls.ParseMaster(await Hls.GetTextAsync(server.Client, video.StreamUrl!))[0].Uri);
        var segmentUrl = Hls.Resolve(variantUrl, HlsPlaylists.ParseMedia(await Hls.GetTextAsync(server.Client, variantUrl)).Segments[0].Uri);
        using (var request = new HttpRequestMessage(HttpMethod.Head, segmentUrl))
        using (var response = await server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("video/mp2t", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task With_accel_delivery_files_are_named_for_nginx_to_send_and_playlists_are_sent_by_the_node()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Storage:Provider"] = "local", ["Storage:Delivery"] = "accel" });
        var video = await server.WaitUntilReadyAsync((await server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);

        using var download = await server.Client.GetAsync(video.DownloadUrl);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"/_reel_media/videos/{video.Id}/download.mp4", download.Headers.GetValues("X-Accel-Redirect").Single());
        Assert.Empty(await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("video/mp4", download.Content.Headers.ContentType?.MediaType);

        using var master = await server.Client.GetAsync(video.StreamUrl);
        Assert.False(master.Headers.Contains("X-Accel-Redirect"));
        Assert.NotEmpty(Hls.ParseMaster(await master.Content.ReadAsStringAsync()));

        // The token is checked first: a file of an unknown token is not named at all.
        using var forged = await server.Client.GetAsync("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/download.mp4");
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.False(forged.Headers.Contains("X-Accel-Redirect"));
    }
}
