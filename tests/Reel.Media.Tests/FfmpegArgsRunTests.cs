using Reel.Media.Tests.Support;
using Reel.Server.Tests.Support;
using Ffmpeg = Reel.Media.Tests.Support.Ffmpeg;

namespace Reel.Media.Tests;

/// <summary>The golden files pin the argument lists; these check that real ffmpeg accepts them and does what they mean.</summary>
public sealed class FfmpegArgsRunTests
{
    private const long MaxPixels = 7680L * 4320;
    private static readonly MediaRunOptions Quick = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task Mov_text_and_ass_subtitle_tracks_come_out_as_webvtt_the_caption_parser_reads_with_their_styling_as_safe_tags()
    {
        using var dir = new TempDirectory();
        var srt = dir.File("in.srt");
        await File.WriteAllTextAsync(srt, "1\n00:00:00,500 --> 00:00:01,500\n<i>Hello</i> there\n");
        var ass = dir.File("in.ass");
        await File.WriteAllTextAsync(ass, "[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{\\an8\\b1}Guten{\\b0} Tag\\Nzusammen\n");
        var mp4 = dir.File("phone.mp4");
        var mkv = dir.File("rip.mkv");
        await Ffmpeg.RunAsync("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=15:duration=2", "-i", srt, "-map", "0", "-map", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "mov_text", mp4);
        await Ffmpeg.RunAsync("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=15:duration=2", "-i", ass, "-map", "0", "-map", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "ass", mkv);

        foreach (var (source, expected) in new[] { (mp4, "<i>Hello</i> there"), (mkv, "<b>Guten</b> Tag\nzusammen") })
        {
            var probe = await ProbeAsync(source);
            var track = Assert.Single(probe.SubtitleTracks);
            Assert.True(track.IsText);
            var output = dir.File(Path.GetFileNameWithoutExtension(source) + ".vtt");

            var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.ExtractSubtitles(source, [(track.Index, output)], MaxPixels), Quick, CancellationToken.None);

            Assert.True(run.ExitCode == 0, run.ErrorTail);
            var cue = Assert.Single(CaptionFiles.Parse(CaptionFiles.Decode(await File.ReadAllBytesAsync(output))).Cues);
            Assert.Equal((TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5), expected), (cue.Start, cue.End, cue.Text));
        }
    }

    [Fact]
    public async Task The_ladder_encode_writes_every_rung_with_segments_aligned_across_rungs()
    {
        using var dir = new TempDirectory();
        var source = dir.File("source.mp4");
        await Ffmpeg.MakeClipAsync(source, seconds: 3);
        var probe = await ProbeAsync(source);
        var plan = new LadderPlan(
            probe.Video!.Index,
            probe.Audio!.Index,
            new FrameRate(30, 1),
            [new Rendition("90p", 160, 90, 200, 30, HasAudio: true), new Rendition("180p", 320, 180, 400, 30, HasAudio: true)]);
        // Characters the tee muxer treats as syntax, in a folder name a DataDir setting could contain.
        var outDir = dir.File("hls it's: a|b [c] \\d");
        foreach (var folder in FfmpegArgs.LadderFolders(plan, outDir))
            Directory.CreateDirectory(folder);

        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.LadderHls(source, plan, outDir, "gen1", MaxPixels), Quick, CancellationToken.None);

        Assert.True(run.ExitCode == 0, run.ErrorTail);
        var playlists = plan.Renditions.Select(r => HlsPlaylists.ParseMedia(File.ReadAllText(Path.Combine(outDir, r.Name, "index.m3u8")))).ToList();
        Assert.All(playlists, p => Assert.True(p.Ended));
        Assert.All(playlists, p => Assert.Null(p.InitUri));
        Assert.All(playlists, p => Assert.All(p.Segments, s => Assert.EndsWith(".ts", s.Uri, StringComparison.Ordinal)));
        // Keyframes at 0, 0.5, 1 and 2 s: two half-second lead-in segments, then the steady grid.
        Assert.Equal([0.5, 0.5, 1.0, 1.0], playlists[0].Segments.Select(s => Math.Round(s.DurationSeconds, 2)));
        Assert.Equal(playlists[0].Segments.Select(s => s.DurationSeconds), playlists[1].Segments.Select(s => s.DurationSeconds));
        Assert.All(playlists[1].Segments, s => Assert.True(File.Exists(Path.Combine(outDir, "180p", s.Uri))));

        // Every segment decodes on its own (SPS/PPS before each keyframe, ADTS audio): players may start at any of them.
        var top = await ProbeTsAsync(Path.Combine(outDir, "180p", playlists[1].Segments[^1].Uri));
        Assert.Equal((320, 180, "h264"), (top.Video?.Width, top.Video?.Height, top.Video?.Codec));
        Assert.Equal(("aac", 2), (top.Audio?.Codec, top.Audio?.Channels));
        var bottom = await ProbeTsAsync(Path.Combine(outDir, "90p", playlists[0].Segments[2].Uri));
        Assert.Equal(("h264", "aac"), (bottom.Video?.Codec, bottom.Audio?.Codec));
    }

    [Fact]
    public async Task Mpv_starts_a_finished_ladder_served_over_HTTP_at_a_time_inside_it()
    {
        // libavformat before 8.0 (mpv 0.35 / ffmpeg 5.1 on Debian 12) could not seek in our fMP4 HLS at all:
        // "Invalid NAL unit size", exit 2. Served as Reel serves it: a master, and media playlists with EXT-X-START.
        using var dir = new TempDirectory();
        var source = dir.File("source.mp4");
        await Ffmpeg.MakeClipAsync(source, seconds: 12);
        var plan = new LadderPlan(0, 1, new FrameRate(30, 1),
            [new Rendition("90p", 160, 90, 200, 30, HasAudio: true), new Rendition("180p", 320, 180, 400, 30, HasAudio: true)]);
        var outDir = dir.File("hls");
        foreach (var folder in FfmpegArgs.LadderFolders(plan, outDir))
            Directory.CreateDirectory(folder);
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.LadderHls(source, plan, outDir, "gen1", MaxPixels), Quick, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        await File.WriteAllTextAsync(Path.Combine(outDir, "master.m3u8"), HlsPlaylists.Master(
            plan.Renditions.Select(r => new MasterEntry(r.Name, r.Width, r.Height, r.MaxrateKbps * 1000, CodecStrings.H264("High", 30, withAudio: true), 30))));
        await using var server = new LoopbackHttpServer(outDir);

        var (code, output) = await Mpv.RunAsync("--start=8", "--length=1", server.Url("master.m3u8"));

        Assert.True(code == 0, $"mpv could not start at 8 s:\n{output}");
        var positions = System.Text.RegularExpressions.Regex.Matches(output, @"AV: 00:00:(\d\d)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(positions.Count > 0 && positions.All(p => p is >= 8 and <= 10), $"mpv played elsewhere than from 8 s:\n{output}");
    }

    [Fact]
    public async Task The_progressive_download_copies_the_video_and_carries_no_tags()
    {
        using var dir = new TempDirectory();
        var source = dir.File("source.mp4");
        await Ffmpeg.RunAsync(
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "6",
            "-metadata", "title=secret title", "-metadata", "location=+48.8577+002.2950/", source);
        var probe = await ProbeAsync(source);
        var output = dir.File("download.mp4");

        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.ProgressiveMp4(source, probe, output, MaxPixels), Quick, CancellationToken.None);

        Assert.True(run.ExitCode == 0, run.ErrorTail);
        var download = await MediaProcess.RunAsync(Ffmpeg.FfprobePath, FfmpegArgs.Probe(output), Quick with { CaptureOutput = true }, CancellationToken.None);
        Assert.DoesNotContain("secret title", download.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("+48.8577", download.Output, StringComparison.Ordinal);
        var result = FfprobeParser.Parse(download.Output);
        Assert.Equal("h264", result.Video?.Codec);
        Assert.Equal(2, result.Audio?.Channels);
    }

    // ffprobe of one of our own MPEG-TS segments, which FfmpegArgs.Probe (sources only) does not accept.
    private static async Task<MediaProbe> ProbeTsAsync(string path)
    {
        var run = await MediaProcess.RunAsync(Ffmpeg.FfprobePath,
            ["-hide_banner", "-loglevel", "error", "-f", "mpegts", "-print_format", "json", "-show_format", "-show_streams", "file:" + path],
            Quick with { CaptureOutput = true }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return FfprobeParser.Parse(run.Output);
    }

    private static async Task<MediaProbe> ProbeAsync(string path)
    {
        var run = await MediaProcess.RunAsync(Ffmpeg.FfprobePath, FfmpegArgs.Probe(path), Quick with { CaptureOutput = true }, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return FfprobeParser.Parse(run.Output);
    }
}
