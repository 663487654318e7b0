namespace Reel.Media;

/// <summary>
/// What ffprobe reported about a file, reduced to the facts Reel decides on. <c>Audio</c> is the track that plays:
/// the one flagged default, else the first.
/// </summary>
public sealed record MediaProbe(
    string FormatName,
    double DurationSeconds,
    int StreamCount,
    VideoStreamInfo? Video,
    AudioStreamInfo? Audio)
{
    /// <summary>Every audio track of the source, in stream order (the played one among them).</summary>
    public IReadOnlyList<AudioStreamInfo> AudioTracks { get; init; } = Audio is null ? [] : [Audio];

    /// <summary>Every subtitle track of the source, in stream order.</summary>
    public IReadOnlyList<SubtitleStreamInfo> SubtitleTracks { get; init; } = [];

    /// <summary>The source's chapters (Matroska, MP4), in order of their start.</summary>
    public IReadOnlyList<SourceChapter> Chapters { get; init; } = [];
}

/// <summary>A chapter as the file states it: its start and, untrusted and maybe absent, its title.</summary>
public sealed record SourceChapter(double StartSeconds, string? Title);

/// <summary>How a source's pixel values are to be read: standard range, or one of the HDR transfers.</summary>
public enum HdrKind
{
    /// <summary>Standard dynamic range.</summary>
    None,

    /// <summary>Hybrid log-gamma (ARIB STD-B67), what iPhones record by default.</summary>
    Hlg,

    /// <summary>Perceptual quantizer (SMPTE ST 2084), HDR10.</summary>
    Pq,

    /// <summary>Dolby Vision whose base layer carries no standard picture (profile 5): it cannot be shown right without Dolby's decoder.</summary>
    DolbyVisionWithoutBase,
}

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
    /// <summary>ffprobe's color_transfer, e.g. "bt709", "arib-std-b67", "smpte2084"; null when unstated.</summary>
    public string? ColorTransfer { get; init; }

    /// <summary>ffprobe's color_primaries, e.g. "bt709", "bt2020"; null when unstated.</summary>
    public string? ColorPrimaries { get; init; }

    /// <summary>ffprobe's color_space (the YUV matrix), e.g. "bt709", "bt2020nc", "smpte170m"; null when unstated.</summary>
    public string? ColorSpace { get; init; }

    /// <summary>ffprobe's field_order: "progressive", "tt", "bb", "tb", "bt"; null when unknown.</summary>
    public string? FieldOrder { get; init; }

    /// <summary>The Dolby Vision profile from the stream's configuration record; null when the stream is not Dolby Vision.</summary>
    public int? DolbyVisionProfile { get; init; }

    /// <summary>Width as shown to a viewer: sample aspect ratio and rotation applied.</summary>
    public int DisplayWidth => QuarterTurned ? ScaledHeight : ScaledWidth;

    /// <summary>Height as shown to a viewer: sample aspect ratio and rotation applied.</summary>
    public int DisplayHeight => QuarterTurned ? ScaledWidth : ScaledHeight;

    /// <summary>True when the picture is rotated by 90 or 270 degrees for display.</summary>
    public bool QuarterTurned => Math.Abs(Rotation) % 180 == 90;

    /// <summary>True when pixels are not square.</summary>
    public bool Anamorphic => SarNumerator > 0 && SarDenominator > 0 && SarNumerator != SarDenominator;

    /// <summary>True when the stream is coded as fields (camcorder 1080i, broadcast, DVD), so it must be deinterlaced.</summary>
    public bool Interlaced => FieldOrder is "tt" or "bb" or "tb" or "bt";

    /// <summary>
    /// The dynamic range of the picture. Dolby Vision profiles 7 and 8 carry an HDR10, HLG or SDR base layer, which
    /// the transfer tag names; profile 5 has none.
    /// </summary>
    public HdrKind Hdr => DolbyVisionProfile == 5 ? HdrKind.DolbyVisionWithoutBase : ColorTransfer switch
    {
        "arib-std-b67" => HdrKind.Hlg,
        "smpte2084" => HdrKind.Pq,
        _ => HdrKind.None,
    };

    /// <summary>Bits per sample, from the pixel format name ("yuv420p10le" → 10).</summary>
    public int BitDepth => PixelFormat.Contains("p16", StringComparison.Ordinal) ? 16
        : PixelFormat.Contains("p14", StringComparison.Ordinal) ? 14
        : PixelFormat.Contains("p12", StringComparison.Ordinal) ? 12
        : PixelFormat.Contains("p10", StringComparison.Ordinal) || PixelFormat.StartsWith("p010", StringComparison.Ordinal) ? 10
        : 8;

    private int ScaledWidth => Anamorphic ? (int)Math.Round(Width * (double)SarNumerator / SarDenominator) : Width;

    private int ScaledHeight => Height;
}

/// <summary>One audio track.</summary>
public sealed record AudioStreamInfo(int Index, string Codec, string? Profile, int Channels, int SampleRate)
{
    /// <summary>The language tag as the file states it (ISO 639-2, e.g. "eng"); null when absent or "und".</summary>
    public string? Language { get; init; }

    /// <summary>The track's title as the file states it ("Director's commentary"); untrusted text, never an argument.</summary>
    public string? Title { get; init; }

    /// <summary>True when the file flags this track as the one to play.</summary>
    public bool IsDefault { get; init; }
}

/// <summary>One subtitle track.</summary>
public sealed record SubtitleStreamInfo(int Index, string Codec)
{
    /// <summary>The language tag as the file states it; null when absent or "und".</summary>
    public string? Language { get; init; }

    /// <summary>The track's title as the file states it; untrusted text.</summary>
    public string? Title { get; init; }

    /// <summary>True when the file flags this track as default.</summary>
    public bool IsDefault { get; init; }

    /// <summary>True for text formats (SubRip, ASS/SSA, mov_text, WebVTT); false for pictures (PGS, VobSub, DVB).</summary>
    public bool IsText => Codec is "subrip" or "srt" or "ass" or "ssa" or "mov_text" or "webvtt" or "text";
}
