using System.Globalization;
using System.Text.RegularExpressions;

namespace Reel.Media;

/// <summary>Lines, times and timing lines as the caption formats write them, read liberally.</summary>
internal static partial class CueTimes
{
    /// <summary>
    /// The lines of a file (CRLF, CR or LF), without a leading BOM and without trailing white space, so a line of
    /// spaces counts as blank. Line n of a person's editor is element n - 1.
    /// </summary>
    public static List<string> Lines(string text)
    {
        var lines = new List<string>();
        var start = text.StartsWith('\uFEFF') ? 1 : 0;
        for (var i = start; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] is not ('\r' or '\n')) continue;
            lines.Add(text[start..i].TrimEnd());
            if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n') i++;
            start = i + 1;
        }
        return lines;
    }

    /// <summary>
    /// A time as SubRip, WebVTT and ASS write it: <c>[h:]mm:ss</c> then <c>,</c> or <c>.</c> and 1–3 fraction digits
    /// (<c>,5</c> is 500 ms, ASS's centiseconds <c>.25</c> are 250 ms); hours have 1–3 digits.
    /// </summary>
    public static TimeSpan? ParseTime(string text)
    {
        var m = Time().Match(text);
        if (!m.Success) return null;
        var hours = m.Groups["h"].Success ? Number(m.Groups["h"].ValueSpan) : 0;
        var minutes = Number(m.Groups["m"].ValueSpan);
        var seconds = Number(m.Groups["s"].ValueSpan);
        var millis = Number(m.Groups["f"].Value.PadRight(3, '0'));
        if (minutes > 59 || seconds > 59) return null;
        return new TimeSpan(0, hours, minutes, seconds, millis);
    }

    /// <summary>
    /// The start and end of a timing line <c>start --&gt; end [settings]</c>; whatever follows the end (WebVTT cue
    /// settings, SubRip's X1:… coordinates) is ignored. False when the line is no timing line.
    /// </summary>
    public static bool TryParseTiming(string line, out TimeSpan start, out TimeSpan end)
    {
        start = end = default;
        var arrow = line.IndexOf("-->", StringComparison.Ordinal);
        if (arrow < 0) return false;
        var (left, right) = Sides(line, arrow);
        if (ParseTime(left) is not { } s || ParseTime(right) is not { } e) return false;
        (start, end) = (s, e);
        return true;
    }

    /// <summary><c>hh:mm:ss.fff</c> (or with another separator); hours always, at least two digits.</summary>
    public static string Format(TimeSpan time, char separator = '.')
    {
        var totalMillis = time.Ticks / TimeSpan.TicksPerMillisecond;
        var hours = totalMillis / 3_600_000;
        var minutes = totalMillis / 60_000 % 60;
        var seconds = totalMillis / 1000 % 60;
        var millis = totalMillis % 1000;
        return string.Create(CultureInfo.InvariantCulture, $"{hours:00}:{minutes:00}:{seconds:00}{separator}{millis:000}");
    }

    /// <summary>The error for a line that holds "-->" but is no timing line, suggesting the line it probably meant.</summary>
    public static CaptionFormatException Malformed(int line, string text, char separator)
    {
        var arrow = text.IndexOf("-->", StringComparison.Ordinal);
        var example = string.Create(CultureInfo.InvariantCulture, $"00:01:02{separator}000 --> 00:01:05{separator}000");
        var (left, right) = arrow < 0 ? ("", "") : Sides(text, arrow);
        var expected = Suggest(left, separator) is { } s && Suggest(right, separator) is { } e ? $"{s} --> {e}" : $"a line like {example}";
        return new CaptionFormatException(line, $"{Quote(text)} is not a timing line; expected {expected}.");
    }

    /// <summary>The error for a cue that ends before it starts (one that ends as it starts shows nothing and is dropped).</summary>
    public static CaptionFormatException NotAfter(int line, TimeSpan start, TimeSpan end, char separator) =>
        new(line, $"the cue ends at {Format(end, separator)}, before its start {Format(start, separator)}; "
            + "make the end time later than the start time.");

    /// <summary>A line of the file as it can appear in a message: quoted, without control characters, at most 60 characters.</summary>
    public static string Quote(string text)
    {
        var clean = new string(text.Trim().Where(c => !char.IsControl(c)).ToArray());
        return $"'{(clean.Length > 60 ? clean[..57] + "..." : clean)}'";
    }

    private static (string Left, string Right) Sides(string line, int arrow)
    {
        var right = line[(arrow + 3)..].TrimStart();
        var space = right.IndexOfAny([' ', '\t']);
        return (line[..arrow].Trim(), space < 0 ? right : right[..space]);
    }

    // A side of a timing line written the way people get wrong most often: without milliseconds (00:01:02).
    private static string? Suggest(string side, char separator)
    {
        if (ParseTime(side) is { } time) return Format(time, separator);
        return ParseTime(side + ",000") is { } whole ? Format(whole, separator) : null;
    }

    private static int Number(ReadOnlySpan<char> digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?:(?<h>[0-9]{1,3}):)?(?<m>[0-9]{1,2}):(?<s>[0-9]{1,2})[,.](?<f>[0-9]{1,3})\z")]
    private static partial Regex Time();
}
