namespace Reel.Media.Tests;

public sealed class HlsPlaylistsTests
{
    // As ffmpeg's hls muxer writes an EVENT fMP4 playlist while encoding (see FfmpegArgs.LadderHls).
    private const string Growing = """
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:2
        #EXT-X-MEDIA-SEQUENCE:0
        #EXT-X-PLAYLIST-TYPE:EVENT
        #EXT-X-INDEPENDENT-SEGMENTS
        #EXT-X-MAP:URI="k7Gm2xQp-init-360p.mp4"
        #EXTINF:0.500500,
        k7Gm2xQp-00000.m4s
        #EXTINF:0.500500,
        k7Gm2xQp-00001.m4s
        #EXTINF:1.001000,
        k7Gm2xQp-00002.m4s

        """;

    private const string Finished = Growing + """
        #EXTINF:2.002000,
        k7Gm2xQp-00003.m4s
        #EXT-X-ENDLIST

        """;

    [Fact]
    public void A_growing_event_playlist_lists_its_init_and_segments_and_has_not_ended()
    {
        var playlist = HlsPlaylists.ParseMedia(Growing);

        Assert.Equal("k7Gm2xQp-init-360p.mp4", playlist.InitUri);
        Assert.Equal(
            [new MediaSegment("k7Gm2xQp-00000.m4s", 0.5005), new MediaSegment("k7Gm2xQp-00001.m4s", 0.5005), new MediaSegment("k7Gm2xQp-00002.m4s", 1.001)],
            playlist.Segments);
        Assert.False(playlist.Ended);
        Assert.Equal(2.002, playlist.DurationSeconds, 9);
    }

    [Fact]
    public void A_finished_playlist_has_ended()
    {
        var playlist = HlsPlaylists.ParseMedia(Finished);

        Assert.True(playlist.Ended);
        Assert.Equal(4, playlist.Segments.Count);
        Assert.Equal(4.004, playlist.DurationSeconds, 9);
    }

    [Fact]
    public void Windows_line_endings_and_a_playlist_without_init_are_read()
    {
        var playlist = HlsPlaylists.ParseMedia("#EXTM3U\r\n#EXTINF:2.0,\r\nseg-1.ts\r\n#EXT-X-ENDLIST\r\n");

        Assert.Null(playlist.InitUri);
        Assert.Equal(new MediaSegment("seg-1.ts", 2.0), Assert.Single(playlist.Segments));
        Assert.True(playlist.Ended);
    }

    [Theory]
    [InlineData("../other/k7Gm2xQp-00000.m4s")]
    [InlineData("..")]
    [InlineData("sub/k7Gm2xQp-00000.m4s")]
    [InlineData("/etc/passwd")]
    [InlineData("https://evil.example/seg.m4s")]
    [InlineData("file:seg.m4s")]
    [InlineData("seg.m4s?x=1")]
    [InlineData("seg..m4s")]
    public void A_segment_URI_that_is_not_a_plain_file_name_is_rejected(string uri)
    {
        Assert.Throws<FormatException>(() => HlsPlaylists.ParseMedia($"#EXTM3U\n#EXTINF:2.0,\n{uri}\n"));
    }

    [Theory]
    [InlineData("../init.mp4")]
    [InlineData("a/init.mp4")]
    [InlineData("http://evil.example/init.mp4")]
    public void An_init_URI_that_is_not_a_plain_file_name_is_rejected(string uri)
    {
        Assert.Throws<FormatException>(() => HlsPlaylists.ParseMedia($"#EXTM3U\n#EXT-X-MAP:URI=\"{uri}\"\n#EXTINF:2.0,\nseg.m4s\n"));
    }

    [Fact]
    public void A_map_without_URI_or_a_segment_without_duration_is_rejected()
    {
        Assert.Throws<FormatException>(() => HlsPlaylists.ParseMedia("#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n"));
        Assert.Throws<FormatException>(() => HlsPlaylists.ParseMedia("#EXTM3U\nseg.m4s\n"));
    }

