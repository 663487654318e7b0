using System.Globalization;
using System.Text;

namespace Reel.Media;

/// <summary>The layout of a storyboard: tiles every <see cref="IntervalSeconds"/>, 10 per row, up to 100 per sprite sheet.</summary>
public sealed record StoryboardPlan(int IntervalSeconds, int TileCount, int TileWidth, int TileHeight, int Columns, int Rows)
{
    /// <summary>Most tiles a storyboard has, whatever the length of the video.</summary>
    public const int MaxTiles = 200;

    private const int TilesPerSheet = 100;
    private const int LongSide = 160;

    /// <summary>Plans tiles at a multiple of the segment length (where our keyframes are), at most <see cref="MaxTiles"/>.</summary>
    public static StoryboardPlan For(double durationSeconds, int displayWidth, int displayHeight)
    {
        var step = LadderPlan.SegmentSeconds;
        var interval = step * Math.Max(1, (int)Math.Ceiling(durationSeconds / MaxTiles / step));
        var tiles = Math.Max(1, (int)Math.Ceiling(durationSeconds / interval));
        var landscape = displayWidth >= displayHeight;
        var other = Math.Max(2, (int)Math.Round((double)LongSide * Math.Min(displayWidth, displayHeight) / Math.Max(displayWidth, displayHeight) / 2) * 2);
        const int columns = 10;
        var rows = Math.Min(TilesPerSheet / columns, (int)Math.Ceiling(Math.Min(tiles, TilesPerSheet) / (double)columns));
        return new StoryboardPlan(interval, tiles, landscape ? LongSide : other, landscape ? other : LongSide, columns, rows);
    }

    /// <summary>Number of sprite sheets ffmpeg writes.</summary>
    public int SheetCount => (TileCount + (Columns * Rows) - 1) / (Columns * Rows);

    /// <summary>The WebVTT file: one cue per tile pointing into its sheet with a media fragment.</summary>
    public string WebVtt(double durationSeconds, Func<int, string> sheetUri)
    {
        var text = new StringBuilder("WEBVTT\n");
        var perSheet = Columns * Rows;
        for (var i = 0; i < TileCount; i++)
        {
            var start = (double)i * IntervalSeconds;
            var end = Math.Min(start + IntervalSeconds, Math.Max(durationSeconds, start + 0.001));
            var inSheet = i % perSheet;
            var x = inSheet % Columns * TileWidth;
            var y = inSheet / Columns * TileHeight;
            text.Append(CultureInfo.InvariantCulture, $"\n{Time(start)} --> {Time(end)}\n{sheetUri(i / perSheet)}#xywh={x},{y},{TileWidth},{TileHeight}\n");
        }
        return text.ToString();
    }

    private static string Time(double seconds)
    {
        var t = TimeSpan.FromMilliseconds(Math.Round(seconds * 1000));
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds:000}");
    }
}
