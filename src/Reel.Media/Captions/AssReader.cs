namespace Reel.Media;

/// <summary>
/// Reads the Dialogue lines of an ASS/SSA file's [Events] section, in the field order its Format line gives. Other
/// sections (styles, embedded fonts and pictures) and other events (Comment, Picture, Sound, ...) are ignored.
/// </summary>
internal static class AssReader
{
    private const char Separator = '.';

    // What ASS v4+ and SSA v4 (whose first field is Marked=) write when a Format line is missing: the fields we use
    // sit at the same places in both.
    private static readonly string[] DefaultFormat = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"];

    /// <summary>True for a line naming a section that only ASS/SSA files have.</summary>
    public static bool IsAssSection(string line)
    {
        var name = line.Trim();
        return name.Equals("[Script Info]", StringComparison.OrdinalIgnoreCase) || name.Equals("[Events]", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Cues with their Dialogue line and the raw Text field (still with override blocks).</summary>
    public static IEnumerable<(int Line, TimeSpan Start, TimeSpan End, string Text)> Read(string text)
    {
        var lines = CueTimes.Lines(text);
        var inEvents = false;
        var format = DefaultFormat;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                inEvents = line.Equals("[Events]", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            if (!inEvents) continue;
            if (Field(line, "Format:") is { } names)
            {
                format = [.. names.Split(',').Select(n => n.Trim().ToLowerInvariant())];
                foreach (var needed in (string[])["start", "end", "text"])
                {
                    if (!format.Contains(needed))
                        throw new CaptionFormatException(i + 1, $"the Format line names no {needed[0..1].ToUpperInvariant()}{needed[1..]} field; it must name Start, End and Text.");
                }
                continue;
            }
            if (Field(line, "Dialogue:") is not { } dialogue) continue;

            // Text comes last and keeps its commas: split into as many fields as the Format names, no more.
            var fields = dialogue.Split(',', format.Length);
            if (fields.Length < format.Length)
            {
                throw new CaptionFormatException(i + 1,
                    $"this Dialogue line has {fields.Length} fields where the Format line names {format.Length} ({string.Join(", ", format)}).");
            }
            var start = Time(fields[Array.IndexOf(format, "start")], i + 1);
            var end = Time(fields[Array.IndexOf(format, "end")], i + 1);
            if (end < start) throw CueTimes.NotAfter(i + 1, start, end, Separator);
            yield return (i + 1, start, end, fields[Array.IndexOf(format, "text")]);
        }
    }

    private static string? Field(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? line[prefix.Length..].TrimStart() : null;

    private static TimeSpan Time(string field, int line) =>
        CueTimes.ParseTime(field.Trim()) ?? throw new CaptionFormatException(line,
            $"{CueTimes.Quote(field)} is not a time; ASS times are written H:MM:SS.cc, like 0:01:02.50.");
}
