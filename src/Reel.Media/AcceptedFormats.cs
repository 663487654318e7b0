namespace Reel.Media;

/// <summary>One kind of file Reel accepts, as clients name it: for file pickers and messages, never for judging a file.</summary>
public sealed record AcceptedFormat(string Name, IReadOnlyList<string> Extensions, IReadOnlyList<string> MimeTypes);

/// <summary>
/// The containers of <see cref="SourceCheck.AcceptedDemuxers"/> as people and browsers know them. The server judges
/// by content; these lists only let a client offer the right files and not refuse one the server would take.
/// </summary>
public static class AcceptedFormats
{
    /// <summary>Every accepted kind of file.</summary>
    public static IReadOnlyList<AcceptedFormat> All { get; } =
    [
        new("MP4, MOV, M4V, 3GP", [".mp4", ".mov", ".m4v", ".3gp", ".3g2"], ["video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "video/3gpp2"]),
        new("Matroska (MKV), WebM", [".mkv", ".webm"], ["video/x-matroska", "video/webm"]),
        new("AVI", [".avi"], ["video/x-msvideo", "video/avi"]),
        new("MPEG-TS, AVCHD", [".ts", ".mts", ".m2ts"], ["video/mp2t"]),
        new("MPEG-PS, DVD", [".mpg", ".mpeg", ".vob"], ["video/mpeg"]),
        new("Windows Media", [".wmv", ".asf"], ["video/x-ms-wmv", "video/x-ms-asf"]),
        new("Flash Video", [".flv"], ["video/x-flv"]),
        new("MXF", [".mxf"], ["application/mxf"]),
        new("Ogg", [".ogv", ".ogg"], ["video/ogg", "application/ogg"]),
        new("Animated GIF, APNG", [".gif", ".apng", ".png"], ["image/gif", "image/apng", "image/png"]),
    ];

    /// <summary>Every extension, lower case with its dot.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [.. All.SelectMany(f => f.Extensions)];

    /// <summary>Every MIME type, plus any video type: a browser may name a file we read by a type not listed here.</summary>
    public static IReadOnlyList<string> MimeTypes { get; } = ["video/*", .. All.SelectMany(f => f.MimeTypes).Where(t => !t.StartsWith("video/", StringComparison.Ordinal))];
}
