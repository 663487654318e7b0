namespace Reel.Media;

/// <summary>
/// What a file's video packets really cover, as opposed to what its timestamps claim: a few frames can carry
/// timestamps hours apart, and every step after the probe (frame-rate normalisation, the encoder, its timeout) would
/// pay for the empty hours. Measured from the packet listing (<see cref="FfmpegArgs.PacketTimes"/>), which costs one
/// read of the file and no decoding.
/// </summary>
public sealed class PacketTimeline
{
    /// <summary>A pause between frames longer than this is empty timeline, not a still picture.</summary>
    public const double LongestStill = 10;

    private double _start = double.PositiveInfinity;
    private double _end;
    private double _previous = double.NaN;
    private double _covered;

    /// <summary>Video packets seen.</summary>
    public int Frames { get; private set; }

    /// <summary>From the first packet to the end of the last, in seconds.</summary>
    public double SpanSeconds => Frames == 0 ? 0 : _end - _start;

    /// <summary>The span less every pause longer than <see cref="LongestStill"/>: how long the picture really lasts.</summary>
    public double CoveredSeconds => Frames == 0 ? 0 : _covered + (_end - _previous);

    /// <summary>Adds a packet, in decode order; packets without a timestamp are counted but not placed.</summary>
    public void Add(double? pts, double? duration)
    {
        Frames++;
        if (pts is not { } at || !double.IsFinite(at)) return;
        var end = at + (duration is { } d && double.IsFinite(d) && d > 0 ? d : 0);
        _start = Math.Min(_start, at);
        _end = Math.Max(_end, end);
        // Packets may come out of presentation order (B-frames); only forward steps are pauses.
        if (!double.IsNaN(_previous) && at > _previous) _covered += Math.Min(at - _previous, LongestStill);
        if (double.IsNaN(_previous) || at > _previous) _previous = at;
    }

    /// <summary>Parses one line of <see cref="FfmpegArgs.PacketTimes"/> output ("pts,duration", either may be "N/A").</summary>
    public void AddLine(string line)
    {
        var parts = line.Split(',');
        Add(Number(parts.ElementAtOrDefault(0)), Number(parts.ElementAtOrDefault(1)));
    }

    private static double? Number(string? text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}
