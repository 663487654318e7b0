using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Reel.Media.Tests;

// The corpus is made here, in code, the way real tools write files: BOMs, CRLF, missing numbers, sloppy times.
public sealed class CaptionFilesTests
{
    private static CaptionCue Cue(long startMs, long endMs, string text) =>
        new(TimeSpan.FromMilliseconds(startMs), TimeSpan.FromMilliseconds(endMs), text);

    private static string SrtTime(TimeSpan t) => t.ToString(@"hh\:mm\:ss\,fff", CultureInfo.InvariantCulture);

    private static CaptionFormatException Refused(string text) => Assert.Throws<CaptionFormatException>(() => CaptionFiles.Parse(text));

    private const string Srt = "1\n00:00:01,000 --> 00:00:02,000\nCafé ☕ 😀\n";

    // Every cue any parser returns must be a payload WebVTT readers cannot misread.
    private static void AssertSafe(CaptionDocument document)
    {
        Assert.NotEmpty(document.Cues);
        Assert.All(document.Cues, cue =>
        {
            Assert.True(cue.End > cue.Start);
            Assert.Equal(cue.Text.Trim(), cue.Text);
            Assert.DoesNotContain("-->", cue.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("\n\n", cue.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(cue.Text, c => char.IsControl(c) && c != '\n');
        });
        Assert.Equal(document.Cues.OrderBy(c => c.Start), document.Cues);
    }

    [Fact]
    public void Utf8_with_or_without_a_bom_decodes_to_the_text_without_the_bom()
    {
        var bytes = Encoding.UTF8.GetBytes(Srt);

        Assert.Equal(Srt, CaptionFiles.Decode(bytes));
        Assert.Equal(Srt, CaptionFiles.Decode([0xEF, 0xBB, 0xBF, .. bytes]));
    }

    [Fact]
    public void Utf16_little_and_big_endian_with_a_bom_decode_including_characters_outside_the_bmp()
    {
        Assert.Equal(Srt, CaptionFiles.Decode([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Srt)]));
        Assert.Equal(Srt, CaptionFiles.Decode([.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Srt)]));
    }

