using System.Text.RegularExpressions;

namespace Reel.Media.Tests;

public sealed partial class StoryboardPlanTests
{
    [Fact]
    public void A_one_minute_landscape_video_gets_30_tiles_on_one_sheet()
    {
        var plan = StoryboardPlan.For(60, 1920, 1080);

        Assert.Equal(new StoryboardPlan(IntervalSeconds: 2, TileCount: 30, TileWidth: 160, TileHeight: 90, Columns: 10, Rows: 3), plan);
        Assert.Equal(1, plan.SheetCount);
    }

    [Fact]
    public void A_one_hour_video_gets_at_most_200_tiles_on_full_10_by_10_sheets()
    {
        var plan = StoryboardPlan.For(3600, 1920, 1080);

        Assert.InRange(plan.TileCount, 1, StoryboardPlan.MaxTiles);
        Assert.Equal(0, plan.IntervalSeconds % LadderPlan.SegmentSeconds);
        Assert.Equal(18, plan.IntervalSeconds);
        Assert.Equal((10, 10), (plan.Columns, plan.Rows));
        Assert.Equal(2, plan.SheetCount);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(7)]
    [InlineData(399)]
    [InlineData(401)]
    [InlineData(3601)]
    [InlineData(6 * 3600)]
    public void Any_length_gets_at_most_200_tiles_at_a_multiple_of_the_segment_length_covering_the_whole_video(double duration)
    {
        var plan = StoryboardPlan.For(duration, 1280, 720);

        Assert.InRange(plan.TileCount, 1, StoryboardPlan.MaxTiles);
        Assert.Equal(0, plan.IntervalSeconds % LadderPlan.SegmentSeconds);
        Assert.True(plan.TileCount * plan.IntervalSeconds >= duration, "The tiles must reach the end of the video.");
        Assert.True((plan.TileCount - 1) * plan.IntervalSeconds < duration, "No tile may start after the end of the video.");
        Assert.True(plan.SheetCount * plan.Columns * plan.Rows >= plan.TileCount);
    }

    [Fact]
    public void Portrait_video_gets_portrait_tiles()
    {
        var plan = StoryboardPlan.For(60, 1080, 1920);

        Assert.Equal((90, 160), (plan.TileWidth, plan.TileHeight));
    }

    [Fact]
    public void Tiles_of_an_unusual_aspect_have_an_even_short_side()
    {
        var plan = StoryboardPlan.For(60, 720, 540);

        Assert.Equal((160, 120), (plan.TileWidth, plan.TileHeight));
        Assert.Equal(0, StoryboardPlan.For(60, 1000, 417).TileHeight % 2);
    }

    [Fact]
    public void The_WebVTT_has_a_header_and_one_cue_per_tile_in_hh_mm_ss_mmm()
    {
        var plan = StoryboardPlan.For(61, 1920, 1080);

        var vtt = plan.WebVtt(61, sheet => $"storyboard/g-{sheet}.jpg");

        Assert.StartsWith("WEBVTT\n\n", vtt, StringComparison.Ordinal);
        var cues = Cues(vtt);
        Assert.Equal(plan.TileCount, cues.Count);
        Assert.Equal(31, cues.Count);
        Assert.Equal(("00:00:00.000", "00:00:02.000"), (cues[0].Start, cues[0].End));
        Assert.Equal(("00:00:02.000", "00:00:04.000"), (cues[1].Start, cues[1].End));
        Assert.Equal(("00:01:00.000", "00:01:01.000"), (cues[^1].Start, cues[^1].End));
    }

    [Fact]
    public void The_last_cue_ends_at_the_duration_even_in_the_middle_of_an_interval()
    {
        var plan = StoryboardPlan.For(3725.25, 1920, 1080);

        var cues = Cues(plan.WebVtt(3725.25, _ => "s.jpg"));

        Assert.Equal("01:02:05.250", cues[^1].End);
        Assert.All(cues.Zip(cues.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Start));
    }

    [Fact]
    public void Cue_fragments_move_across_columns_then_rows_then_to_the_next_sheet()
    {
        var plan = StoryboardPlan.For(3600, 1920, 1080);

        var cues = Cues(plan.WebVtt(3600, sheet => $"storyboard/g-{sheet}.jpg"));

        Assert.Equal("storyboard/g-0.jpg#xywh=0,0,160,90", cues[0].Target);
        Assert.Equal("storyboard/g-0.jpg#xywh=160,0,160,90", cues[1].Target);
        Assert.Equal("storyboard/g-0.jpg#xywh=1440,0,160,90", cues[9].Target);
        Assert.Equal("storyboard/g-0.jpg#xywh=0,90,160,90", cues[10].Target);
        Assert.Equal("storyboard/g-0.jpg#xywh=480,180,160,90", cues[23].Target);
        Assert.Equal("storyboard/g-0.jpg#xywh=1440,810,160,90", cues[99].Target);
        Assert.Equal("storyboard/g-1.jpg#xywh=0,0,160,90", cues[100].Target);
        Assert.Equal("storyboard/g-1.jpg#xywh=1440,810,160,90", cues[199].Target);
    }

    private static List<(string Start, string End, string Target)> Cues(string vtt) =>
        [.. CuePattern().Matches(vtt).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value))];

    [GeneratedRegex(@"\n(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})\n([^\n]+)\n")]
    private static partial Regex CuePattern();
}
