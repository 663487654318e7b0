using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

public sealed class LadderPlannerTests
{
    private static IReadOnlyList<Rendition> Rungs(VideoStreamInfo video, AudioStreamInfo? audio = null) =>
        LadderPlanner.Plan(Probes.Mp4(video, audio)).Renditions;

    private static string[] Sizes(IEnumerable<Rendition> rungs) => rungs.Select(r => $"{r.Name} {r.Width}x{r.Height}").ToArray();

    [Fact]
    public void A_1080p_source_gets_360p_720p_and_1080p_rungs()
    {
        Assert.Equal(["360p 640x360", "720p 1280x720", "1080p 1920x1080"], Sizes(Rungs(Probes.Video(1920, 1080))));
    }

    [Fact]
    public void A_4K_source_is_never_encoded_above_1080p()
    {
        Assert.Equal(["360p 640x360", "720p 1280x720", "1080p 1920x1080"], Sizes(Rungs(Probes.Video(3840, 2160))));
    }

    [Fact]
    public void A_720p_source_gets_no_rung_above_its_own_size()
    {
        Assert.Equal(["360p 640x360", "720p 1280x720"], Sizes(Rungs(Probes.Video(1280, 720))));
    }

    [Fact]
    public void A_source_between_standard_rungs_also_gets_an_even_rung_at_its_own_size()
    {
        // 481 >= 360 * 1.25, so the source's extra sharpness earns a rung of its own.
        var rungs = Rungs(Probes.Video(854, 481));

        Assert.Equal(["360p 640x360", "480p 852x480"], Sizes(rungs));
    }

    [Fact]
    public void A_source_only_slightly_above_a_standard_rung_gets_no_extra_rung()
    {
        // 800 < 720 * 1.25: an extra rung would cost an encode for no visible gain.
        Assert.Equal(["360p 640x360", "720p 1280x720"], Sizes(Rungs(Probes.Video(1422, 800))));
    }

    [Theory]
    [InlineData(854, 481)]
    [InlineData(1001, 563)]
    [InlineData(321, 241)]
    [InlineData(1279, 719)]
    [InlineData(719, 1279)]
    [InlineData(3, 3)]
    public void Every_rung_of_an_odd_sized_source_has_even_dimensions(int width, int height)
    {
        var rungs = Rungs(Probes.Video(width, height));

        Assert.NotEmpty(rungs);
        Assert.All(rungs, r =>
        {
            Assert.Equal(0, r.Width % 2);
            Assert.Equal(0, r.Height % 2);
            Assert.True(r.Width > 0 && r.Height > 0);
        });
    }

    [Fact]
    public void A_source_smaller_than_360p_gets_one_rung_at_its_own_size()
    {
        var rung = Assert.Single(Rungs(Probes.Video(320, 240)));

        Assert.Equal(("240p", 320, 240), (rung.Name, rung.Width, rung.Height));
    }

    [Theory]
    [InlineData(177, 99)]
    [InlineData(855, 483)]
    public void The_rung_at_an_odd_source_size_is_rounded_down_never_above_the_source(int width, int height)
    {
        var top = Rungs(Probes.Video(width, height))[^1];

        Assert.Equal(height - 1, top.Height);
        Assert.InRange(top.Width, 2, width);
    }

    [Fact]
    public void A_portrait_phone_video_gets_portrait_rungs_named_by_the_short_side()
    {
        Assert.Equal(["360p 360x640", "720p 720x1280", "1080p 1080x1920"], Sizes(Rungs(Probes.Video(1080, 1920))));
    }

    [Theory]
    [InlineData(90)]
    [InlineData(270)]
    [InlineData(-90)]
    public void A_landscape_stream_rotated_a_quarter_turn_gets_portrait_rungs(int rotation)
    {
        Assert.Equal(["360p 360x640", "720p 720x1280", "1080p 1080x1920"], Sizes(Rungs(Probes.Video(1920, 1080, rotation: rotation))));
    }

    [Fact]
    public void A_stream_rotated_half_a_turn_keeps_landscape_rungs()
    {
        Assert.Equal(["360p 640x360", "720p 1280x720", "1080p 1920x1080"], Sizes(Rungs(Probes.Video(1920, 1080, rotation: 180))));
    }

    [Fact]
    public void A_PAL_anamorphic_source_is_planned_at_its_display_size()
    {
        var video = Probes.Video(720, 576, fps: 25, sarNumerator: 16, sarDenominator: 15);

        Assert.Equal((768, 576), (video.DisplayWidth, video.DisplayHeight));
        Assert.Equal(["360p 480x360", "576p 768x576"], Sizes(Rungs(video)));
    }

    [Fact]
    public void An_NTSC_widescreen_anamorphic_source_gets_a_square_pixel_854x480_rung()
    {
        // 720 * 32/27 = 853.3 display pixels; the nearest even width keeping 16:9 is 854.
        var video = Probes.Video(720, 480, sarNumerator: 32, sarDenominator: 27);

        Assert.Equal((853, 480), (video.DisplayWidth, video.DisplayHeight));
        Assert.Equal(["360p 640x360", "480p 854x480"], Sizes(Rungs(video)));
    }

