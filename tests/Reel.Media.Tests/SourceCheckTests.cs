using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

public sealed class SourceCheckTests
{
    private static readonly VideoStreamInfo Hd = Probes.Video(1920, 1080);

    private static string? Problem(MediaProbe probe) => SourceCheck.Check(probe, MediaLimits.Default)?.Code;

    [Theory]
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2")]
    [InlineData("matroska,webm")]
    [InlineData("avi")]
    [InlineData("mp4")]
    [InlineData("mpegts")]
    [InlineData("mpeg")]
    [InlineData("asf")]
    [InlineData("flv")]
    [InlineData("mxf")]
    [InlineData("ogg")]
    [InlineData("gif")]
    [InlineData("apng")]
    public void Videos_in_accepted_containers_pass(string format)
    {
        Assert.Null(Problem(new MediaProbe(format, 10, 2, Hd, Probes.AacStereo())));
    }

    [Theory]
    [InlineData("hls")]
    [InlineData("concat")]
    [InlineData("png_pipe")]
    [InlineData("mp3")]
    [InlineData("image2")]
    [InlineData("")]
    [InlineData("movie")]
    public void Other_containers_are_unsupported_media_even_with_a_video_stream(string format)
    {
        Assert.Equal("unsupported_media", Problem(new MediaProbe(format, 10, 1, Hd, null)));
    }

    [Fact]
    public void An_accepted_container_without_video_has_no_video_stream()
    {
        var problem = SourceCheck.Check(Probes.Mp4(null, Probes.AacStereo()), MediaLimits.Default);

        Assert.Equal("no_video_stream", problem?.Code);
        Assert.False(string.IsNullOrWhiteSpace(problem?.Message));
    }

    [Fact]
    public void A_video_stream_without_a_picture_size_is_unsupported_media()
    {
        Assert.Equal("unsupported_media", Problem(Probes.Mp4(Probes.Video(0, 0))));
    }

    [Theory]
    [InlineData(7681, 1080)]
    [InlineData(1080, 7681)]
    [InlineData(7680, 7680)]
    public void A_picture_over_the_limits_exceeds_the_media_limits(int width, int height)
    {
        Assert.Equal("media_limits_exceeded", Problem(Probes.Mp4(Probes.Video(width, height))));
    }

    [Fact]
    public void A_picture_at_the_limits_is_accepted()
    {
        Assert.Null(Problem(Probes.Mp4(Probes.Video(7680, 4320))));
    }

    [Fact]
    public void A_video_longer_than_the_limit_exceeds_the_media_limits()
    {
        var limits = MediaLimits.Default;

        Assert.Equal("media_limits_exceeded", Problem(Probes.Mp4(Hd, duration: limits.MaxDurationSeconds + 1)));
        Assert.Null(Problem(Probes.Mp4(Hd, duration: limits.MaxDurationSeconds)));
    }

    [Fact]
    public void A_file_with_too_many_streams_exceeds_the_media_limits()
    {
        Assert.Equal("media_limits_exceeded", Problem(Probes.Mp4(Hd) with { StreamCount = 17 }));
        Assert.Null(Problem(Probes.Mp4(Hd) with { StreamCount = 16 }));
    }

