namespace Reel.Media;

/// <summary>What ffprobe reported about a file, reduced to the facts Reel decides on.</summary>
public sealed record MediaProbe(
    string FormatName,
    double DurationSeconds,
    int StreamCount,
    VideoStreamInfo? Video,
    AudioStreamInfo? Audio);

/// <summary>The first real video stream (cover art is not video).</summary>
public sealed record VideoStreamInfo(
    int Index,
    string Codec,
    string? Profile,
    int Level,
    string PixelFormat,
    int Width,
    int Height,
    int SarNumerator,
    int SarDenominator,
    int Rotation,
    double FrameRate,
    long? BitRate)
{
    /// <summary>Width as shown to a viewer: sample aspect ratio and rotation applied.</summary>
    public int DisplayWidth => QuarterTurned ? ScaledHeight : ScaledWidth;

    /// <summary>Height as shown to a viewer: sample aspect ratio and rotation applied.</summary>
    public int DisplayHeight => QuarterTurned ? ScaledWidth : ScaledHeight;

    /// <summary>True when the picture is rotated by 90 or 270 degrees for display.</summary>
    public bool QuarterTurned => Math.Abs(Rotation) % 180 == 90;

    /// <summary>True when pixels are not square.</summary>
    public bool Anamorphic => SarNumerator > 0 && SarDenominator > 0 && SarNumerator != SarDenominator;

    private int ScaledWidth => Anamorphic ? (int)Math.Round(Width * (double)SarNumerator / SarDenominator) : Width;

    private int ScaledHeight => Height;
}

/// <summary>The first audio stream.</summary>
public sealed record AudioStreamInfo(int Index, string Codec, string? Profile, int Channels, int SampleRate);
