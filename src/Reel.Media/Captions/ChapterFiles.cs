using System.Globalization;
using System.Text;

namespace Reel.Media;

/// <summary>Reads and writes WebVTT chapters files: cues whose text is the title of the chapter starting there.</summary>
public static class ChapterFiles
{
    // Titles show on a timeline and in a list; longer ones are cut.
    private const int MaxTitleLength = 200;

    /// <summary>
    /// The chapters of a WebVTT chapters file, sorted by start; of chapters starting at the same time the first in the
    /// file is kept. Cue end times only need to be after their start. Errors (an empty title among them) are
    /// <see cref="CaptionFormatException"/> naming the line.
    /// </summary>
    public static IReadOnlyList<Chapter> ParseWebVtt(string text)
    {
        var chapters = new List<Chapter>();
        foreach (var cue in WebVttReader.Read(text))
        {
            var payload = CueText.FromWebVtt(cue.Text);
            var title = payload is null ? "" : Title(CueText.ToPlain(payload));
            if (title.Length == 0)
            {
                throw new CaptionFormatException(cue.Line,
                    $"the chapter starting at {CueTimes.Format(cue.Start)} has no title; write its title on the line after the timing line.");
            }
            if (chapters.Count == CaptionFiles.MaxCues)
            {
                throw new CaptionFormatException(cue.Line, string.Create(CultureInfo.InvariantCulture,
                    $"this is chapter {CaptionFiles.MaxCues + 1}; a chapters file holds at most {CaptionFiles.MaxCues}."));
            }
            chapters.Add(new Chapter(cue.Start.TotalSeconds, title));
        }
        if (chapters.Count == 0)
            throw new CaptionFormatException(1, "the file has no cues, so no chapters: each chapter is a timing line followed by its title.");
        // OrderBy is stable, so DistinctBy keeps the chapter that came first in the file.
        return [.. chapters.OrderBy(c => c.StartSeconds).DistinctBy(c => c.StartSeconds)];
    }

    /// <summary>
    /// A WebVTT chapters file of the chapters, each ending where the next starts and the last at
    /// <paramref name="durationSeconds"/>. Times are written to the millisecond; chapters are sorted, of chapters
    /// starting in the same millisecond the first is kept, and chapters starting at or after the end are left out.
    /// </summary>
    /// <exception cref="ArgumentException">A start or the duration is not a finite, non-negative number, or a title is empty.</exception>
    public static string ToWebVtt(IReadOnlyList<Chapter> chapters, double durationSeconds)
    {
        ArgumentNullException.ThrowIfNull(chapters);
        var duration = Millis(durationSeconds, nameof(durationSeconds));
        var entries = chapters
            .Select((c, k) => (Start: Millis(c.StartSeconds, nameof(chapters)), Title: Title(c.Title ?? ""), Index: k))
            .Where(c => c.Start < duration)
            .OrderBy(c => c.Start)
            .DistinctBy(c => c.Start)
            .ToList();
        var vtt = new StringBuilder("WEBVTT\n\n");
        for (var k = 0; k < entries.Count; k++)
        {
            if (entries[k].Title.Length == 0)
                throw new ArgumentException($"Chapter {entries[k].Index} has no title.", nameof(chapters));
            var end = k + 1 < entries.Count ? entries[k + 1].Start : duration;
            vtt.Append(CueTimes.Format(TimeSpan.FromMilliseconds(entries[k].Start))).Append(" --> ")
                .Append(CueTimes.Format(TimeSpan.FromMilliseconds(end))).Append('\n')
                .Append(CueText.Escape(entries[k].Title)).Append("\n\n");
        }
        return vtt.ToString();
    }

    private static string Title(string text)
    {
        var title = CueText.PlainLine(text);
        if (title.Length <= MaxTitleLength) return title;
        var cut = char.IsHighSurrogate(title[MaxTitleLength - 1]) ? MaxTitleLength - 1 : MaxTitleLength;
        return title[..cut].TrimEnd();
    }

    private static long Millis(double seconds, string parameter) =>
        double.IsFinite(seconds) && seconds >= 0
            ? (long)Math.Round(seconds * 1000, MidpointRounding.AwayFromZero)
            : throw new ArgumentOutOfRangeException(parameter, seconds, "Chapter times are finite and not negative.");
}
