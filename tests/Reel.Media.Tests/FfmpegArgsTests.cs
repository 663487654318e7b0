using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

public sealed class FfmpegArgsTests
{
    private const string Input = "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/source";
    private const string OutDir = "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/hls";
    private const string Prefix = "k7Gm2xQp";
    private const long MaxPixels = 7680L * 4320;

    private static readonly MediaProbe Source1080 = new(
        "mov,mp4,m4a,3gp,3g2,mj2",
        DurationSeconds: 95.5,
        StreamCount: 2,
        new VideoStreamInfo(0, "h264", "High", 40, "yuv420p", 1920, 1080, 1, 1, 0, 29.97, 6_000_000),
        new AudioStreamInfo(1, "aac", "LC", 2, 48000));

    private static readonly LadderPlan LadderWithAudio = new(
        VideoStreamIndex: 0,
        AudioStreamIndex: 1,
        new FrameRate(30000, 1001),
        [
            new Rendition("360p", 640, 360, 800, 30, HasAudio: true),
            new Rendition("720p", 1280, 720, 2800, 31, HasAudio: true),
            new Rendition("1080p", 1920, 1080, 5000, 40, HasAudio: true),
        ]);

    // A portrait 60 fps phone clip whose video is not the first stream and which has no audio.
    private static readonly LadderPlan PortraitLadderWithoutAudio = new(
        VideoStreamIndex: 1,
        AudioStreamIndex: null,
        new FrameRate(60, 1),
        [
            new Rendition("360p", 360, 640, 1200, 31, HasAudio: false),
            new Rendition("720p", 720, 1280, 4200, 32, HasAudio: false),
        ]);

    // An interlaced HLG camcorder clip with two audio tracks: deinterlaced, tone-mapped, audio as renditions of its own.
    private static readonly LadderPlan HdrInterlacedWithTwoAudioTracks = new(
        VideoStreamIndex: 0,
        AudioStreamIndex: null,
        new FrameRate(50, 1),
        [
            new Rendition("360p", 640, 360, 1200, 31, HasAudio: false),
            new Rendition("1080p", 1920, 1080, 7500, 42, HasAudio: false),
        ],
        new PictureTreatment(Deinterlace: true, HdrKind.Hlg, "bt2020"))
    {
        AlternateAudio = [new AudioRendition("audio-1", 1, "en", "English", IsDefault: true), new AudioRendition("audio-2", 2, null, "Track 2", IsDefault: false)],
    };

    private static MediaProbe WithAudio(AudioStreamInfo? audio) => Source1080 with { Audio = audio, StreamCount = audio is null ? 1 : 2 };

    public static TheoryData<string> Builders => new(AllLists().Select(l => l.Name));

