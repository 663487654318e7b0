namespace Reel.Server.Storage;

/// <summary>The content type of each kind of file Reel stores and serves, by the extension of its key.</summary>
internal static class MediaTypes
{
    public static string For(string key) => Path.GetExtension(key) switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".ts" => "video/mp2t",
        // fMP4 segments of videos processed before HLS segments were MPEG-TS.
        ".m4s" => "video/iso.segment",
        ".mp4" => "video/mp4",
        ".jpg" => "image/jpeg",
        ".vtt" => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    };
}
