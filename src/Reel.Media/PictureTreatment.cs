using System.Globalization;

namespace Reel.Media;

/// <summary>
/// What a source's picture needs before it is H.264 8-bit BT.709 that every browser shows right: deinterlacing,
/// tone-mapping from HDR, and the YUV matrix it is read with. The filters it writes are argument-builder text with
/// no user-supplied part (the matrix and transfer names come from a fixed set).
/// </summary>
public sealed record PictureTreatment(bool Deinterlace, HdrKind Hdr, string InputMatrix)
{
    /// <summary>Progressive SDR BT.709: scaling only.</summary>
    public static PictureTreatment Plain { get; } = new(false, HdrKind.None, "bt709");

    /// <summary>What the probed stream needs.</summary>
    public static PictureTreatment For(VideoStreamInfo video) => new(video.Interlaced, video.Hdr, InputMatrixOf(video));

    /// <summary>Bob deinterlacing: each field becomes a frame, so 50i plays as 50p and motion stays smooth.</summary>
    public string? Deinterlacer => Deinterlace ? "bwdif=mode=send_field:parity=auto:deint=all" : null;

    /// <summary>
    /// Scales to the given size and converts to 8-bit 4:2:0 BT.709, limited range. An HDR source is scaled first
    /// and tone-mapped after, so the costly float conversion runs on the smaller picture (see the ADR on HDR).
    /// </summary>
    public string ScaleTo(int width, int height, bool toYuv420 = true)
    {
        var size = width.ToString(CultureInfo.InvariantCulture) + ":" + height.ToString(CultureInfo.InvariantCulture);
        var format = toYuv420 ? ",format=yuv420p" : "";
        return Hdr switch
        {
            HdrKind.Hlg or HdrKind.Pq => $"scale={size}:flags=bicubic,setsar=1,{ToneMap(Hdr)}{format}",
            // The matrix is stated, never guessed by swscale (which takes untagged video as BT.601 whatever its size).
            _ => $"scale={size}:flags=bicubic:in_color_matrix={InputMatrix}:out_color_matrix=bt709:out_range=tv,setsar=1{format}",
        };
    }

    /// <summary>
    /// HLG or PQ to SDR BT.709: to linear light (zimg, with the source's transfer, primaries and matrix stated), to
    /// BT.709 primaries, the Möbius curve (linear up to a knee, then a smooth roll-off of highlights) with no desaturation, then BT.709 transfer and matrix.
    /// </summary>
    public static string ToneMap(HdrKind hdr)
    {
        var transfer = hdr == HdrKind.Hlg ? "arib-std-b67" : "smpte2084";
        return $"zscale=tin={transfer}:pin=bt2020:min=bt2020nc:rin=tv:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
            + "tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv";
    }

    /// <summary>Output options that tag every rendition as what it now is: BT.709, limited range.</summary>
    public static IReadOnlyList<string> Bt709Tags { get; } =
        ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"];

    // Untagged video follows its era's convention: HD is BT.709, SD (DVD, old cameras) BT.601.
    private static string InputMatrixOf(VideoStreamInfo video) => video.ColorSpace switch
    {
        "bt709" => "bt709",
        "smpte170m" or "bt470bg" => "bt601",
        "bt2020nc" or "bt2020c" => "bt2020",
        "smpte240m" => "smpte240m",
        "fcc" => "fcc",
        _ => video.Width >= 1280 || video.Height >= 720 ? "bt709" : "bt601",
    };
}