    [Fact]
    public void Custom_limits_are_applied()
    {
        var small = new MediaLimits(MaxWidth: 1280, MaxHeight: 1280, MaxPixels: 1280L * 720, MaxDurationSeconds: 60, MaxStreams: 2);

        Assert.Equal("media_limits_exceeded", SourceCheck.Check(Probes.Mp4(Hd), small)?.Code);
        Assert.Equal("media_limits_exceeded", SourceCheck.Check(Probes.Mp4(Probes.Video(1280, 1280)), small)?.Code);
        Assert.Null(SourceCheck.Check(Probes.Mp4(Probes.Video(1280, 720)), small));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_video_without_duration_is_unsupported_media(double duration)
    {
        Assert.Equal("unsupported_media", Problem(Probes.Mp4(Hd, duration: duration)));
    }

    [Theory]
    [InlineData("h264", "High", "yuv420p", 1920, 1080)]
    [InlineData("h264", "Main", "yuv420p", 1280, 720)]
    [InlineData("h264", "Constrained Baseline", "yuvj420p", 640, 360)]
    [InlineData("h264", "High", "yuv420p", 1080, 1920)]
    public void Upright_square_pixel_8_bit_H264_up_to_1080p_plays_in_browsers(string codec, string profile, string pixelFormat, int width, int height)
    {
        Assert.True(SourceCheck.IsBrowserCompatible(Probes.Video(width, height, codec: codec, profile: profile, pixelFormat: pixelFormat)));
    }

    public static TheoryData<string, VideoStreamInfo> IncompatibleVideo => new()
    {
        { "10-bit", Probes.Video(1920, 1080, profile: "High 10", pixelFormat: "yuv420p10le") },
        { "10-bit pixels with an 8-bit profile name", Probes.Video(1920, 1080, pixelFormat: "yuv420p10le") },
        { "4:4:4", Probes.Video(1920, 1080, profile: "High 4:4:4 Predictive", pixelFormat: "yuv444p") },
        { "4:4:4 pixels", Probes.Video(1920, 1080, pixelFormat: "yuv444p") },
        { "HEVC", Probes.Video(1920, 1080, codec: "hevc", profile: "Main") },
        { "VP9", Probes.Video(1920, 1080, codec: "vp9", profile: "Profile 0") },
        { "rotated", Probes.Video(1920, 1080, rotation: 90) },
        { "upside down", Probes.Video(1920, 1080, rotation: 180) },
        { "anamorphic", Probes.Video(720, 576, sarNumerator: 16, sarDenominator: 15) },
        { "4K", Probes.Video(3840, 2160) },
        { "above 1080 on the short side", Probes.Video(1920, 1200) },
        { "above 60 fps", Probes.Video(1920, 1080, fps: 120) },
        { "unknown frame rate", Probes.Video(1920, 1080, fps: 0) },
        { "unknown profile", Probes.Video(1920, 1080, profile: null) },
    };

    [Theory]
    [MemberData(nameof(IncompatibleVideo))]
    public void Video_browsers_may_not_play_as_it_is_must_be_encoded(string why, VideoStreamInfo video)
    {
        Assert.False(SourceCheck.IsBrowserCompatible(video), why);
    }

    [Theory]
    [InlineData("aac", "LC", 2)]
    [InlineData("aac", "LC", 1)]
    [InlineData("aac", null, 2)]
    public void AAC_LC_mono_or_stereo_audio_is_copied_as_it_is(string codec, string? profile, int channels)
    {
        Assert.True(SourceCheck.IsBrowserCompatible(Probes.Audio(codec, profile, channels)));
    }

    [Theory]
    [InlineData("aac", "LC", 6)]
    [InlineData("aac", "HE-AAC", 2)]
    [InlineData("mp3", null, 2)]
    [InlineData("opus", null, 2)]
    [InlineData("aac", "LC", 0)]
    public void Other_audio_is_not_browser_compatible(string codec, string? profile, int channels)
    {
        Assert.False(SourceCheck.IsBrowserCompatible(Probes.Audio(codec, profile, channels)));
    }

    [Fact]
    public void Interlaced_or_HDR_H264_is_encoded_not_remuxed()
    {
        Assert.True(SourceCheck.IsBrowserCompatible(Hd));
        Assert.False(SourceCheck.IsBrowserCompatible(Hd with { FieldOrder = "tt" }));
        Assert.False(SourceCheck.IsBrowserCompatible(Hd with { ColorTransfer = "arib-std-b67" }));
        Assert.False(SourceCheck.IsBrowserCompatible(Hd with { ColorPrimaries = "bt2020" }));
        Assert.True(SourceCheck.IsBrowserCompatible(Hd with { FieldOrder = "progressive", ColorPrimaries = "bt709" }));
    }

    [Fact]
    public void Dolby_Vision_profile_5_is_refused_and_profile_8_is_read_by_its_base_layer()
    {
        var profile5 = Hd with { Codec = "hevc", PixelFormat = "yuv420p10le", DolbyVisionProfile = 5 };
        Assert.Equal("unsupported_hdr", Problem(Probes.Mp4(profile5)));
        var profile8 = profile5 with { DolbyVisionProfile = 8, ColorTransfer = "smpte2084" };
        Assert.Null(Problem(Probes.Mp4(profile8)));
        Assert.Equal(HdrKind.Pq, profile8.Hdr);
    }

    [Fact]
    public void A_timeline_mostly_of_empty_hours_is_implausible_but_pauses_of_a_still_screen_are_not()
    {
        var hostile = Timeline((0, 1), (1, 1), (21_500, 1));
        Assert.Equal("implausible_timestamps", SourceCheck.CheckTimeline(Probes.Mp4(Hd, duration: 21_501), hostile)?.Code);
        Assert.Equal(12, hostile.CoveredSeconds);

        // A screen recording that sat still for minutes between bursts, but most of whose time has frames.
        var screen = Timeline([.. Enumerable.Range(0, 300).Select(i => (i * 1.0, 1.0)), (400, 1)]);
        Assert.Null(SourceCheck.CheckTimeline(Probes.Mp4(Hd, duration: 401), screen));

        Assert.Equal("no_video_stream", SourceCheck.CheckTimeline(Probes.Mp4(Hd) with { FormatName = "gif" }, Timeline((0, 0.1)))?.Code);
    }

    [Fact]
    public void An_animated_WebP_is_told_from_a_still_one_by_its_header()
    {
        byte[] animated = [.. "RIFF"u8, 0x98, 0x56, 0, 0, .. "WEBPVP8X"u8, 0x0a, 0, 0, 0, 0x12, 0, 0, 0];
        byte[] still = [.. "RIFF"u8, 0x98, 0x56, 0, 0, .. "WEBPVP8 "u8, 0x0a, 0, 0, 0, 0x12, 0, 0, 0];
        Assert.True(SourceCheck.IsAnimatedWebP(animated));
        Assert.False(SourceCheck.IsAnimatedWebP(still));
        Assert.False(SourceCheck.IsAnimatedWebP(animated.AsSpan(0, 12)));
    }

    private static PacketTimeline Timeline(params (double Pts, double Duration)[] packets)
    {
        var timeline = new PacketTimeline();
        foreach (var (pts, duration) in packets) timeline.Add(pts, duration);
        return timeline;
    }
}
