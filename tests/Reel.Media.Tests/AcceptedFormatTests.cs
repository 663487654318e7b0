using Reel.Media.Tests.Support;
using Reel.Server.Tests.Support;
using Ffmpeg = Reel.Media.Tests.Support.Ffmpeg;

namespace Reel.Media.Tests;

/// <summary>
/// Every container and codec the upload accepts, below the server: the same probe, plan and ffmpeg runs as the prepare
/// and encode jobs (a remux of a browser-compatible source, else the first rung on its own; then the rest of the ladder;
/// then the download copy), with their outputs checked as a player gets them. The clips are the server tests' own
/// (<see cref="Clips.Formats"/>); the server's end-to-end tests keep a remuxed and an encoded upload.
/// </summary>
public sealed class AcceptedFormatTests
{
    private const long MaxPixels = 7680L * 4320;
    private static readonly MediaRunOptions Quick = new() { Timeout = TimeSpan.FromSeconds(120) };

    public static TheoryData<string> Formats => new(Clips.Formats.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Every_accepted_format_is_judged_planned_and_made_into_a_complete_aligned_ladder_and_a_download(string clipName)
    {
        var clip = Clips.ByName(clipName);
        var source = await Clips.PathAsync(clip);
        using var dir = new TempDirectory();

        // The upload's verdict, as MediaTools gives it: accepted, with the size a viewer sees.
        var probe = await Ffmpeg.ProbeAsync(source);
        var timeline = await Ffmpeg.TimelineAsync(source, probe);
        probe = SourceCheck.WithTimeline(probe, timeline);
        Assert.Null(SourceCheck.Check(probe, MediaLimits.Default));
        Assert.Null(SourceCheck.CheckTimeline(probe, timeline));
        Assert.True(SourceCheck.IsAcceptedContainer(probe.FormatName), probe.FormatName);
        Assert.Equal((clip.DisplayWidth, clip.DisplayHeight), (probe.Video!.DisplayWidth, probe.Video.DisplayHeight));
        Assert.InRange(probe.DurationSeconds, 3.9, 4.2);
        Assert.Equal(clip.HasAudio, probe.Audio is not null);

        var plan = LadderPlanner.Plan(probe);
        Assert.Equal(clip.Rungs.Order(), plan.Renditions.Select(r => r.Name).Order());
        var ladder = dir.File("ladder");
        var compatible = SourceCheck.IsBrowserCompatible(probe.Video);
        if (compatible)
        {
            // The prepare job's remux: the source's own frames, whole, cut at its keyframes.
            var remuxDir = Directory.CreateDirectory(dir.File("source")).FullName;
            await RunFfmpegAsync(FfmpegArgs.FastStartHls(source, probe, remuxDir, "g0", MaxPixels));
            var remux = HlsPlaylists.ParseMedia(await File.ReadAllTextAsync(Path.Combine(remuxDir, "index.m3u8")));
            Assert.True(remux.Ended);
            Assert.InRange(remux.DurationSeconds, 3.8, 4.3);
            var first = await ProbeTsAsync(Path.Combine(remuxDir, remux.Segments[0].Uri));
            Assert.Equal((probe.Video.Codec, probe.Video.Width, probe.Video.Height), (first.Video!.Codec, first.Video.Width, first.Video.Height));
            Assert.Equal(clip.HasAudio, first.Audio is not null);

            // Nothing of the ladder was made yet: the encode job makes all of it in one run.
            await EncodeAsync(source, plan, ladder);
        }
        else
        {
            // Nothing can be copied: the prepare job encodes the first rung alone, the encode job the rest in a second
            // run, and the two runs' segments must still line up.
            await EncodeAsync(source, plan with { Renditions = [plan.FirstRung] }, ladder);
            var rest = plan with { Renditions = [.. plan.Renditions.Where(r => r != plan.FirstRung)] };
            if (rest.Renditions.Count > 0) await EncodeAsync(source, rest, ladder);
        }

        var segmentDurations = new List<double[]>();
        foreach (var rung in plan.Renditions)
        {
            Assert.True(rung.Width % 2 == 0 && rung.Height % 2 == 0, $"{rung.Name} is {rung.Width}x{rung.Height}: rungs have even dimensions");
            Assert.Equal(clip.DisplayWidth >= clip.DisplayHeight, rung.Width >= rung.Height);
            var rungDir = Path.Combine(ladder, rung.Name);
            var playlist = HlsPlaylists.ParseMedia(await File.ReadAllTextAsync(Path.Combine(rungDir, "index.m3u8")));
            Assert.True(playlist.Ended, "a finished rendition ends with EXT-X-ENDLIST");
            Assert.InRange(playlist.DurationSeconds, 3.8, 4.3);
            // MPEG-TS segments without an init segment: each decodes on its own, and mpv can seek them.
            Assert.Null(playlist.InitUri);
            foreach (var segment in playlist.Segments)
            {
                // The last segment holds whatever is left, which can be a single frame.
                Assert.InRange(segment.DurationSeconds, segment == playlist.Segments[^1] ? 0.01 : 0.49, 2.01);
                Assert.EndsWith(".ts", segment.Uri, StringComparison.Ordinal);
            }
            // The first and the last segment, each on its own: a player may start at either.
            foreach (var segment in new[] { playlist.Segments[0], playlist.Segments[^1] })
            {
                var probed = await ProbeTsAsync(Path.Combine(rungDir, segment.Uri));
                Assert.Equal("h264", probed.Video!.Codec);
                Assert.Equal("yuv420p", probed.Video.PixelFormat);
                Assert.Equal((rung.Width, rung.Height), (probed.Video.Width, probed.Video.Height));
                Assert.Equal(0, probed.Video.Rotation);
                if (clip.HasAudio)
                {
                    Assert.Equal("aac", probed.Audio?.Codec);
                    Assert.Equal(2, probed.Audio!.Channels);
                }
                else
                {
                    Assert.Null(probed.Audio);
                }
            }
            segmentDurations.Add([.. playlist.Segments.Select(s => s.DurationSeconds)]);
        }
        Assert.All(segmentDurations, d => Assert.Equal(segmentDurations[0], d));

        // The download: a compatible source's own video copied; any other's the top rung joined and remuxed.
        var downloadFrom = source;
        var downloadProbe = probe;
        if (!compatible)
        {
            var top = plan.Renditions.MaxBy(r => r.Width * r.Height)!;
            downloadFrom = await JoinToMp4Async(Path.Combine(ladder, top.Name), dir);
            downloadProbe = await Ffmpeg.ProbeAsync(downloadFrom);
        }
        var download = dir.File("download.mp4");
        await RunFfmpegAsync(FfmpegArgs.ProgressiveMp4(downloadFrom, downloadProbe, download, MaxPixels));
        var downloaded = await Ffmpeg.ProbeAsync(download);
        Assert.Equal("h264", downloaded.Video!.Codec);
        Assert.Equal(clip.HasAudio, downloaded.Audio is not null);
        Assert.InRange(downloaded.DurationSeconds, 3.8, 4.3);
        Assert.Equal(clip.DisplayWidth >= clip.DisplayHeight, downloaded.Video.DisplayWidth >= downloaded.Video.DisplayHeight);
    }

    private static async Task EncodeAsync(string source, LadderPlan part, string outDir)
    {
        foreach (var folder in FfmpegArgs.LadderFolders(part, outDir)) Directory.CreateDirectory(folder);
        await RunFfmpegAsync(FfmpegArgs.LadderHls(source, part, outDir, "g" + Guid.NewGuid().ToString("N")[..8], MaxPixels));
    }

    /// <summary>A rendition's segments end to end, remuxed to MP4 as the encode job does before making a download of it.</summary>
    private static async Task<string> JoinToMp4Async(string renditionDir, TempDirectory dir)
    {
        var playlist = HlsPlaylists.ParseMedia(await File.ReadAllTextAsync(Path.Combine(renditionDir, "index.m3u8")));
        var joined = dir.File("joined.ts");
        await using (var output = File.Create(joined))
        {
            foreach (var segment in playlist.Segments)
            {
                await using var part = File.OpenRead(Path.Combine(renditionDir, segment.Uri));
                await part.CopyToAsync(output);
            }
        }
        var mp4 = dir.File("joined.mp4");
        await RunFfmpegAsync(FfmpegArgs.JoinedRenditionToMp4(joined, mp4));
        return mp4;
    }

    private static async Task RunFfmpegAsync(IReadOnlyList<string> arguments)
    {
        var run = await MediaProcess.RunAsync(Ffmpeg.FfmpegPath, arguments, Quick, CancellationToken.None);
        Assert.True(run.ExitCode == 0, run.ErrorTail);
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

}
