namespace Reel.Media;

/// <summary>
/// Reads SubRip blocks: an optional cue number, a timing line, text lines up to a blank line. A missing blank line
/// between cues is forgiven when the next cue's number and timing line make it plain where the new cue starts.
/// </summary>
internal static class SubRipReader
{
    private const char Separator = ',';

    public static IEnumerable<RawCue> Read(string text)
    {
        var lines = CueTimes.Lines(text);
        var i = 0;
        while (i < lines.Count)
        {
            if (lines[i].Length == 0)
            {
                i++;
                continue;
            }
            var timing = i;
            if (!lines[i].Contains("-->", StringComparison.Ordinal))
            {
                if (!IsNumber(lines[i]))
                {
                    throw new CaptionFormatException(i + 1,
                        $"{CueTimes.Quote(lines[i])} is where a cue number or timing line (like 00:00:01,000 --> 00:00:04,000) "
                        + "should be; if it belongs to the cue above, remove the blank line before it.");
                }
                timing = i + 1;
                if (timing >= lines.Count || !lines[timing].Contains("-->", StringComparison.Ordinal))
                {
                    throw new CaptionFormatException(i + 1,
                        $"cue number {lines[i].Trim()} is not followed by a timing line like 00:00:01,000 --> 00:00:04,000.");
                }
            }
            if (!CueTimes.TryParseTiming(lines[timing], out var start, out var end))
                throw CueTimes.Malformed(timing + 1, lines[timing], Separator);
            if (end < start) throw CueTimes.NotAfter(timing + 1, start, end, Separator);

            var body = new List<string>();
            i = timing + 1;
            while (i < lines.Count && lines[i].Length > 0 && !StartsCue(lines, i))
            {
                body.Add(lines[i]);
                i++;
            }
            yield return new RawCue(timing + 1, start, end, body);
        }
    }

    private static bool StartsCue(List<string> lines, int i) =>
        CueTimes.TryParseTiming(lines[i], out _, out _)
        || (IsNumber(lines[i]) && i + 1 < lines.Count && CueTimes.TryParseTiming(lines[i + 1], out _, out _));

    private static bool IsNumber(string line)
    {
        var text = line.AsSpan().Trim();
        return !text.IsEmpty && text.Length <= 9 && !text.ContainsAnyExceptInRange('0', '9');
    }
}