    [Theory]
    [InlineData("k7Gm2xQp-00000.m4s", true)]
    [InlineData("index.m3u8", true)]
    [InlineData("k7Gm2xQp-init-1080p.mp4", true)]
    [InlineData("noextension", false)]
    [InlineData(".m4s", false)]
    [InlineData("seg.M4S", false)]
    [InlineData("seg.tar.gz", false)]
    [InlineData("seg .m4s", false)]
    [InlineData("seg.m4s\n", false)]
    [InlineData("seg.m4s\r", false)]
    public void Only_plain_names_with_one_lowercase_extension_are_plain_file_names(string name, bool plain)
    {
        Assert.Equal(plain, HlsPlaylists.IsPlainFileName(name));
    }

    [Fact]
    public void Players_get_the_playlist_with_a_start_at_zero_right_after_the_header()
    {
        var text = HlsPlaylists.ForPlayers(Growing);

        var lines = text.Split('\n');
        Assert.Equal("#EXTM3U", lines[0]);
        Assert.Equal("#EXT-X-START:TIME-OFFSET=0,PRECISE=YES", lines[1]);
        Assert.Equal(Growing, text.Remove(text.IndexOf(lines[1], StringComparison.Ordinal), lines[1].Length + 1));
    }

    [Fact]
    public void The_start_tag_is_inserted_only_once()
    {
        var twice = HlsPlaylists.ForPlayers(HlsPlaylists.ForPlayers(Finished));

        Assert.Equal(1, twice.Split('\n').Count(l => l.StartsWith("#EXT-X-START:", StringComparison.Ordinal)));
        Assert.Equal(HlsPlaylists.ForPlayers(Finished), twice);
    }

    [Fact]
    public void A_playlist_for_players_still_parses_to_the_same_segments()
    {
        Assert.Equal(HlsPlaylists.ParseMedia(Finished).Segments, HlsPlaylists.ParseMedia(HlsPlaylists.ForPlayers(Finished)).Segments);
    }

    [Fact]
    public void The_master_playlist_lists_variants_best_first_with_their_attributes()
    {
        var master = HlsPlaylists.Master(
        [
            new MasterEntry("360p", 640, 360, 928000, "avc1.64001e,mp4a.40.2", 30000.0 / 1001),
            new MasterEntry("1080p", 1920, 1080, 5128000, "avc1.640028,mp4a.40.2", 30000.0 / 1001),
            new MasterEntry("720p", 1280, 720, 2928000, "avc1.64001f,mp4a.40.2", 30000.0 / 1001),
        ]);

        Assert.Equal("""
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-STREAM-INF:BANDWIDTH=5128000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2",FRAME-RATE=29.970
            1080p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=2928000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970
            720p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=928000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970
            360p/index.m3u8

            """, master);
    }

    [Fact]
    public void A_variant_of_unknown_frame_rate_is_listed_without_one()
    {
        var master = HlsPlaylists.Master([new MasterEntry("source", 360, 640, 1000000, "avc1.64001e", 0)]);

        Assert.Contains("#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=360x640,CODECS=\"avc1.64001e\"\nsource/index.m3u8\n", master, StringComparison.Ordinal);
        Assert.DoesNotContain("FRAME-RATE", master, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Constrained Baseline", 30, false, "avc1.42e01e")]
    [InlineData("Baseline", 30, false, "avc1.42001e")]
    [InlineData("High", 40, false, "avc1.640028")]
    [InlineData("Main", 31, true, "avc1.4d001f,mp4a.40.2")]
    [InlineData(null, 42, false, "avc1.64002a")]
    [InlineData("High", 0, false, "avc1.64000a")]
    public void H264_codec_strings_follow_RFC_6381(string? profile, int level, bool withAudio, string expected)
    {
        Assert.Equal(expected, CodecStrings.H264(profile, level, withAudio));
    }
}
