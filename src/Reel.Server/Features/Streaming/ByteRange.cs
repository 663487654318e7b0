using System.Globalization;

namespace Reel.Server.Features.Streaming;

/// <summary>What a Range header asks of a file of known length.</summary>
internal enum RangeKind
{
    /// <summary>No usable Range: serve the whole file (no header, another unit, or several ranges, which we may ignore).</summary>
    Whole,

    /// <summary>One satisfiable range.</summary>
    Partial,

    /// <summary>Malformed or outside the file: 416.</summary>
    Unsatisfiable,
}

/// <summary>A single byte range, inclusive at both ends, as RFC 9110 defines it.</summary>
internal readonly record struct ByteRange(RangeKind Kind, long Start, long End)
{
    public long Length => End - Start + 1;

    public static ByteRange Parse(string? header, long fileLength)
    {
        var whole = new ByteRange(RangeKind.Whole, 0, fileLength - 1);
        if (string.IsNullOrWhiteSpace(header)) return whole;
        var text = header.Trim();
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0) return Unsatisfiable;
        if (!text[..eq].Trim().Equals("bytes", StringComparison.OrdinalIgnoreCase)) return whole;

        var spec = text[(eq + 1)..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal)) return whole;
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return Unsatisfiable;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();

        if (first.Length == 0)
        {
            // bytes=-N: the last N bytes.
            if (!TryNumber(last, out var suffix) || suffix == 0 || fileLength == 0) return Unsatisfiable;
            return new ByteRange(RangeKind.Partial, Math.Max(0, fileLength - suffix), fileLength - 1);
        }

        if (!TryNumber(first, out var start)) return Unsatisfiable;
        long end;
        if (last.Length == 0) end = fileLength - 1;
        else if (!TryNumber(last, out end) || end < start) return Unsatisfiable;
        if (start >= fileLength) return Unsatisfiable;
        return new ByteRange(RangeKind.Partial, start, Math.Min(end, fileLength - 1));
    }

    private static ByteRange Unsatisfiable => new(RangeKind.Unsatisfiable, 0, -1);

    private static bool TryNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