    [Theory]
    [InlineData(29.97, 30000, 1001)]
    [InlineData(29.97002997, 30000, 1001)]
    [InlineData(23.976, 24000, 1001)]
    [InlineData(59.94, 60000, 1001)]
    [InlineData(25, 25, 1)]
    [InlineData(24, 24, 1)]
    [InlineData(30, 30, 1)]
    [InlineData(50, 50, 1)]
    [InlineData(60, 60, 1)]
    [InlineData(30.2, 30, 1)]
    [InlineData(15, 15, 1)]
    [InlineData(10, 10, 1)]
    public void The_output_frame_rate_is_the_nearest_standard_rate_or_the_rounded_source_rate(double fps, int numerator, int denominator)
    {
        Assert.Equal(new FrameRate(numerator, denominator), LadderPlanner.OutputFrameRate(fps));
    }

    [Theory]
    [InlineData(120, 60, 1)]
    [InlineData(119.88, 60000, 1001)]
    [InlineData(240, 60, 1)]
    [InlineData(100, 50, 1)]
    public void Slow_motion_sources_above_60_fps_are_halved_until_they_fit(double fps, int numerator, int denominator)
    {
        Assert.Equal(new FrameRate(numerator, denominator), LadderPlanner.OutputFrameRate(fps));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void An_unknown_frame_rate_becomes_30_fps(double fps)
    {
        Assert.Equal(new FrameRate(30, 1), LadderPlanner.OutputFrameRate(fps));
    }

    [Fact]
    public void The_plan_carries_the_output_frame_rate_and_stream_indexes_of_the_source()
    {
        var plan = LadderPlanner.Plan(Probes.Mp4(Probes.Video(1280, 720, fps: 29.97, index: 2), Probes.AacStereo(index: 5)));

        Assert.Equal(new FrameRate(30000, 1001), plan.FrameRate);
        Assert.Equal("30000/1001", plan.FrameRate.ToString());
        Assert.Equal(2, plan.VideoStreamIndex);
        Assert.Equal(5, plan.AudioStreamIndex);
    }

    [Fact]
    public void A_whole_frame_rate_prints_without_a_denominator()
    {
        Assert.Equal("25", new FrameRate(25, 1).ToString());
    }

    [Fact]
    public void Planning_a_probe_without_video_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LadderPlanner.Plan(Probes.Mp4(null, Probes.AacStereo())));
    }

    [Theory]
    [InlineData(640, 360, 30, 30)]
    [InlineData(1280, 720, 30, 31)]
    [InlineData(1280, 720, 29.97, 31)]
    [InlineData(1280, 720, 60, 32)]
    [InlineData(1920, 1080, 30, 40)]
    [InlineData(1920, 1080, 60, 42)]
    [InlineData(1080, 1920, 30, 40)]
    [InlineData(320, 240, 30, 30)]
    public void The_H264_level_is_the_lowest_that_fits_the_rung(int width, int height, double fps, int level)
    {
        Assert.Equal(level, LadderPlanner.Level(width, height, fps));
    }

    [Fact]
    public void The_rungs_of_a_plan_carry_their_levels()
    {
        var plan = LadderPlanner.Plan(Probes.Mp4(Probes.Video(1920, 1080, fps: 60)));

        // 360p at 60 fps needs 55,200 macroblocks a second: above level 3.0's 40,500.
        Assert.Equal([31, 32, 42], plan.Renditions.Select(r => r.H264Level));
        Assert.Equal(["3.1", "3.2", "4.2"], plan.Renditions.Select(r => r.LevelText));
    }

    [Theory]
    [InlineData(640, 360, 30, 800)]
    [InlineData(1280, 720, 30, 2800)]
    [InlineData(1920, 1080, 30, 5000)]
    [InlineData(1280, 720, 60, 4200)]
    [InlineData(640, 360, 60, 1200)]
    [InlineData(1920, 1080, 60, 7500)]
    [InlineData(3840, 2160, 30, 5000)]
    [InlineData(2, 2, 30, 150)]
    public void The_bitrate_cap_follows_the_anchors_and_rises_by_half_above_30_fps(int width, int height, double fps, int kbps)
    {
        Assert.Equal(kbps, LadderPlanner.MaxrateKbps(width, height, fps));
    }

    [Fact]
    public void A_bitrate_cap_between_anchors_lies_between_them_in_steps_of_50()
    {
        var kbps = LadderPlanner.MaxrateKbps(854, 480, 30);

        Assert.InRange(kbps, 801, 2799);
        Assert.Equal(0, kbps % 50);
    }

    [Fact]
    public void Renditions_with_audio_declare_AAC_and_budget_for_it()
    {
        var rungs = Rungs(Probes.Video(1920, 1080), Probes.AacStereo());

        Assert.Equal(["avc1.64001e,mp4a.40.2", "avc1.64001f,mp4a.40.2", "avc1.640028,mp4a.40.2"], rungs.Select(r => r.Codecs));
        Assert.All(rungs, r => Assert.True(r.HasAudio));
        Assert.Equal((5000 + 128) * 1000, rungs[^1].BandwidthBps);
        Assert.Equal(10000, rungs[^1].BufsizeKbps);
    }

    [Fact]
    public void Renditions_without_audio_declare_video_only()
    {
        var rungs = Rungs(Probes.Video(1920, 1080));

        Assert.Equal(["avc1.64001e", "avc1.64001f", "avc1.640028"], rungs.Select(r => r.Codecs));
        Assert.All(rungs, r => Assert.False(r.HasAudio));
        Assert.Equal(5000 * 1000, rungs[^1].BandwidthBps);
    }
}
