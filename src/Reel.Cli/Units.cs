using System.Globalization;

namespace Reel.Cli;

/// <summary>
/// How the CLI writes sizes, speeds and times: binary units labelled as such (KiB, MiB, GiB), the same units that
/// <c>--limit-rate</c> and <c>--chunk-size</c> read (<c>2M</c> is 2 MiB).
/// </summary>
internal static class Units
{
    private const long KiB = 1L << 10, MiB = 1L << 20, GiB = 1L << 30;

    public static string Bytes(long bytes) => bytes switch
    {
        >= GiB => $"{bytes / (double)GiB:0.0} GiB",
        >= MiB => $"{bytes / (double)MiB:0.0} MiB",
        >= KiB => $"{bytes / (double)KiB:0.0} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>"4.0 MiB/s".</summary>
    public static string Rate(double bytesPerSecond) => Bytes((long)Math.Round(bytesPerSecond)) + "/s";

    /// <summary>"12.0/45.6 MiB": both in the unit of the total, so they read against each other.</summary>
    public static string Done(long done, long total)
    {
        var (unit, name) = total switch
        {
            >= GiB => (GiB, "GiB"),
            >= MiB => (MiB, "MiB"),
            >= KiB => (KiB, "KiB"),
            _ => (1L, "B"),
        };
        return unit == 1
            ? $"{done}/{total} B"
            : string.Create(CultureInfo.InvariantCulture, $"{done / (double)unit:0.0}/{total / (double)unit:0.0} {name}");
    }

    /// <summary>"0:01:05", or "-:--:--" when it cannot be told yet.</summary>
    public static string TimeLeft(TimeSpan? left) =>
        left is { } t ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}") : "-:--:--";

    /// <summary>"500K", "2M", "1.5G" (binary: K is 1024) or plain bytes (per second, for a rate).</summary>
    public static long? ParseSize(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var unit = char.ToUpperInvariant(text[^1]) switch { 'K' => KiB, 'M' => MiB, 'G' => GiB, _ => 1L };
        var number = unit == 1 ? text : text[..^1];
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 1 && value * unit < long.MaxValue
            ? (long)(value * unit)
            : throw new CliException(ExitCodes.Usage, $"{option} '{text}' is not a size; give bytes like 500K, 64M or 1G.");
    }
}
