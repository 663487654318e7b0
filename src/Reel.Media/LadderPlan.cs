using System.Globalization;

namespace Reel.Media;

/// <summary>One rung of the ladder: an H.264 rendition at one size and bitrate cap.</summary>
public sealed record Rendition(string Name, int Width, int Height, int MaxrateKbps, int H264Level, bool HasAudio)
{
    /// <summary>Audio bitrate of every rendition that carries audio.</summary>
    public const int AudioKbps = 128;

    /// <summary>VBV buffer: two seconds at the cap keeps segment sizes close to the cap.</summary>
    public int BufsizeKbps => MaxrateKbps * 2;

    /// <summary>Peak bandwidth for the master playlist, in bits per second.</summary>
    public int BandwidthBps => (MaxrateKbps + (HasAudio ? AudioKbps : 0)) * 1000;

    /// <summary>The level as x264 takes it, e.g. "3.1".</summary>
    public string LevelText => (H264Level / 10).ToString(CultureInfo.InvariantCulture) + "." + (H264Level % 10).ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 6381 codecs of the rendition (H.264 High profile, AAC-LC).</summary>
    public string Codecs => "avc1.6400" + H264Level.ToString("x2", CultureInfo.InvariantCulture) + (HasAudio ? ",mp4a.40.2" : "");
}

/// <summary>
/// Everything the ladder encode needs to know, decided before it starts. <c>Picture</c> is the deinterlacing,
/// tone-mapping and input matrix; null for progressive SDR BT.709.
/// </summary>
public sealed record LadderPlan(
    int VideoStreamIndex,
    int? AudioStreamIndex,
    FrameRate FrameRate,
    IReadOnlyList<Rendition> Renditions,
    PictureTreatment? Picture = null)
{
    /// <summary>Steady segment length in seconds; the first second is cut into two half-second segments to start fast.</summary>
    public const int SegmentSeconds = 2;

    /// <summary>
    /// A source with several audio tracks: each becomes an audio rendition of its own (HLS alternate audio), and the
    /// video rungs carry no audio. Empty when the one played track is muxed into every rung.
    /// </summary>
    public IReadOnlyList<AudioRendition> AlternateAudio { get; init; } = [];

    /// <summary>The lowest rung: what a new video is made playable with, encoded ahead of the others.</summary>
    public Rendition FirstRung => Renditions.MinBy(r => r.Width * r.Height) ?? throw new InvalidOperationException("The plan has no rungs.");
}

/// <summary>One audio track of the source as an HLS audio rendition (AAC stereo) in folder <see cref="Name"/>.</summary>
/// <param name="Name">The folder and playlist name, "audio-N".</param>
/// <param name="StreamIndex">The source's stream index.</param>
/// <param name="Language">BCP 47 tag, or null when the file states none.</param>
/// <param name="Label">What players show in their audio menu: sanitised, safe in a quoted playlist attribute.</param>
/// <param name="IsDefault">The track that plays unless the viewer picks another.</param>
public sealed record AudioRendition(string Name, int StreamIndex, string? Language, string Label, bool IsDefault)
{
    /// <summary>RFC 6381 codec of every audio rendition: AAC-LC.</summary>
    public const string Codecs = "mp4a.40.2";
}

/// <summary>A frame rate as a rational, so 29.97 stays exactly 30000/1001.</summary>
public readonly record struct FrameRate(int Numerator, int Denominator)
{
    /// <summary>Frames per second.</summary>
    public double Value => (double)Numerator / Denominator;

    /// <inheritdoc />
    public override string ToString() => Denominator == 1
        ? Numerator.ToString(CultureInfo.InvariantCulture)
        : Numerator.ToString(CultureInfo.InvariantCulture) + "/" + Denominator.ToString(CultureInfo.InvariantCulture);
}
