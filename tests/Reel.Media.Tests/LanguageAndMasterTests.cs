namespace Reel.Media.Tests;

public sealed class LanguageAndMasterTests
{
    [Theory]
    [InlineData("eng", "en")]
    [InlineData("ger", "de")]
    [InlineData("fra", "fr")]
    [InlineData("pt-BR", "pt-BR")]
    [InlineData("por_BR", "pt-BR")]
    [InlineData("haw", "haw")]
    [InlineData("und", null)]
    [InlineData("", null)]
    [InlineData("en\",URI=\"x", null)]
    [InlineData("english", null)]
    public void Container_language_tags_become_BCP47_or_nothing(string tag, string? expected)
    {
        Assert.Equal(expected, LanguageTags.ToBcp47(tag));
    }

    [Theory]
    [InlineData("en", "eng")]
    [InlineData("fr", "fre")]
    [InlineData("pt-BR", "por")]
    [InlineData("haw", "haw")]
    [InlineData("xx", null)]
    [InlineData(null, null)]
    public void A_download_stores_the_three_letter_code_of_a_language(string? bcp47, string? expected)
    {
        Assert.Equal(expected, LanguageTags.ToIso639(bcp47));
    }

    [Fact]
    public void A_master_with_alternate_audio_names_the_group_on_every_variant_and_counts_the_audio()
    {
        var master = HlsPlaylists.Master(
            [new MasterEntry("360p", 640, 360, 800_000, "avc1.64001e", 25), new MasterEntry("720p", 1280, 720, 2_800_000, "avc1.64001f", 25)],
            [new AudioEntry("audio-1", "en", "Director's \"cut\"", IsDefault: false), new AudioEntry("audio-2", null, "Track 2", IsDefault: true)]);

        Assert.Equal(
            """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Director's cut",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio-1/index.m3u8"
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Track 2",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-2/index.m3u8"
            #EXT-X-STREAM-INF:BANDWIDTH=2928000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=25.000,AUDIO="audio"
            720p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=928000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=25.000,AUDIO="audio"
            360p/index.m3u8

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            master);
    }

    [Fact]
    public void Every_audio_track_of_a_multi_track_source_becomes_a_rendition_and_the_rungs_carry_none()
    {
        var probe = Support.Probes.Mp4(Support.Probes.Video(1280, 720), Support.Probes.AacStereo(2)) with
        {
            AudioTracks =
            [
                Support.Probes.AacStereo(1) with { Language = "eng", Title = "Commentary\n" },
                Support.Probes.AacStereo(2) with { Language = "jpn", IsDefault = true },
                Support.Probes.AacStereo(3),
            ],
        };

        var plan = LadderPlanner.Plan(probe);

        Assert.Null(plan.AudioStreamIndex);
        Assert.All(plan.Renditions, r => Assert.False(r.HasAudio));
        Assert.Equal(
            [("audio-1", 1, "en", "Commentary", false), ("audio-2", 2, "ja", "日本語", true), ("audio-3", 3, null, "Track 3", false)],
            plan.AlternateAudio.Select(a => (a.Name, a.StreamIndex, a.Language, a.Label, a.IsDefault)));
    }
}
