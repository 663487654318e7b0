using System.Text.Json;

namespace Reel.Media.Tests;

/// <summary>The fixtures are real ffprobe output for short lavfi clips; Fixtures/ffprobe/generate.sh remakes them.</summary>
public sealed class FfprobeParserTests
{
    private static MediaProbe ParseFixture(string name) =>
        FfprobeParser.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ffprobe", name + ".json")));

    [Fact]
    public void An_H264_AAC_MP4_is_read_with_every_fact_the_pipeline_uses()
    {
        var probe = ParseFixture("h264_aac");

        Assert.Equal("mov,mp4,m4a,3gp,3g2,mj2", probe.FormatName);
        Assert.Equal(1.0, probe.DurationSeconds, 3);
        Assert.Equal(2, probe.StreamCount);

        var video = Assert.IsType<VideoStreamInfo>(probe.Video);
        Assert.Equal(0, video.Index);
        Assert.Equal("h264", video.Codec);
        Assert.Equal("High", video.Profile);
        Assert.Equal(30, video.Level);
        Assert.Equal("yuv420p", video.PixelFormat);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Equal((640, 360), (video.DisplayWidth, video.DisplayHeight));
        Assert.Equal((1, 1), (video.SarNumerator, video.SarDenominator));
        Assert.False(video.Anamorphic);
        Assert.Equal(0, video.Rotation);
        Assert.Equal(30.0, video.FrameRate, 6);
        Assert.Equal(794392L, video.BitRate);

        var audio = Assert.IsType<AudioStreamInfo>(probe.Audio);
        Assert.Equal(1, audio.Index);
        Assert.Equal("aac", audio.Codec);
        Assert.Equal("LC", audio.Profile);
        Assert.Equal(2, audio.Channels);
        Assert.Equal(48000, audio.SampleRate);
    }

    [Fact]
    public void A_VP9_Opus_WebM_is_read()
    {
        var probe = ParseFixture("vp9_opus");

        Assert.Equal("matroska,webm", probe.FormatName);
        Assert.Equal(1.008, probe.DurationSeconds, 3);
        var video = Assert.IsType<VideoStreamInfo>(probe.Video);
        Assert.Equal("vp9", video.Codec);
        Assert.Equal("Profile 0", video.Profile);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Equal(30.0, video.FrameRate, 6);
        Assert.Null(video.BitRate);
        var audio = Assert.IsType<AudioStreamInfo>(probe.Audio);
        Assert.Equal("opus", audio.Codec);
        Assert.Null(audio.Profile);
        Assert.Equal(1, audio.Channels);
    }

    [Fact]
    public void A_rotated_MP4_reports_its_rotation_and_a_portrait_display_size()
    {
        var video = Assert.IsType<VideoStreamInfo>(ParseFixture("rotated").Video);

        Assert.Equal(90, video.Rotation);
        Assert.True(video.QuarterTurned);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Equal((360, 640), (video.DisplayWidth, video.DisplayHeight));
    }

    [Fact]
    public void Cover_art_in_an_audio_file_is_not_taken_for_video()
    {
        var probe = ParseFixture("cover_art");

        // The fixture does hold an mjpeg stream flagged attached_pic; it must not count as the video.
        Assert.Equal(2, probe.StreamCount);
        Assert.Null(probe.Video);
        var audio = Assert.IsType<AudioStreamInfo>(probe.Audio);
        Assert.Equal(0, audio.Index);
        Assert.Equal(44100, audio.SampleRate);
    }

    [Fact]
    public void An_anamorphic_PAL_stream_reports_its_sample_aspect_ratio_and_display_width()
    {
        var video = Assert.IsType<VideoStreamInfo>(ParseFixture("anamorphic").Video);

        Assert.Equal((16, 15), (video.SarNumerator, video.SarDenominator));
        Assert.True(video.Anamorphic);
        Assert.Equal((720, 576), (video.Width, video.Height));
        Assert.Equal((768, 576), (video.DisplayWidth, video.DisplayHeight));
        Assert.Equal(25.0, video.FrameRate, 6);
    }

    [Fact]
    public void Surround_audio_reports_six_channels()
    {
        var audio = Assert.IsType<AudioStreamInfo>(ParseFixture("surround").Audio);

        Assert.Equal(6, audio.Channels);
        Assert.Equal("LC", audio.Profile);
    }

    [Fact]
    public void A_file_without_audio_has_no_audio_stream_and_keeps_an_NTSC_frame_rate_exact()
    {
        var probe = ParseFixture("no_audio");

        Assert.Null(probe.Audio);
        Assert.Equal(1, probe.StreamCount);
        var video = Assert.IsType<VideoStreamInfo>(probe.Video);
        Assert.Equal(30000.0 / 1001, video.FrameRate, 9);
        Assert.Equal(1.001, probe.DurationSeconds, 3);
    }

