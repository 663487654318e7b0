using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Reel.Media;

/// <summary>
/// Reads caption files (SubRip, WebVTT, ASS/SSA) as people's tools write them and writes WebVTT exactly. Text only
/// ever becomes text here: nothing of a cue is meant for a command line or a path.
/// </summary>
public static class CaptionFiles
{
    /// <summary>The most cues a file may have.</summary>
    public const int MaxCues = 20_000;

    private const string Unreadable = "Save it as UTF-8, or as UTF-16 with a byte order mark.";

    /// <summary>
    /// The text of a caption file: UTF-8 (with or without BOM), or UTF-16 LE/BE with a BOM; the BOM is not part of the
    /// text. Invalid UTF-8, NUL bytes, or UTF-16 without a BOM throw <see cref="CaptionFormatException"/> for line 1.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        string text;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            var bigEndian = bytes[0] == 0xFE;
            var body = bytes[2..];
            try
            {
                if (body.Length % 2 != 0) throw new DecoderFallbackException();
                text = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true).GetString(body);
            }
            catch (DecoderFallbackException)
            {
                throw new CaptionFormatException(1,
                    $"the file starts like UTF-16 ({(bigEndian ? "big" : "little")}-endian) but is not valid UTF-16; it may be cut short or damaged. {Unreadable}");
            }
        }
        else
        {
            var body = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;
            if (body.Contains((byte)0))
            {
                // UTF-16 without a BOM is mostly ASCII with a NUL byte beside every character.
                throw new CaptionFormatException(1,
                    $"the file contains NUL bytes: it is UTF-16 without a byte order mark, or not a text file. {Unreadable}");
            }
            var chars = new char[body.Length];
            if (Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                var line = body[..read].Count((byte)'\n') + 1;
                throw new CaptionFormatException(1, string.Create(CultureInfo.InvariantCulture,
                    $"the file is not UTF-8 text (the first byte that is not is at offset {read}, on line {line}); it is probably in a legacy encoding such as Windows-1252. {Unreadable}"));
            }
            text = new string(chars, 0, written);
        }
        if (text.Contains('\0', StringComparison.Ordinal))
            throw new CaptionFormatException(1, $"the file contains NUL characters, which no caption file has. {Unreadable}");
        return text;
    }

    /// <summary>
    /// Reads a caption file of any supported format, telling them apart by content: a WEBVTT first line means WebVTT,
    /// a [Script Info] or [Events] section means ASS/SSA, anything else is read as SubRip.
    /// </summary>
    public static CaptionDocument Parse(string text)
    {
        var lines = CueTimes.Lines(text);
        if (lines.Count > 0 && WebVttReader.IsHeader(lines[0])) return ParseWebVtt(text);
        return lines.Exists(AssReader.IsAssSection) ? ParseAss(text) : ParseSubRip(text);
    }

    /// <summary>Reads a SubRip (.srt) file; errors name the line as <see cref="CaptionFormatException"/>.</summary>
    public static CaptionDocument ParseSubRip(string text) =>
        Document(SubRipReader.Read(text).Select(c => (c.Line, c.Start, c.End, CueText.FromSubRip(c.Text))));

    /// <summary>Reads a WebVTT (.vtt) file; errors name the line as <see cref="CaptionFormatException"/>.</summary>
    public static CaptionDocument ParseWebVtt(string text) =>
        Document(WebVttReader.Read(text).Select(c => (c.Line, c.Start, c.End, CueText.FromWebVtt(c.Text))));

    /// <summary>
    /// Reads the Dialogue lines of an ASS/SSA (.ass, .ssa) file as plain-text cues (styling dropped); errors name
    /// the line as <see cref="CaptionFormatException"/>.
    /// </summary>
    public static CaptionDocument ParseAss(string text) =>
        Document(AssReader.Read(text).Select(c => (c.Line, c.Start, c.End, CueText.FromAss(c.Text))));

    /// <summary>
    /// The document as WebVTT: <c>WEBVTT</c>, an <c>X-TIMESTAMP-MAP</c> line mapping cue time 0 to
    /// <paramref name="mpegTs90kHz"/> when given (what players need for segmented subtitles), a blank line, then each
    /// cue as <c>hh:mm:ss.fff --&gt; hh:mm:ss.fff</c>, its text and a blank line.
    /// </summary>
    /// <exception cref="ArgumentException">A cue is not as <see cref="Parse"/> makes them: unsorted, not ending after
    /// it starts, or with text that is not a safe payload.</exception>
    public static string ToWebVtt(CaptionDocument document, long? mpegTs90kHz = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        // MPEG-TS timestamps are 33-bit.
        if (mpegTs90kHz is < 0 or >= 1L << 33) throw new ArgumentOutOfRangeException(nameof(mpegTs90kHz), mpegTs90kHz, "An MPEG-TS timestamp is 33 bits.");
        var vtt = new StringBuilder("WEBVTT\n");
        if (mpegTs90kHz is { } mpegTs)
            vtt.Append(CultureInfo.InvariantCulture, $"X-TIMESTAMP-MAP=MPEGTS:{mpegTs},LOCAL:00:00:00.000\n");
        vtt.Append('\n');
        var previous = TimeSpan.Zero;
        for (var k = 0; k < document.Cues.Count; k++)
        {
            var cue = document.Cues[k];
            var start = CueTimes.Format(cue.Start);
            var end = CueTimes.Format(cue.End);
            // The checks that keep a document built by hand from breaking the file: a payload that reads back as
            // itself cannot hold a blank line, "-->", or markup beyond <b>, <i>, <u>.
            var wholeMillis = TimeSpan.TicksPerMillisecond;
            if (cue.Start < previous || cue.Start < TimeSpan.Zero || cue.End.Ticks / wholeMillis <= cue.Start.Ticks / wholeMillis)
                throw new ArgumentException($"Cue {k} ({start} --> {end}) starts before the cue before it, or does not end at least a millisecond after it starts.", nameof(document));
            if (cue.Text is null || CueText.FromWebVtt(cue.Text.Split('\n')) != cue.Text)
                throw new ArgumentException($"Cue {k} ({start} --> {end}) has text that is not a safe WebVTT payload.", nameof(document));
            previous = cue.Start;
            vtt.Append(start).Append(" --> ").Append(end).Append('\n').Append(cue.Text).Append("\n\n");
        }
        return vtt.ToString();
    }

    private static CaptionDocument Document(IEnumerable<(int Line, TimeSpan Start, TimeSpan End, string? Text)> cues)
    {
        var kept = new List<CaptionCue>();
        foreach (var (line, start, end, text) in cues)
        {
            if (text is null) continue; // nothing visible: a cue that shows nothing is no cue
            // Zero-length cues are common in real files (and ASS tracks) and show nothing either: dropped, not refused.
            if (end == start) continue;
            if (text.Length > CueText.MaxLength)
            {
                throw new CaptionFormatException(line, string.Create(CultureInfo.InvariantCulture,
                    $"the cue starting here has {text.Length} characters of text; a cue holds at most {CueText.MaxLength}. Split it into shorter cues."));
            }
            if (kept.Count == MaxCues)
            {
                throw new CaptionFormatException(line, string.Create(CultureInfo.InvariantCulture,
                    $"this is cue {MaxCues + 1}; a caption file holds at most {MaxCues} cues. Split the file."));
            }
            kept.Add(new CaptionCue(start, end, text));
        }
        if (kept.Count == 0)
            throw new CaptionFormatException(1, "the file has no cues: no timing line followed by text was found. Is it a caption file?");
        return new CaptionDocument([.. kept.OrderBy(c => c.Start)]);
    }
}