    [Fact]
    public void Utf16_without_a_bom_is_refused_for_its_nul_bytes()
    {
        var error = Assert.Throws<CaptionFormatException>(() => CaptionFiles.Decode(Encoding.Unicode.GetBytes(Srt)));

        Assert.Equal(1, error.Line);
        Assert.StartsWith("Line 1: the file contains NUL bytes: it is UTF-16 without a byte order mark", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_windows_1252_file_is_refused_as_invalid_utf8_naming_where_the_first_bad_byte_is()
    {
        var latin1 = Encoding.Latin1.GetBytes(Srt.Replace("☕ 😀", "", StringComparison.Ordinal));

        var error = Assert.Throws<CaptionFormatException>(() => CaptionFiles.Decode(latin1));

        Assert.Equal(1, error.Line);
        Assert.Contains("is not UTF-8 text (the first byte that is not is at offset 35, on line 3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf16_cut_in_the_middle_of_a_character_is_refused()
    {
        byte[] bytes = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Srt)];

        var error = Assert.Throws<CaptionFormatException>(() => CaptionFiles.Decode(bytes.AsSpan(0, bytes.Length - 1)));

        Assert.Contains("not valid UTF-16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubRip_with_a_bom_crlf_trailing_spaces_and_blank_lines_of_spaces_reads_cue_by_cue()
    {
        var srt = "\uFEFF1\r\n00:00:01,000 --> 00:00:02,500  \r\nHello\r\nworld  \r\n   \r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nSecond\r\n\r\n\r\n";

        var document = CaptionFiles.Parse(srt);

        Assert.Equal([Cue(1000, 2500, "Hello\nworld"), Cue(3000, 4000, "Second")], document.Cues);
    }

    [Fact]
    public void SubRip_with_old_mac_line_endings_reads_the_same()
    {
        var document = CaptionFiles.Parse("1\r00:00:01,000 --> 00:00:02,000\rA\r\r2\r00:00:03,000 --> 00:00:04,000\rB\r");

        Assert.Equal([Cue(1000, 2000, "A"), Cue(3000, 4000, "B")], document.Cues);
    }

    [Fact]
    public void SubRip_times_without_numbers_with_dots_without_hours_with_short_millis_and_coordinates_are_read()
    {
        var srt = """
            00:00:01.000 --> 00:00:02.000
            Dot separator, no number

            01:02,5 --> 01:03,25
            No hours, short millis

            100:00:00,000 --> 100:00:01,000  X1:100 X2:200 Y1:10 Y2:20
            Three-digit hours and coordinates

            7
            0:00:05,000-->0:00:06,000
            One-digit hours, no spaces
            """;

        var document = CaptionFiles.ParseSubRip(srt);

        Assert.Equal(
            [
                Cue(1000, 2000, "Dot separator, no number"),
                Cue(5000, 6000, "One-digit hours, no spaces"),
                Cue(62_500, 63_250, "No hours, short millis"),
                Cue(360_000_000, 360_001_000, "Three-digit hours and coordinates"),
            ],
            document.Cues);
    }

    [Fact]
    public void Unsorted_cues_are_sorted_stably_and_overlapping_cues_are_kept()
    {
        var srt = """
            1
            00:00:05,000 --> 00:00:06,000
            Third

            2
            00:00:01,000 --> 00:00:04,000
            First

            3
            00:00:02,000 --> 00:00:03,000
            Overlaps the first

            4
            00:00:05,000 --> 00:00:07,000
            Starts with the third, stays after it
            """;

        var document = CaptionFiles.Parse(srt);

        Assert.Equal(["First", "Overlaps the first", "Third", "Starts with the third, stays after it"], document.Cues.Select(c => c.Text));
    }

    [Fact]
    public void A_missing_blank_line_between_numbered_cues_still_starts_a_new_cue()
    {
        var document = CaptionFiles.Parse("1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n");

        Assert.Equal([Cue(1000, 2000, "A"), Cue(3000, 4000, "B")], document.Cues);
    }

    [Theory]
    [InlineData("<font color=\"#ffff00\">Yellow</font> text", "Yellow text")]
    [InlineData("<FONT face=Arial>Upper case</FONT>", "Upper case")]
    [InlineData("<script>alert(1)</script>", "alert(1)")]
    [InlineData("{\\an8}Top of the screen", "Top of the screen")]
    [InlineData("{\\an8}\nOnly the second line", "Only the second line")]
    [InlineData("<B>Bold</B> and <i>italic</I> and <u>under</u>", "<b>Bold</b> and <i>italic</i> and <u>under</u>")]
    [InlineData("<i>Never closed\nover two lines", "<i>Never closed\nover two lines</i>")]
    [InlineData("A stray</b> close", "A stray close")]
    [InlineData("<b><i>Crossed</b></i>", "<b><i>Crossed</i></b>")]
    [InlineData("<i></i>Empty italic", "Empty italic")]
    [InlineData("<i>\nItalic from the second line</i>", "<i>Italic from the second line</i>")]
    [InlineData("I <3 you & a < b > c", "I &lt;3 you &amp; a &lt; b &gt; c")]
    [InlineData("Tom &amp; Jerry &eacute;t&eacute; &bogus;", "Tom &amp; Jerry été &amp;bogus;")]
    [InlineData("Fish --> chips ---> peas", "Fish -&gt; chips -&gt; peas")]
    [InlineData("Bell\u0007 and\ttab, NEL\u0085 gone", "Bell and tab, NEL gone")]
    [InlineData("Line one<br>Line two<br/>", "Line one\nLine two")]
    [InlineData("   padded   \n\t indented", "padded\nindented")]
    public void SubRip_text_becomes_a_safe_payload(string text, string expected)
    {
        var document = CaptionFiles.Parse($"1\n00:00:01,000 --> 00:00:02,000\n{text}\n");

        Assert.Equal(expected, Assert.Single(document.Cues).Text);
        AssertSafe(document);
    }

    [Fact]
    public void A_cue_that_shows_nothing_is_left_out()
    {
        var document = CaptionFiles.Parse("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<i> </i>\n\n2\n00:00:02,000 --> 00:00:03,000\n\n3\n00:00:03,000 --> 00:00:04,000\nShown\n");

        Assert.Equal([Cue(3000, 4000, "Shown")], document.Cues);
    }

    [Fact]
    public void A_malformed_timing_line_is_named_with_the_line_it_probably_meant()
    {
        var error = Refused("1\n00:00:01,000 --> 00:00:02,000\nFine\n\n2\n00:01:02 --> 00:01:05\nBroken\n");

        Assert.Equal(6, error.Line);
        Assert.Equal("Line 6: '00:01:02 --> 00:01:05' is not a timing line; expected 00:01:02,000 --> 00:01:05,000.", error.Message);
    }

    [Theory]
    [InlineData("1\n00:75:00,000 --> 00:76:00,000\nA\n", 2, "'00:75:00,000 --> 00:76:00,000' is not a timing line; expected a line like 00:01:02,000 --> 00:01:05,000.")]
    [InlineData("1\n00:00:05,000 --> 00:00:04,000\nA\n", 2, "the cue ends at 00:00:04,000, before its start 00:00:05,000")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\nA\n\nStill A?\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n", 5, "'Still A?' is where a cue number or timing line")]
    [InlineData("1\nHello\n", 1, "cue number 1 is not followed by a timing line")]
    [InlineData("Just some text\n", 1, "'Just some text' is where a cue number or timing line")]
    [InlineData("", 1, "the file has no cues")]
    [InlineData("\r\n  \r\n", 1, "the file has no cues")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}\n", 1, "the file has no cues")]
    public void Broken_subrip_is_refused_naming_the_line(string text, int line, string message)
    {
        var error = Refused(text);

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"Line {line}: {message}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cue_of_1000_characters_is_read_and_one_of_1001_is_refused_naming_its_timing_line()
    {
        var longest = new string('x', 1000);

        Assert.Equal(longest, Assert.Single(CaptionFiles.Parse($"1\n00:00:01,000 --> 00:00:02,000\n{longest}\n").Cues).Text);
        var error = Refused($"1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 --> 00:00:04,000\n{longest}\nx\n");
        Assert.Equal(6, error.Line);
        Assert.Contains("has 1002 characters of text; a cue holds at most 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_MaxCues_cues_is_read_and_one_more_is_refused_naming_the_cue_too_many()
    {
        static string File(int cues)
        {
            var srt = new StringBuilder();
            for (var k = 0; k < cues; k++)
                srt.Append(SrtTime(TimeSpan.FromSeconds(k))).Append(" --> ").Append(SrtTime(TimeSpan.FromSeconds(k + 1))).Append("\nx\n\n");
            return srt.ToString();
        }

        Assert.Equal(CaptionFiles.MaxCues, CaptionFiles.Parse(File(CaptionFiles.MaxCues)).Cues.Count);
        var error = Refused(File(CaptionFiles.MaxCues + 1));
        Assert.Equal((3 * CaptionFiles.MaxCues) + 1, error.Line);
        Assert.Contains("at most 20000 cues", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_lines_of_braces_tags_and_dashes_are_read_in_linear_time()
    {
        const int n = 200_000;
        var watch = Stopwatch.StartNew();

        Refused($"[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{new string('{', n)}x\n");
        var tags = string.Concat(Enumerable.Repeat("<i>", n)) + string.Concat(Enumerable.Repeat("</b>", n));
        var cue = Assert.Single(CaptionFiles.Parse($"1\n00:00:01,000 --> 00:00:02,000\n{tags}x{new string('-', n)}>\n").Cues);

        Assert.Equal(string.Concat(Enumerable.Repeat("<i>", 16)) + "x-&gt;" + string.Concat(Enumerable.Repeat("</i>", 16)), cue.Text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    private const string Vtt = """
        WEBVTT - Made by hand
        Kind: captions
        Language: en

        NOTE This comment
        spans two lines

        STYLE
        ::cue { color: yellow }

        REGION
        id:fred
        width:40%

        intro
        00:00:01.000 --> 00:00:04.000 align:start position:10% region:fred
        <v Roger Bingham>We are in New York City</v>

        00:00:05.000 --> 00:00:08.000
        <c.loud>Karaoke</c> <00:00:06.000>time<00:00:07.000>stamps
        <lang en-GB>colour</lang> <ruby>漢<rt>kan</rt></ruby>

        NOTE between cues

        3
        00:00:09.000 --> 00:00:10.000
        <i.foreign>Bonjour</i> &amp; &lt;hi&gt; &nbsp; Q&A &copy; &#233; &#1;
        """;

    [Fact]
    public void WebVtt_blocks_identifiers_settings_voices_classes_and_timestamps_are_read_as_plain_cues()
    {
        var document = CaptionFiles.Parse(Vtt);

        Assert.Equal(
            [
                Cue(1000, 4000, "We are in New York City"),
                Cue(5000, 8000, "Karaoke timestamps\ncolour 漢kan"),
                Cue(9000, 10000, "<i>Bonjour</i> &amp; &lt;hi&gt; &nbsp; Q&amp;A © &#233; &amp;#1;"),
            ],
            document.Cues);
    }

    [Fact]
    public void A_webvtt_cue_missing_its_blank_line_ends_at_the_next_timing_line_and_an_arrow_in_text_is_defused()
    {
        var document = CaptionFiles.ParseWebVtt("WEBVTT\n00:00:01.000 --> 00:00:02.000\nA --> B\n00:00:03.000 --> 00:00:04.000\nC\n");

        Assert.Equal([Cue(1000, 2000, "A -&gt; B"), Cue(3000, 4000, "C")], document.Cues);
    }

    [Theory]
    [InlineData("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nA\n", 1, "a WebVTT file starts with a line reading WEBVTT")]
    [InlineData("WEBVTT\n\nid\nnot a timing line\n", 4, "'not a timing line' is where the timing line of cue 'id' should be")]
    [InlineData("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\nstray text\n", 6, "'stray text' is where a timing line")]
    [InlineData("WEBVTT\n\n00:00:01 --> 00:00:02 align:start\nA\n", 3, "'00:00:01 --> 00:00:02 align:start' is not a timing line; expected 00:00:01.000 --> 00:00:02.000.")]
    [InlineData("WEBVTT\n\nNOTE only a note\n", 1, "the file has no cues")]
    public void Broken_webvtt_is_refused_naming_the_line(string text, int line, string message)
    {
        var error = Assert.Throws<CaptionFormatException>(() => CaptionFiles.ParseWebVtt(text));

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"Line {line}: {message}", error.Message, StringComparison.Ordinal);
    }

    private const string Ass = """
        [Script Info]
        ScriptType: v4.00+

        [V4+ Styles]
        Format: Name, Fontname
        Style: Default,Arial

        [Events]
        Format: Start, End, Style, Text
        Comment: 0:00:00.00,0:00:05.00,Default,Not shown
        Dialogue: 0:00:03.00,0:00:04.50,Default,Second, with, commas
        Dialogue: 0:00:01.00,0:00:02.00,Default,{\an8\i1}First{\i0} line\NSecond\nThird\hword
        Dialogue: 0:00:05.00,0:00:06.00,Default,{\p1}m 0 0 l 100 0 100 100{\p0}After drawing
        Dialogue: 0:00:07.00,0:00:08.00,Default,{\pos(1,2)\p2}m 0 0 l 100 0{\p0}
        Dialogue: 0:00:09.00,0:00:10.00,Default,a < b & c --> d {unclosed

        [Fonts]
        fontname: x.ttf
        Dialogue: not an event, this is font data
        """;

    [Fact]
    public void Ass_dialogue_follows_its_format_line_keeps_commas_and_drops_comments_styling_and_drawings()
    {
        var document = CaptionFiles.Parse(Ass);

        Assert.Equal(
            [
                Cue(1000, 2000, "First line\nSecond\nThird word"),
                Cue(3000, 4500, "Second, with, commas"),
                Cue(5000, 6000, "After drawing"),
                Cue(9000, 10000, "a &lt; b &amp; c -&gt; d {unclosed"),
            ],
            document.Cues);
        AssertSafe(document);
    }

    [Fact]
    public void Ssa_v4_with_marked_fields_is_read()
    {
        var ssa = """
            [Script Info]
            ScriptType: v4.00

            [Events]
            Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            Dialogue: Marked=0,0:00:01.50,0:00:02.00,*Default,NTP,0000,0000,0000,,Old style, with commas
            """;

        Assert.Equal([Cue(1500, 2000, "Old style, with commas")], CaptionFiles.Parse(ssa).Cues);
    }

    [Fact]
    public void An_events_section_alone_makes_a_file_ass_and_without_a_format_line_the_standard_fields_are_used()
    {
        var document = CaptionFiles.Parse("[Events]\r\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi, there\r\n");

        Assert.Equal([Cue(1000, 2000, "Hi, there")], document.Cues);
    }

    [Theory]
    [InlineData("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Fine\nDialogue: 0,0:0x:03.00,0:00:04.00,Default,,0,0,0,,Bad", 4, "'0:0x:03.00' is not a time; ASS times are written H:MM:SS.cc")]
    [InlineData("Dialogue: 0,0:00:05.00,0:00:04.00,Default,,0,0,0,,Backwards", 3, "the cue ends at 00:00:04.000, before its start 00:00:05.000")]
    [InlineData("Dialogue: 0,0:00:01.00,0:00:02.00", 3, "this Dialogue line has 3 fields where the Format line names 10")]
    [InlineData("Format: Layer, Start, End, Style\nDialogue: 0,0:00:01.00,0:00:02.00,Default", 3, "the Format line names no Text field")]
    [InlineData("Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Only a comment", 1, "the file has no cues")]
    public void Broken_ass_is_refused_naming_the_line(string events, int line, string message)
    {
        var error = Refused($"[Script Info]\n[Events]\n{events}\n");

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"Line {line}: {message}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WebVtt_is_written_with_hours_always_and_a_blank_line_after_every_cue()
    {
        var document = new CaptionDocument([Cue(1000, 2500, "Hello\n<i>world</i>"), Cue(363_600_000, 363_601_005, "Late")]);

        Assert.Equal(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n<i>world</i>\n\n101:00:00.000 --> 101:00:01.005\nLate\n\n",
            CaptionFiles.ToWebVtt(document));
    }

    [Fact]
    public void A_cue_that_ends_as_it_starts_shows_nothing_and_is_dropped_in_every_format()
    {
        var srt = CaptionFiles.ParseSubRip("1\n00:00:05,000 --> 00:00:05,000\nGone\n\n2\n00:00:06,000 --> 00:00:07,000\nKept\n");
        var vtt = CaptionFiles.ParseWebVtt("WEBVTT\n\n00:05.000 --> 00:05.000\nGone\n\n00:06.000 --> 00:07.000\nKept\n");
        var ass = CaptionFiles.ParseAss("[Events]\nFormat: Layer, Start, End, Style, Text\nDialogue: 0,0:00:05.00,0:00:05.00,Default,Gone\nDialogue: 0,0:00:06.00,0:00:07.00,Default,Kept\n");

        foreach (var document in new[] { srt, vtt, ass })
            Assert.Equal("Kept", Assert.Single(document.Cues).Text);
    }

    [Fact]
    public void The_timestamp_map_header_maps_cue_time_zero_to_the_given_mpegts_time()
    {
        var vtt = CaptionFiles.ToWebVtt(new CaptionDocument([Cue(0, 1000, "A")]), 900_000);

        Assert.Equal("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:00:00.000 --> 00:00:01.000\nA\n\n", vtt);
    }

    public static TheoryData<string> Corpus() => new()
    {
        Vtt,
        Ass,
        "1\n00:00:01,000 --> 00:00:02,000\n<b>Bold <i>both</b> & <3 --> <font>x</font>\n{\\an8}&amp; &eacute; &#x1F600;\n",
        "\uFEFF00:00:02,000 --> 00:00:03,000\r\n  <u>a</u>\t<i>\r\n</i>b\r\n\r\n00:00:01,000 --> 00:00:05,000\r\nsecond < \"quoted\"\r\n",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void What_is_written_reads_back_as_the_same_document(string file)
    {
        var document = CaptionFiles.Parse(file);

        AssertSafe(document);
        Assert.Equal(document, CaptionFiles.Parse(CaptionFiles.ToWebVtt(document)));
        Assert.Equal(document, CaptionFiles.Parse(CaptionFiles.ToWebVtt(document, 126_000)));
    }

    [Theory]
    [InlineData("srt")]
    [InlineData("vtt")]
    [InlineData("ass")]
    public void Any_mix_of_awkward_fragments_becomes_a_payload_that_is_written_and_reads_back_unchanged(string format)
    {
        string[] fragments =
        [
            "<i>", "</i>", "<B>", "</b>", "<u>", "</U>", "<font color=red>", "</font>", "<v Bob>", "<00:00:01.000>", "{\\an8}",
            "{\\p1}", "{\\p0}", "\\N", "\\h", "&", "&amp;", "&lt;", "&#1;", "&#233;", "&eacute;", "&bogus;", "<", ">", "-", "--",
            "-->", " ", "\t", "\u0007", "\u00A0", "\n", "\n \n", "x", "Wort", "😀",
        ];
        var random = new Random(17);
        var read = 0;
        for (var round = 0; round < 500; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => fragments[random.Next(fragments.Length)]));
            var file = format switch
            {
                "srt" => $"1\n00:00:01,000 --> 00:00:02,000\n{text}\n\n2\n00:00:03,000 --> 00:00:04,000\nend\n",
                "vtt" => $"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{text}\n\n00:00:03.000 --> 00:00:04.000\nend\n",
                _ => $"[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{text.Replace("\n", "", StringComparison.Ordinal)}\n"
                    + "Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,end\n",
            };

            CaptionDocument document;
            try
            {
                document = CaptionFiles.Parse(file);
            }
            catch (CaptionFormatException) when (format != "ass")
            {
                continue; // a fragment ending the cue early can leave text where a timing line belongs
            }

            AssertSafe(document);
            Assert.Equal(document, CaptionFiles.Parse(CaptionFiles.ToWebVtt(document)));
            read++;
        }
        Assert.True(read > 300, $"only {read} of 500 files were read");
    }

    [Fact]
    public void Documents_with_equal_cues_are_equal_and_different_cues_are_not()
    {
        Assert.Equal(new CaptionDocument([Cue(0, 1, "a")]), new CaptionDocument([Cue(0, 1, "a")]));
        Assert.Equal(new CaptionDocument([Cue(0, 1, "a")]).GetHashCode(), new CaptionDocument([Cue(0, 1, "a")]).GetHashCode());
        Assert.NotEqual(new CaptionDocument([Cue(0, 1, "a")]), new CaptionDocument([Cue(0, 1, "b")]));
        Assert.NotEqual(new CaptionDocument([Cue(0, 1, "a")]), new CaptionDocument([Cue(0, 1, "a"), Cue(0, 1, "a")]));
    }

    [Theory]
    [InlineData("two\n\nparagraphs")]
    [InlineData("an arrow --> here")]
    [InlineData("<script>x</script>")]
    [InlineData("<i>unclosed")]
    [InlineData("  padded")]
    [InlineData("bell\u0007")]
    [InlineData("")]
    public void A_hand_built_cue_whose_text_is_not_a_safe_payload_is_not_written(string text)
    {
        Assert.Throws<ArgumentException>(() => CaptionFiles.ToWebVtt(new CaptionDocument([Cue(0, 1000, text)])));
    }

    [Fact]
    public void A_hand_built_document_with_backwards_or_unsorted_cues_or_a_bad_timestamp_map_is_not_written()
    {
        Assert.Throws<ArgumentException>(() => CaptionFiles.ToWebVtt(new CaptionDocument([Cue(1000, 1000, "a")])));
        Assert.Throws<ArgumentException>(() => CaptionFiles.ToWebVtt(new CaptionDocument([Cue(2000, 3000, "a"), Cue(1000, 3000, "b")])));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptionFiles.ToWebVtt(new CaptionDocument([Cue(0, 1000, "a")]), -1));
    }
}
