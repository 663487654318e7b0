using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Media;

/// <summary>
/// Turns the text of a cue as files carry it into a safe WebVTT cue payload (see <see cref="CaptionCue"/>), and such a
/// payload into plain text. Every output is a fixed point: reading it again as WebVTT gives it back unchanged, which is
/// what lets <see cref="CaptionFiles.ToWebVtt"/> check a cue it did not make.
/// </summary>
internal static partial class CueText
{
    /// <summary>The most characters one cue's payload may have.</summary>
    public const int MaxLength = 1000;

    // Entities every WebVTT reader we serve knows (browsers, and ffmpeg's decoder that mpv uses): kept as written.
    private static readonly HashSet<string> KeptEntities = new(StringComparer.Ordinal) { "amp", "lt", "gt", "nbsp", "lrm", "rlm" };

    /// <summary>A SubRip cue's lines as a payload, or null when nothing visible is left.</summary>
    public static string? FromSubRip(IEnumerable<string> lines) => FromMarkup(lines, subRip: true);

    /// <summary>A WebVTT cue's lines as a payload, or null when nothing visible is left.</summary>
    public static string? FromWebVtt(IEnumerable<string> lines) => FromMarkup(lines, subRip: false);

    /// <summary>
    /// An ASS/SSA Dialogue text as a payload, or null when nothing visible is left: override blocks and drawings
    /// dropped, <c>\N</c> and <c>\n</c> as line breaks, <c>\h</c> as a space, everything else plain text.
    /// </summary>
    public static string? FromAss(string text)
    {
        var builder = new Builder();
        var drawing = false;
        var run = 0;
        var i = 0;
        var nextClose = -1; // the first '}' after the last '{' looked at (text.Length: none), so a line of '{' stays linear
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '{' && nextClose <= i)
            {
                nextClose = text.IndexOf('}', i + 1);
                if (nextClose < 0) nextClose = text.Length;
            }
            var close = c == '{' && nextClose < text.Length ? nextClose : -1;
            if (close > 0)
            {
                if (!drawing) builder.Text(text.AsSpan(run, i - run));
                // {\p1} starts a vector drawing whose "text" is path commands; {\p0} ends it.
                foreach (Match m in DrawingMode().Matches(text[(i + 1)..close]))
                    drawing = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) > 0;
                i = run = close + 1;
            }
            else if (c == '\\' && i + 1 < text.Length && text[i + 1] is 'N' or 'n' or 'h')
            {
                if (!drawing)
                {
                    builder.Text(text.AsSpan(run, i - run));
                    if (text[i + 1] == 'h') builder.Text(" ");
                    else builder.Break();
                }
                i = run = i + 2;
            }
            else
            {
                i++;
            }
        }
        if (!drawing) builder.Text(text.AsSpan(run));
        return builder.Build();
    }

    /// <summary>
    /// The plain text of a safe payload (as this class makes): tags dropped, entities decoded, lines and runs of white
    /// space joined by one space, trimmed.
    /// </summary>
    public static string ToPlain(string payload)
    {
        var text = new StringBuilder(payload.Length);
        var i = 0;
        while (i < payload.Length)
        {
            var c = payload[i];
            if (c == '<' && payload.IndexOf('>', i) is var end and > 0)
            {
                i = end + 1;
            }
            else if (c == '&' && EntityPattern().Match(payload, i) is { Success: true } m)
            {
                text.Append(WebUtility.HtmlDecode(m.Value));
                i += m.Length;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }
        return PlainLine(text.ToString());
    }

    /// <summary>Text as one clean line: control characters gone, white space runs as one space, trimmed.</summary>
    public static string PlainLine(string text)
    {
        var line = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = line.Length > 0;
                continue;
            }
            if (char.IsControl(c)) continue;
            if (space) line.Append(' ');
            space = false;
            line.Append(c);
        }
        return line.ToString();
    }

    /// <summary><c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> as entities, so the text can stand in a payload.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    private static string? FromMarkup(IEnumerable<string> lines, bool subRip)
    {
        var builder = new Builder();
        var first = true;
        foreach (var line in lines)
        {
            if (!first) builder.Break();
            first = false;
            AppendMarkup(builder, line, subRip);
        }
        return builder.Build();
    }

    private static void AppendMarkup(Builder builder, string line, bool subRip)
    {
        var run = 0;
        var i = 0;
        while (i < line.Length)
        {
            var m = line[i] switch
            {
                '<' when !subRip && TimestampPattern().Match(line, i) is { Success: true } timestamp => timestamp,
                '<' => TagPattern().Match(line, i),
                '&' => EntityPattern().Match(line, i),
                // SubRip files made from ASS carry its override blocks ({\an8}, {\i1}); players show them as text.
                '{' when subRip => OverridePattern().Match(line, i),
                _ => null,
            };
            if (m is not { Success: true })
            {
                i++;
                continue;
            }
            builder.Text(line.AsSpan(run, i - run));
            if (m.Groups["tag"].Success) Tag(builder, m, subRip);
            else if (m.Groups["entity"].Success) Entity(builder, m);
            i = run = i + m.Length;
        }
        builder.Text(line.AsSpan(run));
    }

    private static void Tag(Builder builder, Match m, bool subRip)
    {
        var name = m.Groups["tag"].Value.ToLowerInvariant();
        var closing = m.Groups["close"].Length > 0;
        if (name is "b" or "i" or "u")
        {
            if (closing) builder.Close(name[0]);
            else builder.Open(name[0]);
        }
        else if (name == "br" && subRip && !closing)
        {
            builder.Break();
        }
        // Any other tag (font, span, c, v, lang, ruby, rt, script, ...) goes; its text stays.
    }

    private static void Entity(Builder builder, Match m)
    {
        var name = m.Groups["name"];
        if (name.Success && KeptEntities.Contains(name.Value))
            builder.Escaped(m.Value);
        else if (name.Success && WebUtility.HtmlDecode(m.Value) is var decoded && decoded != m.Value)
            builder.Text(decoded); // another HTML entity (&eacute;, &quot;): its character, which every reader shows
        else if (!name.Success && NumericValue(m) is { } value && IsPrintable(value))
            builder.Escaped(m.Value);
        else
            builder.Text(m.Value); // not an entity we trust: its '&' is escaped like any other
    }

    private static int? NumericValue(Match m)
    {
        if (m.Groups["dec"] is { Success: true } dec)
            return int.Parse(dec.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        if (m.Groups["hex"] is { Success: true } hex)
            return int.Parse(hex.ValueSpan, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return null;
    }

    private static bool IsPrintable(int value) =>
        value is > 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF) && !(value < 0x10000 && char.IsControl((char)value));

    [GeneratedRegex(@"\G<(?<close>/?)(?<tag>[A-Za-z][A-Za-z0-9]*)(?:[\s./][^<>]*)?>")]
    private static partial Regex TagPattern();

    // WebVTT karaoke timestamps such as <00:00:01.000> inside a payload.
    [GeneratedRegex(@"\G<(?:[0-9]{1,3}:)?[0-9]{2}:[0-9]{2}[.,][0-9]{3}>")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"\G&(?<entity>#(?<dec>[0-9]{1,7})|#[xX](?<hex>[0-9A-Fa-f]{1,6})|(?<name>[A-Za-z][A-Za-z0-9]{1,31}));")]
    private static partial Regex EntityPattern();

    [GeneratedRegex(@"\G\{\\[^{}]*\}")]
    private static partial Regex OverridePattern();

    [GeneratedRegex(@"\\p([0-9]{1,4})")]
    private static partial Regex DrawingMode();

    private enum Kind { Text, Open, Close, Break }

    private readonly record struct Token(Kind Kind, string Value)
    {
        public bool IsVisible => Kind == Kind.Text && !string.IsNullOrWhiteSpace(Value);
    }

    /// <summary>Collects text, tags and breaks, keeping the tags balanced as they come.</summary>
    private sealed class Builder
    {
        private const int MaxDepth = 16;

        private readonly List<Token> tokens = [];
        private readonly List<char> open = [];

        /// <summary>Plain text: control characters dropped, "-->" defused, escaped.</summary>
        public void Text(ReadOnlySpan<char> raw)
        {
            if (raw.IsEmpty) return;
            var clean = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
                {
                    clean.Append(c).Append(raw[++i]);
                }
                else if (char.IsSurrogate(c))
                {
                    clean.Append('\uFFFD');
                }
                else if (c is '\t' or '\v' or '\f')
                {
                    // Tabs separate words; dropping them would glue the words together.
                    clean.Append(' ');
                }
                else if (!char.IsControl(c))
                {
                    clean.Append(c);
                }
            }
            var text = Defused(clean.ToString());
            if (text.Length > 0) tokens.Add(new Token(Kind.Text, Escape(text)));
        }

        // "-->" ends a cue's timing line; defused so no reader can mistake a text line for one. Any run of dashes
        // before '>' becomes "->" (what replacing "-->" until none is left gives), in one pass.
        private static string Defused(string text)
        {
            if (!text.Contains("-->", StringComparison.Ordinal)) return text;
            var defused = new StringBuilder(text.Length);
            var i = 0;
            while (i < text.Length)
            {
                var dashes = 0;
                while (i + dashes < text.Length && text[i + dashes] == '-') dashes++;
                if (dashes >= 2 && i + dashes < text.Length && text[i + dashes] == '>')
                {
                    defused.Append("->");
                    i += dashes + 1;
                }
                else if (dashes > 0)
                {
                    defused.Append('-', dashes);
                    i += dashes;
                }
                else
                {
                    defused.Append(text[i++]);
                }
            }
            return defused.ToString();
        }

        /// <summary>An entity already checked to be safe, kept as written.</summary>
        public void Escaped(string entity) => tokens.Add(new Token(Kind.Text, entity));

        public void Break() => tokens.Add(new Token(Kind.Break, ""));

        public void Open(char tag)
        {
            // Captions nest two or three tags; a bound keeps a hostile file of thousands from costing quadratic time.
            if (open.Count == MaxDepth) return;
            open.Add(tag);
            tokens.Add(new Token(Kind.Open, tag.ToString()));
        }

        /// <summary>Closes the innermost open tag of that kind (reopening the ones inside it); a stray close is dropped.</summary>
        public void Close(char tag)
        {
            var at = open.LastIndexOf(tag);
            if (at < 0) return;
            var inner = open.GetRange(at + 1, open.Count - at - 1);
            for (var k = inner.Count - 1; k >= 0; k--) tokens.Add(new Token(Kind.Close, inner[k].ToString()));
            tokens.Add(new Token(Kind.Close, tag.ToString()));
            open.RemoveRange(at, open.Count - at);
            foreach (var again in inner) Open(again);
        }

        public string? Build()
        {
            for (var k = open.Count - 1; k >= 0; k--) tokens.Add(new Token(Kind.Close, open[k].ToString()));
            open.Clear();

            var lines = new List<List<Token>> { new() };
            foreach (var token in tokens)
            {
                if (token.Kind == Kind.Break) lines.Add([]);
                else lines[^1].Add(token);
            }

            // A line with nothing visible would be an empty line, which ends a cue: only its tags survive, on the
            // line before (or the first visible one).
            var kept = new List<Token>();
            var visible = false;
            foreach (var line in lines)
            {
                if (!line.Exists(t => t.IsVisible))
                {
                    kept.AddRange(line.Where(t => t.Kind != Kind.Text));
                    continue;
                }
                if (visible) kept.Add(new Token(Kind.Break, ""));
                visible = true;
                kept.AddRange(Trimmed(line));
            }
            if (!visible) return null;

            var payload = new List<Token>();
            foreach (var token in kept)
            {
                if (token.Kind == Kind.Close && payload.Count > 0 && payload[^1].Kind == Kind.Open && payload[^1].Value == token.Value)
                    payload.RemoveAt(payload.Count - 1); // <i></i> shows nothing
                else
                    payload.Add(token);
            }

            var text = new StringBuilder();
            foreach (var token in payload)
            {
                text.Append(token.Kind switch
                {
                    Kind.Open => $"<{token.Value}>",
                    Kind.Close => $"</{token.Value}>",
                    Kind.Break => "\n",
                    _ => token.Value,
                });
            }
            return text.ToString();
        }

        private static List<Token> Trimmed(List<Token> line)
        {
            var trimmed = new List<Token>(line);
            for (var k = 0; k < trimmed.Count; k++)
            {
                if (trimmed[k].Kind != Kind.Text) continue;
                trimmed[k] = trimmed[k] with { Value = trimmed[k].Value.TrimStart() };
                if (trimmed[k].Value.Length > 0) break;
            }
            for (var k = trimmed.Count - 1; k >= 0; k--)
            {
                if (trimmed[k].Kind != Kind.Text) continue;
                trimmed[k] = trimmed[k] with { Value = trimmed[k].Value.TrimEnd() };
                if (trimmed[k].Value.Length > 0) break;
            }
            trimmed.RemoveAll(t => t.Kind == Kind.Text && t.Value.Length == 0);
            return trimmed;
        }
    }
}
