using System.Globalization;
using System.Text.RegularExpressions;
using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

/// <summary>
/// The files people really have, below the server: probe → plan → ffmpeg, asserting on what a viewer gets (colour,
/// progressive frames, the audio that plays) rather than on argument lists.
/// </summary>
public sealed partial class RealWorldMediaTests
{
    private const long MaxPixels = 7680L * 4320;
    private static readonly MediaRunOptions Quick = new() { Timeout = TimeSpan.FromSeconds(120) };

    [Theory]
    [InlineData("hlg")]
    [InlineData("pq")]
    public async Task HDR_phone_video_is_tone_mapped_to_BT709_with_the_colour_of_its_SDR_picture(string kind)
    {
        using var dir = new TempDirectory();
        var source = kind == "hlg" ? await Corpus.IphoneHlgAsync() : await Corpus.PqAsync();
        var probe = await Ffmpeg.ProbeAsync(source);
        Assert.Equal(kind == "hlg" ? HdrKind.Hlg : HdrKind.Pq, probe.Video!.Hdr);
        Assert.False(SourceCheck.IsBrowserCompatible(probe.Video));

        var plan = LadderPlanner.Plan(probe);
        var rung = await EncodeFirstRungAsync(source, plan, dir);

        var output = await Ffmpeg.ProbeAsync(rung);
        Assert.Equal(("bt709", "bt709", "bt709", "yuv420p"), (output.Video!.ColorTransfer, output.Video.ColorPrimaries, output.Video.ColorSpace, output.Video.PixelFormat));
        // The iPhone clip is stored landscape with a quarter-turn matrix: the rung is portrait.
        if (kind == "hlg") Assert.True(output.Video.Height > output.Video.Width, $"{output.Video.Width}x{output.Video.Height}");
        // Untouched HLG shows about 35 % of the SDR picture's saturation and PQ about 20 % (measured in Chromium).
        var reference = await SaturationAsync(await Corpus.SdrAsync());
        var saturation = await SaturationAsync(rung);
        Assert.True(saturation > 0.7 * reference, $"saturation {saturation:0.0} against {reference:0.0} in the SDR picture");
    }

    [Fact]
    public async Task The_poster_of_an_HDR_video_is_tone_mapped_like_its_renditions()
    {
        using var dir = new TempDirectory();
        var source = await Corpus.PqAsync();
        var probe = await Ffmpeg.ProbeAsync(source);
        var poster = dir.File("poster.jpg");

        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.Thumbnail(source, probe.Video!.Index, 1, 320, 180, poster, MaxPixels, PictureTreatment.For(probe.Video)), Quick, CancellationToken.None);