    private static IEnumerable<(string Name, IReadOnlyList<string> Args)> AllLists()
    {
        yield return ("ladder_hls", FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels));
        yield return ("ladder_hls_portrait_no_audio", FfmpegArgs.LadderHls(Input, PortraitLadderWithoutAudio, OutDir, Prefix, MaxPixels));
        yield return ("fast_start_hls", FfmpegArgs.FastStartHls(Input, Source1080, OutDir, Prefix, MaxPixels));
        yield return ("fast_start_hls_no_audio", FfmpegArgs.FastStartHls(Input, WithAudio(null), OutDir, Prefix, MaxPixels));
        yield return ("ladder_hls_hdr_interlaced_two_audio_tracks", FfmpegArgs.LadderHls(Input, HdrInterlacedWithTwoAudioTracks, OutDir, Prefix, MaxPixels));
        yield return ("thumbnail_pq", FfmpegArgs.Thumbnail(Input, 0, 2, 1280, 720, "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/poster.jpg", MaxPixels, new PictureTreatment(false, HdrKind.Pq, "bt2020")));
        yield return ("thumbnail", FfmpegArgs.Thumbnail(Input, 0, 12.3456, 1280, 720, "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/poster.jpg", MaxPixels));
        yield return ("poster_from_png", FfmpegArgs.PosterFromImage(Input, PosterImage.Png, 1280, 720, "/srv/reel/data/tmp/poster-Xq3vD8kPz1mN7bT2yR5uAw/poster.jpg", MaxPixels));
        yield return ("storyboard", FfmpegArgs.Storyboard("/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/hls/360p/source.mp4", 2, 160, 90, 10, 5, "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/storyboard/k7Gm2xQp-%d.jpg", MaxPixels));
        yield return ("progressive_mp4", FfmpegArgs.ProgressiveMp4(Input, WithAudio(new AudioStreamInfo(1, "aac", "LC", 6, 48000)), "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/download.mp4", MaxPixels));
        yield return ("extract_subtitles", FfmpegArgs.ExtractSubtitles(Input, [(2, "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/captions/track-2.vtt"), (3, "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/captions/track-3.vtt")], MaxPixels));
        yield return ("probe", FfmpegArgs.Probe(Input));
        yield return ("identify", FfmpegArgs.Identify(Input));
    }

    private static IReadOnlyList<string> ListNamed(string name) => AllLists().Single(l => l.Name == name).Args;

    [Theory]
    [MemberData(nameof(Builders))]
    public void The_argument_list_matches_its_golden_file(string name)
    {
        Golden.AssertArguments(name, ListNamed(name));
    }

    [Theory]
    [MemberData(nameof(Builders))]
    public void Every_ffmpeg_input_is_a_local_file_of_an_accepted_container(string name)
    {
        var args = ListNamed(name);
        var isProbe = name is "probe" or "identify";
        // An uploaded poster image is read by the one demuxer of its kind, from a file only.
        var isImage = name.StartsWith("poster_from_", StringComparison.Ordinal);

        var input = isProbe ? args.Count - 1 : IndexOf(args, "-i") + 1;
        Assert.Equal("file:" + (name == "storyboard" ? "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/hls/360p/source.mp4" : Input), args[input]);
        Assert.Single(args, a => a.StartsWith("file:", StringComparison.Ordinal));
        Assert.Equal(isProbe ? 0 : 1, args.Count(a => a == "-i"));

        var protocols = IndexOf(args, "-protocol_whitelist");
        Assert.InRange(protocols, 0, input - 1);
        Assert.Equal(isProbe || isImage ? "file" : "file,pipe", args[protocols + 1]);

        var formats = IndexOf(args, "-format_whitelist");
        Assert.InRange(formats, 0, input - 1);
        Assert.Equal(name == "identify" ? FfmpegArgs.IdentifyDemuxers : isImage ? "png_pipe" : SourceCheck.AcceptedDemuxers, args[formats + 1]);
        Assert.DoesNotContain("hls", args[formats + 1].Split(','));
        Assert.DoesNotContain("concat", args[formats + 1].Split(','));
    }

    [Theory]
    [MemberData(nameof(Builders))]
    public void Every_ffmpeg_decode_is_bounded_by_the_pixel_limit(string name)
    {
        var args = ListNamed(name);
        if (name is "probe" or "identify") return;

        var at = IndexOf(args, "-max_pixels");
        Assert.True(at >= 0 && at < IndexOf(args, "-i"), "-max_pixels must come before -i to apply to the input.");
        Assert.Equal("33177600", args[at + 1]);
    }

    [Theory]
    [MemberData(nameof(Builders))]
    public void No_user_supplied_text_such_as_a_title_reaches_the_arguments(string name)
    {
        Assert.DoesNotContain(ListNamed(name), a => a.Contains("title", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("ladder_hls")]
    [InlineData("ladder_hls_portrait_no_audio")]
    [InlineData("fast_start_hls")]
    [InlineData("progressive_mp4")]
    public void Outputs_drop_tags_chapters_subtitles_and_data_tracks(string name)
    {
        var args = ListNamed(name);

        Assert.Equal("-1", args[IndexOf(args, "-map_metadata") + 1]);
        Assert.Equal("-1", args[IndexOf(args, "-map_chapters") + 1]);
        Assert.Contains("-sn", args);
        Assert.Contains("-dn", args);
    }

    [Fact]
    public void The_truncation_check_copies_every_packet_of_a_local_file_to_nowhere_without_decoding()
    {
        var args = FfmpegArgs.DemuxCheck(Input);

        Assert.Equal("file", args[IndexOf(args, "-protocol_whitelist") + 1]);
        Assert.Equal(SourceCheck.AcceptedDemuxers, args[IndexOf(args, "-format_whitelist") + 1]);
        Assert.Equal("file:" + Input, args[IndexOf(args, "-i") + 1]);
        Assert.Equal(["-map", "0", "-c", "copy", "-f", "null", "-"], args.TakeLast(7));
    }

    [Fact]
    public void The_packet_scan_for_a_missing_duration_reads_only_a_local_file_of_an_accepted_container()
    {
        var args = FfmpegArgs.PacketTimes(Input, 2);

        Assert.Equal("file", args[IndexOf(args, "-protocol_whitelist") + 1]);
        Assert.Equal(SourceCheck.AcceptedDemuxers, args[IndexOf(args, "-format_whitelist") + 1]);
        Assert.Equal("2", args[IndexOf(args, "-select_streams") + 1]);
        Assert.Equal("packet=pts_time,duration_time", args[IndexOf(args, "-show_entries") + 1]);
        Assert.Equal("file:" + Input, args[^1]);
    }

    [Fact]
    public void The_ladder_is_one_decode_normalised_to_the_plan_rate_and_each_rung_is_scaled_from_the_next_larger()
    {
        var args = FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels);

        Assert.Single(args, a => a == "-filter_complex");
        var graph = args[IndexOf(args, "-filter_complex") + 1].Split(';');
        Assert.Equal(
            [
                "[0:0]fps=30000/1001,scale=1920:1080:flags=bicubic:in_color_matrix=bt709:out_color_matrix=bt709:out_range=tv,setsar=1,format=yuv420p,split=2[v2][c0]",
                "[c0]scale=1280:720:flags=bicubic,setsar=1,split=2[v1][c1]",
                "[c1]scale=640:360:flags=bicubic,setsar=1[v0]",
            ],
            graph);
        Assert.Equal(1, args[IndexOf(args, "-filter_complex") + 1].Split("fps=").Length - 1);
    }

    [Fact]
    public void The_ladder_forces_the_same_keyframes_on_every_rung()
    {
        var args = FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels);

        Assert.Equal("0", args[IndexOf(args, "-sc_threshold") + 1]);
        Assert.Equal("expr:if(lt(t,1),gte(t,n_forced*0.5),gte(t,2*(n_forced-2)))", args[IndexOf(args, "-force_key_frames") + 1]);
        // The fallback GOP is longer than the forced interval, so it never adds a keyframe of its own.
        Assert.Equal("120", args[IndexOf(args, "-g") + 1]);
        Assert.Single(args, a => a == "-force_key_frames");
    }

    [Fact]
    public void Every_rung_of_the_ladder_gets_its_own_cap_buffer_and_level()
    {
        var args = FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels);

        Assert.Equal(["800k", "2800k", "5000k"], [.. Enumerable.Range(0, 3).Select(i => args[IndexOf(args, $"-maxrate:v:{i}") + 1])]);
        Assert.Equal(["1600k", "5600k", "10000k"], [.. Enumerable.Range(0, 3).Select(i => args[IndexOf(args, $"-bufsize:v:{i}") + 1])]);
        Assert.Equal(["3.0", "3.1", "4.0"], [.. Enumerable.Range(0, 3).Select(i => args[IndexOf(args, $"-level:v:{i}") + 1])]);
        Assert.DoesNotContain("-maxrate:v:3", args);
    }

    [Fact]
    public void The_ladder_encodes_audio_once_and_every_rung_muxes_it_beside_its_own_video()
    {
        var args = FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels);

        Assert.Equal(["[v0]", "[v1]", "[v2]", "0:1"], MapTargets(args));
        Assert.Single(args, a => a == "-c:a");
        Assert.Equal("aac", args[IndexOf(args, "-c:a") + 1]);
        Assert.Equal("tee", args[IndexOf(args, "-f") + 1]);
        var outputs = args[^1].Split('|');
        Assert.Equal(3, outputs.Length);
        Assert.StartsWith(@"[select=v\\:0,a:f=hls:hls_time=0.5:", outputs[0], StringComparison.Ordinal);
        Assert.EndsWith("]" + OutDir + "/360p/index.m3u8", outputs[0], StringComparison.Ordinal);
        Assert.Contains(@":hls_segment_filename=" + OutDir + "/1080p/k7Gm2xQp-%05d.ts]", outputs[2], StringComparison.Ordinal);
    }

    [Fact]
    public void HLS_segments_are_MPEG_TS_without_an_init_segment_so_libavformat_before_8_can_seek_them()
    {
        var ladderOutputs = FfmpegArgs.LadderHls(Input, LadderWithAudio, OutDir, Prefix, MaxPixels)[^1].Split('|');
        var fastStart = FfmpegArgs.FastStartHls(Input, Source1080, OutDir, Prefix, MaxPixels);

        Assert.All(ladderOutputs, o => Assert.Contains(":hls_segment_type=mpegts:", o, StringComparison.Ordinal));
        Assert.All(ladderOutputs, o => Assert.DoesNotContain("fmp4", o, StringComparison.Ordinal));
        Assert.Equal("mpegts", fastStart[IndexOf(fastStart, "-hls_segment_type") + 1]);
        Assert.Equal(OutDir + "/k7Gm2xQp-%05d.ts", fastStart[IndexOf(fastStart, "-hls_segment_filename") + 1]);
        Assert.DoesNotContain("-hls_fmp4_init_filename", fastStart);
    }

    [Fact]
    public void A_joined_rendition_is_remuxed_to_MP4_reading_only_a_local_MPEG_TS_file()
    {
        var args = FfmpegArgs.JoinedRenditionToMp4("/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/720p.joined.mp4.part.ts", "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/720p.joined.mp4.part.mp4");

        Golden.AssertArguments("joined_rendition_to_mp4", args);
        var input = IndexOf(args, "-i");
        Assert.Equal("file", args[IndexOf(args, "-protocol_whitelist") + 1]);
        Assert.Equal("mpegts", args[IndexOf(args, "-format_whitelist") + 1]);
        Assert.Equal("mpegts", args[IndexOf(args, "-f") + 1]);
        Assert.InRange(IndexOf(args, "-format_whitelist"), 0, input - 1);
        Assert.Equal("file:/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/720p.joined.mp4.part.ts", args[input + 1]);
        Assert.Equal("copy", args[IndexOf(args, "-c") + 1]);
        Assert.Equal(["-f", "mp4", "/srv/reel/work/Xq3vD8kPz1mN7bT2yR5uAw/720p.joined.mp4.part.mp4"], args.TakeLast(3));
    }

    [Fact]
    public void A_ladder_without_audio_maps_and_encodes_no_audio()
    {
        var args = FfmpegArgs.LadderHls(Input, PortraitLadderWithoutAudio, OutDir, Prefix, MaxPixels);

        Assert.Equal(["[v0]", "[v1]"], MapTargets(args));
        Assert.DoesNotContain(args, a => a.StartsWith("-c:a", StringComparison.Ordinal) || a.StartsWith("-b:a", StringComparison.Ordinal));
        Assert.Equal([@"[select=v\\:0:", @"[select=v\\:1:"], args[^1].Split('|').Select(o => o[..14]));
        Assert.StartsWith("[0:1]fps=60,scale=720:1280:flags=bicubic:in_color_matrix=bt709:out_color_matrix=bt709:out_range=tv,setsar=1,format=yuv420p,split=2[v1][c0];", args[IndexOf(args, "-filter_complex") + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void AAC_LC_stereo_audio_is_copied()
    {
        AssertAudioCopied(new AudioStreamInfo(1, "aac", "LC", 2, 48000));
        AssertAudioCopied(new AudioStreamInfo(1, "aac", "LC", 1, 44100));
    }

    [Theory]
    [InlineData("aac", "LC", 6)]
    [InlineData("aac", "HE-AAC", 2)]
    [InlineData("mp3", null, 2)]
    [InlineData("opus", null, 2)]
    [InlineData("ac3", null, 6)]
    public void Other_audio_is_encoded_to_AAC_stereo(string codec, string? profile, int channels)
    {
        var probe = WithAudio(new AudioStreamInfo(1, codec, profile, channels, 44100));

        foreach (var args in new[] { FfmpegArgs.FastStartHls(Input, probe, OutDir, Prefix, MaxPixels), FfmpegArgs.ProgressiveMp4(Input, probe, "/tmp/out.mp4", MaxPixels) })
        {
            Assert.Equal("aac", args[IndexOf(args, "-c:a") + 1]);
            Assert.Equal("128k", args[IndexOf(args, "-b:a") + 1]);
            Assert.Equal("2", args[IndexOf(args, "-ac") + 1]);
            Assert.Equal("48000", args[IndexOf(args, "-ar") + 1]);
            Assert.Equal("copy", args[IndexOf(args, "-c:v") + 1]);
        }
    }

    [Fact]
    public void Remuxes_without_audio_map_only_the_video()
    {
        var probe = WithAudio(null);

        Assert.Equal(["0:0"], MapTargets(FfmpegArgs.FastStartHls(Input, probe, OutDir, Prefix, MaxPixels)));
        Assert.Equal(["0:0"], MapTargets(FfmpegArgs.ProgressiveMp4(Input, probe, "/tmp/out.mp4", MaxPixels)));
        Assert.DoesNotContain("-c:a", FfmpegArgs.ProgressiveMp4(Input, probe, "/tmp/out.mp4", MaxPixels));
    }

    [Fact]
    public void Builders_that_need_video_refuse_a_probe_without_it()
    {
        var audioOnly = Source1080 with { Video = null };

        Assert.Throws<ArgumentException>(() => FfmpegArgs.FastStartHls(Input, audioOnly, OutDir, Prefix, MaxPixels));
        Assert.Throws<ArgumentException>(() => FfmpegArgs.ProgressiveMp4(Input, audioOnly, "/tmp/out.mp4", MaxPixels));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1.5, "1.5")]
    [InlineData(12.3456, "12.346")]
    [InlineData(3600, "3600")]
    public void The_thumbnail_seek_is_written_in_invariant_seconds(double at, string expected)
    {
        var args = FfmpegArgs.Thumbnail(Input, 0, at, 640, 360, "/tmp/t.jpg", MaxPixels);

        Assert.Equal(expected, args[IndexOf(args, "-ss") + 1]);
        Assert.True(IndexOf(args, "-ss") < IndexOf(args, "-i"), "-ss before -i seeks the input instead of decoding up to the frame.");
    }

    [Fact]
    public void A_golden_mismatch_is_reported_as_a_line_diff()
    {
        var diff = Golden.Diff(["-y", "-i", "file:a", "out"], ["-y", "-re", "-i", "file:b", "out"]);

        Assert.Equal("  -y\n+ -re\n  -i\n- file:a\n+ file:b\n  out\n", diff);
    }

    private static void AssertAudioCopied(AudioStreamInfo audio)
    {
        var probe = WithAudio(audio);
        foreach (var args in new[] { FfmpegArgs.FastStartHls(Input, probe, OutDir, Prefix, MaxPixels), FfmpegArgs.ProgressiveMp4(Input, probe, "/tmp/out.mp4", MaxPixels) })
        {
            Assert.Equal("copy", args[IndexOf(args, "-c:a") + 1]);
            Assert.DoesNotContain("-b:a", args);
            Assert.Equal(["0:0", "0:1"], MapTargets(args));
        }
    }

    private static string[] MapTargets(IReadOnlyList<string> args) =>
        [.. args.Select((a, i) => (a, i)).Where(x => x.a == "-map").Select(x => args[x.i + 1])];

    private static int IndexOf(IReadOnlyList<string> args, string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == value) return i;
        }
        return -1;
    }
}
