namespace Reel.Media.Tests;

public sealed class ChapterFilesTests
{
    [Fact]
    public void Chapters_are_sorted_by_start_with_titles_as_plain_text_and_a_repeated_start_keeps_the_first()
    {
        var vtt = "\uFEFFWEBVTT\r\n\r\nNOTE made by an editor\r\n\r\n"
            + "ch2\r\n00:05:00.000 --> 00:10:00.000\r\n<b>Part two</b> &amp; <v Host>Q&amp;A</v>\r\nsecond line  \r\n\r\n"
            + "00:00:00.000 --> 00:05:00.000\r\nIntro &lt;3 &eacute;t&eacute;\r\n\r\n"
            + "00:05:00.000 --> 00:06:00.000\r\nSame start, later in the file\r\n\r\n"
            + "00:01:30.250 --> 00:02:00.000 align:start\r\n  Middle\u0007  \r\n";

        var chapters = ChapterFiles.ParseWebVtt(vtt);

        Assert.Equal(
            [new Chapter(0, "Intro <3 été"), new Chapter(90.25, "Middle"), new Chapter(300, "Part two & Q&A second line")],
            chapters);
    }

    [Theory]
    [InlineData("WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nIntro\n\n00:01:00.000 --> 00:02:00.000\n<i></i>\n", 6)]
    [InlineData("WEBVTT\n\n00:00:00.000 --> 00:01:00.000\n\n00:01:00.000 --> 00:02:00.000\nNext\n", 3)]
    public void A_chapter_without_a_title_is_refused_naming_its_timing_line(string vtt, int line)
    {
        var error = Assert.Throws<CaptionFormatException>(() => ChapterFiles.ParseWebVtt(vtt));

        Assert.Equal(line, error.Line);
        Assert.Contains("has no title", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Chapter 1\n00:00:00.000 --> 00:01:00.000\nIntro\n", 1, "a WebVTT file starts with a line reading WEBVTT")]
    [InlineData("WEBVTT\n\n00:01:00.000 --> 00:00:30.000\nBackwards\n", 3, "the cue ends at 00:00:30.000, before its start 00:01:00.000")]
    [InlineData("WEBVTT\n", 1, "the file has no cues")]
    public void A_broken_chapters_file_is_refused_naming_the_line(string vtt, int line, string message)
    {
        var error = Assert.Throws<CaptionFormatException>(() => ChapterFiles.ParseWebVtt(vtt));

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"Line {line}: {message}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_title_longer_than_200_characters_is_cut_to_200()
    {
        var chapters = ChapterFiles.ParseWebVtt($"WEBVTT\n\n00:00:00.000 --> 00:01:00.000\n{new string('a', 199)}😀 and more\n");

        Assert.Equal(new string('a', 199), Assert.Single(chapters).Title);
    }

    [Fact]
    public void Chapters_are_written_each_ending_where_the_next_starts_and_the_last_at_the_duration()
    {
        var vtt = ChapterFiles.ToWebVtt([new Chapter(0, "Intro"), new Chapter(300.5, "Tom & Jerry <3 -->")], 600);

        Assert.Equal(
            "WEBVTT\n\n00:00:00.000 --> 00:05:00.500\nIntro\n\n00:05:00.500 --> 00:10:00.000\nTom &amp; Jerry &lt;3 --&gt;\n\n",
            vtt);
    }

    [Fact]
    public void Written_chapters_read_back_as_the_same_chapters()
    {
        IReadOnlyList<Chapter> chapters = [new Chapter(0, "Intro"), new Chapter(61.125, "Tom & Jerry <3"), new Chapter(0.1, "&amp; as text é")];

        var read = ChapterFiles.ParseWebVtt(ChapterFiles.ToWebVtt(chapters, 3600));

        Assert.Equal(chapters.OrderBy(c => c.StartSeconds), read);
    }

    [Fact]
    public void Unsorted_repeated_and_past_the_end_chapters_are_written_sorted_once_and_within_the_video()
    {
        var vtt = ChapterFiles.ToWebVtt(
            [new Chapter(20, "Second"), new Chapter(0, "First"), new Chapter(20.0001, "Same millisecond"), new Chapter(30, "At the end")],
            30);

        Assert.Equal("WEBVTT\n\n00:00:00.000 --> 00:00:20.000\nFirst\n\n00:00:20.000 --> 00:00:30.000\nSecond\n\n", vtt);
    }

    [Fact]
    public void Chapters_with_impossible_times_or_an_empty_title_are_not_written()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapterFiles.ToWebVtt([new Chapter(double.NaN, "x")], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapterFiles.ToWebVtt([new Chapter(-1, "x")], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChapterFiles.ToWebVtt([new Chapter(0, "x")], double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => ChapterFiles.ToWebVtt([new Chapter(0, " \n ")], 10));
    }
}