        Assert.True(run.ExitCode == 0, run.ErrorTail);
        var reference = await SaturationAsync(await Corpus.SdrAsync());
        Assert.True(await SaturationAsync(poster) > 0.7 * reference);
    }

    [Fact]
    public async Task Camcorder_1080i_in_MPEG_TS_is_deinterlaced_to_50_progressive_frames_a_second()
    {
        using var dir = new TempDirectory();
        var source = await Corpus.AvchdAsync();
        var probe = await Ffmpeg.ProbeAsync(source);
        Assert.Equal("mpegts", probe.FormatName);
        Assert.True(probe.Video!.Interlaced, $"field order {probe.Video.FieldOrder}");
        Assert.Equal("ac3", probe.Audio!.Codec);
        Assert.False(SourceCheck.IsBrowserCompatible(probe.Video));

        var plan = LadderPlanner.Plan(probe);
        Assert.Equal(new FrameRate(50, 1), plan.FrameRate);
        var rung = await EncodeFirstRungAsync(source, plan, dir);

        Assert.True(await InterlacedShareAsync(source) > 0.5, "the source should look interlaced to idet");
        Assert.True(await InterlacedShareAsync(rung) < 0.1, "the rendition should be progressive");
        var output = await Ffmpeg.ProbeAsync(rung);
        Assert.Equal(("aac", 50.0), (output.Audio?.Codec, Math.Round(output.Video!.FrameRate)));
    }

    public static TheoryData<string> OtherContainers() => [.. Corpus.Containers.Keys];

    [Theory]
    [MemberData(nameof(OtherContainers))]
    public async Task Containers_of_old_PCs_phones_and_broadcast_are_accepted_by_content_and_encode(string name)
    {
        using var dir = new TempDirectory();
        var source = await Corpus.ContainerAsync(name);
        await AssertAcceptedAndEncodesAsync(source, dir);
    }

    [Fact]
    public async Task An_animated_GIF_or_APNG_is_a_video_and_a_still_GIF_is_a_still_image()
    {
        using var dir = new TempDirectory();
        await AssertAcceptedAndEncodesAsync(await Corpus.GifAsync(frames: 20), dir);
        await AssertAcceptedAndEncodesAsync(await Corpus.ApngAsync(), dir);

        var still = await Corpus.GifAsync(frames: 1);
        var probe = await Ffmpeg.ProbeAsync(still);
        Assert.Equal("no_video_stream", SourceCheck.CheckTimeline(probe, await Ffmpeg.TimelineAsync(still, probe))?.Code);
    }

    [Fact]
    public async Task The_default_flagged_audio_track_plays_and_every_track_is_offered_with_its_language()
    {
        using var dir = new TempDirectory();
        var source = await Corpus.MultiTrackMkvAsync();
        var probe = await Ffmpeg.ProbeAsync(source);

        Assert.Equal(2, probe.AudioTracks.Count);
        Assert.Same(probe.AudioTracks[1], probe.Audio);
        var info = SourceInfo.Describe(probe);
        Assert.Equal([("en", "alternate", false), ("fr", "played", true)], info.Audio.Select(a => (a.Language, a.Fate, a.Default)));
        Assert.Equal([("subrip", "fr", "captions")], info.Subtitles.Select(s => (s.Codec, s.Language, s.Fate)));

        // A compatible source is remuxed first: with the track that plays, not the first one.
        var fastStart = Directory.CreateDirectory(dir.File("source")).FullName;
        var remux = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.FastStartHls(source, probe, fastStart, "g", MaxPixels), Quick, CancellationToken.None);
        Assert.True(remux.ExitCode == 0, remux.ErrorTail);

        // Its download keeps every track, each with its language, the one that plays flagged default.
        var download = dir.File("download.mp4");
        var copy = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.ProgressiveMp4(source, probe, download, MaxPixels), Quick, CancellationToken.None);
        Assert.True(copy.ExitCode == 0, copy.ErrorTail);
        var downloaded = await Ffmpeg.ProbeAsync(download);
        Assert.Equal([("eng", false), ("fre", true)], downloaded.AudioTracks.Select(a => (a.Language, a.IsDefault)));

        var plan = LadderPlanner.Plan(probe);
        Assert.Equal([("audio-1", "en", "Quiet commentary", false), ("audio-2", "fr", "Français", true)],
            plan.AlternateAudio.Select(a => (a.Name, a.Language, a.Label, a.IsDefault)));
        Assert.All(plan.Renditions, r => Assert.False(r.HasAudio));
        var ladder = dir.File("ladder");
        foreach (var folder in FfmpegArgs.LadderFolders(plan, ladder)) Directory.CreateDirectory(folder);
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.LadderHls(source, plan, ladder, "g", MaxPixels), Quick, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);

        var quiet = await MeanVolumeAsync(await JoinAsync(Path.Combine(ladder, "audio-1")));
        var loud = await MeanVolumeAsync(await JoinAsync(Path.Combine(ladder, "audio-2")));
        Assert.InRange(loud - quiet, 15, 25);
        Assert.InRange(await MeanVolumeAsync(await JoinAsync(fastStart)) - loud, -2, 2);
        var rung = await Ffmpeg.ProbeAsync(await JoinAsync(Path.Combine(ladder, plan.Renditions[0].Name)));
        Assert.Null(rung.Audio);
    }

    [Fact]
    public async Task A_file_whose_timestamps_claim_six_hours_for_two_seconds_of_frames_is_refused_before_any_decoding()
    {
        var hostile = await Corpus.TimestampGapAsync();
        var probe = await Ffmpeg.ProbeAsync(hostile);
        Assert.InRange(probe.DurationSeconds, 21_000, MediaLimits.Default.MaxDurationSeconds);
        Assert.Null(SourceCheck.Check(probe, MediaLimits.Default));

        var problem = SourceCheck.CheckTimeline(probe, await Ffmpeg.TimelineAsync(hostile, probe));

        Assert.Equal("implausible_timestamps", problem?.Code);
        Assert.Contains("50 frames", problem!.Message, StringComparison.Ordinal);

        var screen = await Corpus.ScreenRecordingAsync();
        var screenProbe = await Ffmpeg.ProbeAsync(screen);
        Assert.Null(SourceCheck.CheckTimeline(screenProbe, await Ffmpeg.TimelineAsync(screen, screenProbe)));
    }

    private static async Task AssertAcceptedAndEncodesAsync(string source, TempDirectory dir)
    {
        var probe = await Ffmpeg.ProbeAsync(source);
        var timeline = await Ffmpeg.TimelineAsync(source, probe);
        probe = SourceCheck.WithTimeline(probe, timeline);
        Assert.Null(SourceCheck.Check(probe, MediaLimits.Default));
        Assert.Null(SourceCheck.CheckTimeline(probe, timeline));
        var rung = await EncodeFirstRungAsync(source, LadderPlanner.Plan(probe), dir);
        var output = await Ffmpeg.ProbeAsync(rung);
        Assert.Equal("h264", output.Video?.Codec);
        Assert.InRange(output.DurationSeconds, probe.DurationSeconds - 0.5, probe.DurationSeconds + 0.5);
    }

    /// <summary>Encodes the plan's first rung as the prepare job does; returns its segments joined into one file.</summary>
    private static async Task<string> EncodeFirstRungAsync(string source, LadderPlan plan, TempDirectory dir)
    {
        var part = plan with { Renditions = [plan.FirstRung], AlternateAudio = [] };
        var outDir = dir.File("first-" + Guid.NewGuid().ToString("N"));
        foreach (var folder in FfmpegArgs.LadderFolders(part, outDir)) Directory.CreateDirectory(folder);
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, FfmpegArgs.LadderHls(source, part, outDir, "g", MaxPixels), Quick, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return await JoinAsync(Path.Combine(outDir, part.FirstRung.Name));
    }

    private static async Task<string> JoinAsync(string renditionDir)
    {
        var playlist = HlsPlaylists.ParseMedia(await File.ReadAllTextAsync(Path.Combine(renditionDir, "index.m3u8")));
        Assert.True(playlist.Ended);
        var joined = renditionDir + ".ts";
        await using var output = File.Create(joined);
        foreach (var name in playlist.Segments.Select(s => s.Uri))
        {
            await using var part = File.OpenRead(Path.Combine(renditionDir, name));
            await part.CopyToAsync(output);
        }
        return joined;
    }


    /// <summary>Mean of signalstats' SATAVG over every frame, at 320x180 so pictures of any size compare.</summary>
    private static async Task<double> SaturationAsync(string path)
    {
        var values = await FilterLinesAsync(path, "scale=320:180,signalstats,metadata=print:key=lavfi.signalstats.SATAVG:file=-", SatAvg());
        return values.Average();
    }

    /// <summary>The share of frames idet judges interlaced (top or bottom field first) among those it could judge.</summary>
    private static async Task<double> InterlacedShareAsync(string path)
    {
        var run = await RunFilterAsync(path, "idet", null);
        var m = IdetSummary().Match(run.ErrorTail);
        Assert.True(m.Success, run.ErrorTail);
        var (tff, bff, progressive) = (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        return (double)(tff + bff) / Math.Max(1, tff + bff + progressive);
    }

    private static async Task<double> MeanVolumeAsync(string path)
    {
        var run = await RunFilterAsync(path, null, "volumedetect");
        var m = MeanVolume().Match(run.ErrorTail);
        Assert.True(m.Success, run.ErrorTail);
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<List<double>> FilterLinesAsync(string path, string videoFilter, Regex value)
    {
        var values = new List<double>();
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, ["-hide_banner", "-nostats", "-i", path, "-vf", videoFilter, "-an", "-f", "null", "-"],
            Quick with { OnOutputLine = line => { if (value.Match(line) is { Success: true } m) values.Add(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)); } },
            CancellationToken.None);
        Assert.True(run.ExitCode == 0 && values.Count > 0, run.ErrorTail);
        return values;
    }

    private static async Task<MediaRunResult> RunFilterAsync(string path, string? videoFilter, string? audioFilter)
    {
        List<string> args = ["-hide_banner", "-nostats", "-i", path];
        args.AddRange(videoFilter is null ? ["-vn"] : ["-vf", videoFilter]);
        args.AddRange(audioFilter is null ? ["-an"] : ["-af", audioFilter]);
        args.AddRange(["-f", "null", "-"]);
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, args, Quick, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
        return run;
    }

    [GeneratedRegex(@"SATAVG=([0-9.]+)")]
    private static partial Regex SatAvg();

    [GeneratedRegex(@"Multi frame detection: TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)")]
    private static partial Regex IdetSummary();

    [GeneratedRegex(@"mean_volume: (-?[0-9.]+) dB")]
    private static partial Regex MeanVolume();
}