    [Fact]
    public void The_first_real_video_stream_wins_over_an_attached_picture_listed_before_it()
    {
        const string json = """
            {
              "streams": [
                { "index": 0, "codec_type": "video", "codec_name": "png", "width": 600, "height": 600, "disposition": { "attached_pic": 1 } },
                { "index": 1, "codec_type": "audio", "codec_name": "aac", "profile": "LC", "channels": 2, "sample_rate": "44100" },
                { "index": 2, "codec_type": "video", "codec_name": "h264", "width": 1280, "height": 720, "avg_frame_rate": "25/1", "disposition": { "attached_pic": 0 } },
                { "index": 3, "codec_type": "video", "codec_name": "h264", "width": 320, "height": 240, "avg_frame_rate": "25/1" }
              ],
              "format": { "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "4.5" }
            }
            """;

        var probe = FfprobeParser.Parse(json);

        var video = Assert.IsType<VideoStreamInfo>(probe.Video);
        Assert.Equal(2, video.Index);
        Assert.Equal(1280, video.Width);
        Assert.Equal(4, probe.StreamCount);
    }

    [Fact]
    public void A_rotate_tag_without_a_display_matrix_is_honoured_and_normalised()
    {
        const string json = """
            {
              "streams": [ { "index": 0, "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080, "tags": { "rotate": "-90" } } ],
              "format": { "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "2" }
            }
            """;

        var video = Assert.IsType<VideoStreamInfo>(FfprobeParser.Parse(json).Video);

        Assert.Equal(270, video.Rotation);
        Assert.Equal((1080, 1920), (video.DisplayWidth, video.DisplayHeight));
    }

    [Fact]
    public void An_unusable_average_frame_rate_falls_back_to_the_stream_rate_and_a_missing_format_duration_to_the_video_duration()
    {
        const string json = """
            {
              "streams": [ { "index": 0, "codec_type": "video", "codec_name": "h264", "width": 640, "height": 480,
                             "avg_frame_rate": "0/0", "r_frame_rate": "24000/1001", "duration": "7.5", "sample_aspect_ratio": "0:1" } ],
              "format": { "format_name": "avi" }
            }
            """;

        var probe = FfprobeParser.Parse(json);

        var video = Assert.IsType<VideoStreamInfo>(probe.Video);
        Assert.Equal(24000.0 / 1001, video.FrameRate, 9);
        Assert.False(video.Anamorphic);
        Assert.Equal(640, video.DisplayWidth);
        Assert.Equal(7.5, probe.DurationSeconds);
    }

    [Fact]
    public void Output_that_is_not_JSON_is_rejected_with_an_exception_the_prober_handles()
    {
        // MediaTools turns JsonException and FormatException into unsupported_media.
        var e = Record.Exception(() => FfprobeParser.Parse("Invalid data found when processing input"));

        Assert.True(e is JsonException or FormatException, $"Unexpected {e?.GetType().Name ?? "no exception"}.");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "streams": [] }""")]
    public void JSON_without_a_format_section_is_rejected(string json)
    {
        Assert.Throws<FormatException>(() => FfprobeParser.Parse(json));
    }

    [Fact]
    public void A_format_without_streams_parses_to_no_video_and_no_audio()
    {
        var probe = FfprobeParser.Parse("""{ "format": { "format_name": "mp3", "duration": "3.0" } }""");

        Assert.Null(probe.Video);
        Assert.Null(probe.Audio);
        Assert.Equal(0, probe.StreamCount);
        Assert.Equal("mp3", probe.FormatName);
    }

    [Fact]
    public void Colour_field_order_Dolby_Vision_languages_and_default_flags_are_read()
    {
        const string json = """
            {"streams":[
              {"index":0,"codec_type":"video","codec_name":"hevc","profile":"Main 10","pix_fmt":"yuv420p10le","width":3840,"height":2160,
               "color_transfer":"smpte2084","color_primaries":"bt2020","color_space":"bt2020nc","field_order":"progressive","avg_frame_rate":"30/1",
               "side_data_list":[{"side_data_type":"DOVI configuration record","dv_version_major":1,"dv_profile":8,"dv_level":6,"bl_present_flag":1,"dv_bl_signal_compatibility_id":1}]},
              {"index":1,"codec_type":"audio","codec_name":"aac","profile":"LC","channels":2,"sample_rate":"48000","disposition":{"default":0},"tags":{"language":"und"}},
              {"index":2,"codec_type":"audio","codec_name":"ac3","channels":6,"sample_rate":"48000","disposition":{"default":1},"tags":{"LANGUAGE":"ger","title":"Deutsch 5.1"}},
              {"index":3,"codec_type":"subtitle","codec_name":"hdmv_pgs_subtitle","tags":{"language":"eng"}}],
             "format":{"format_name":"matroska,webm","duration":"12.5"}}
            """;

        var probe = FfprobeParser.Parse(json);

        Assert.Equal((8, HdrKind.Pq, 10, false), (probe.Video!.DolbyVisionProfile, probe.Video.Hdr, probe.Video.BitDepth, probe.Video.Interlaced));
        Assert.Equal([1, 2], probe.AudioTracks.Select(a => a.Index));
        Assert.Equal((2, "ger", "Deutsch 5.1"), (probe.Audio!.Index, probe.Audio.Language, probe.Audio.Title));
        Assert.Null(probe.AudioTracks[0].Language);
        var subtitle = Assert.Single(probe.SubtitleTracks);
        Assert.False(subtitle.IsText);
        Assert.Equal("Picture-based subtitles (DVD, Blu-ray, DVB) cannot be shown as text.", SourceInfo.Describe(probe).Subtitles[0].Reason);
    }
}
