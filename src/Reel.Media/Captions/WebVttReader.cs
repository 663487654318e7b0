namespace Reel.Media;

/// <summary>
/// Reads WebVTT: the WEBVTT header block, then blocks separated by blank lines. NOTE, STYLE and REGION blocks are
/// skipped; a cue is an optional identifier line, a timing line (settings after it ignored) and payload lines.
/// </summary>
internal static class WebVttReader
{
    private const char Separator = '.';

    /// <summary>True for a first line that makes a file WebVTT: "WEBVTT" alone or followed by a space or tab.</summary>
    public static bool IsHeader(string line) =>
        line.StartsWith("WEBVTT", StringComparison.Ordinal) && (line.Length == 6 || line[6] is ' ' or '\t');

    public static IEnumerable<RawCue> Read(string text)
    {
        var lines = CueTimes.Lines(text);
        if (lines.Count == 0 || !IsHeader(lines[0]))
        {
            throw new CaptionFormatException(1,
                "a WebVTT file starts with a line reading WEBVTT; this one does not. Add that line, or upload the file as SubRip (.srt).");
        }
        var i = 1;
        // Header lines (Kind:, Language:, X-TIMESTAMP-MAP=...) run up to the first blank line; a timing line there
        // means the writer left the blank line out.
        while (i < lines.Count && lines[i].Length > 0 && !lines[i].Contains("-->", StringComparison.Ordinal)) i++;

        while (i < lines.Count)
        {
            if (lines[i].Length == 0)
            {
                i++;
                continue;
            }
            if (IsBlock(lines[i], "NOTE") || IsBlock(lines[i], "STYLE") || IsBlock(lines[i], "REGION"))
            {
                while (i < lines.Count && lines[i].Length > 0) i++;
                continue;
            }
            var timing = i;
            if (!lines[i].Contains("-->", StringComparison.Ordinal))
            {
                timing = i + 1; // the first line is the cue's identifier
                if (timing >= lines.Count || lines[timing].Length == 0)
                {
                    throw new CaptionFormatException(i + 1,
                        $"{CueTimes.Quote(lines[i])} is where a timing line (like 00:00:01.000 --> 00:00:04.000) should be; "
                        + "if it belongs to the cue above, remove the blank line before it.");
                }
                if (!lines[timing].Contains("-->", StringComparison.Ordinal))
                {
                    throw new CaptionFormatException(timing + 1,
                        $"{CueTimes.Quote(lines[timing])} is where the timing line of cue {CueTimes.Quote(lines[i])} should be, "
                        + "like 00:00:01.000 --> 00:00:04.000.");
                }
            }
            if (!CueTimes.TryParseTiming(lines[timing], out var start, out var end))
                throw CueTimes.Malformed(timing + 1, lines[timing], Separator);
            if (end < start) throw CueTimes.NotAfter(timing + 1, start, end, Separator);

            var payload = new List<string>();
            i = timing + 1;
            while (i < lines.Count && lines[i].Length > 0 && !CueTimes.TryParseTiming(lines[i], out _, out _))
            {
                payload.Add(lines[i]);
                i++;
            }
            yield return new RawCue(timing + 1, start, end, payload);
        }
    }

    private static bool IsBlock(string line, string keyword) =>
        line.StartsWith(keyword, StringComparison.Ordinal) && (line.Length == keyword.Length || line[keyword.Length] is ' ' or '\t');
}
