using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Reel.Media;

/// <summary>A media playlist as ffmpeg writes it: optional init segment, segments in order, and whether it has ended.</summary>
public sealed record MediaPlaylist(string? InitUri, IReadOnlyList<MediaSegment> Segments, bool Ended)
{
    /// <summary>Total duration of the listed segments in seconds.</summary>
    public double DurationSeconds => Segments.Sum(s => s.DurationSeconds);
}

/// <summary>One segment of a media playlist.</summary>
public sealed record MediaSegment(string Uri, double DurationSeconds);

/// <summary>Reads media playlists and writes master playlists.</summary>
public static partial class HlsPlaylists
{
    /// <summary>Parses a media playlist; URIs that are not plain file names are rejected.</summary>
    public static MediaPlaylist ParseMedia(string text)
    {
        string? init = null;
        var segments = new List<MediaSegment>();
        var ended = false;
        double? pending = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal))
                init = CheckedName(MapUri().Match(line) is { Success: true } m ? m.Groups[1].Value : throw new FormatException("EXT-X-MAP without URI."));
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
                pending = double.Parse(line["#EXTINF:".Length..].Split(',')[0], NumberStyles.Float, CultureInfo.InvariantCulture);
            else if (line == "#EXT-X-ENDLIST")
                ended = true;
            else if (!line.StartsWith('#'))
            {
                segments.Add(new MediaSegment(CheckedName(line), pending ?? throw new FormatException("Segment without EXTINF.")));
                pending = null;
            }
        }
        return new MediaPlaylist(init, segments, ended);
    }

    /// <summary>True for names our own outputs use: letters, digits, dash, underscore and one extension.</summary>
    public static bool IsPlainFileName(string name) => PlainName().IsMatch(name);

    /// <summary>
    /// A copy of a media playlist for players: ffmpeg's text with <c>EXT-X-START</c> at 0, so that players treat a
    /// growing EVENT playlist as a video to watch from the beginning rather than a live edge to jump to.
    /// </summary>
    public static string ForPlayers(string mediaPlaylist)
    {
        if (mediaPlaylist.Contains("#EXT-X-START:", StringComparison.Ordinal)) return mediaPlaylist;
        var at = mediaPlaylist.IndexOf('\n', StringComparison.Ordinal);
        return at < 0 ? mediaPlaylist : mediaPlaylist.Insert(at + 1, "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n");
    }

    /// <summary>The GROUP-ID of the alternate audio renditions.</summary>
    public const string AudioGroup = "audio";

    /// <summary>The GROUP-ID of the subtitle renditions (captions).</summary>
    public const string SubtitleGroup = "subs";

    /// <summary>
    /// A master playlist listing the given variants, best first. With audio renditions, every variant names their
    /// group and counts the audio in its bandwidth and codecs (its own segments carry video only); with subtitle
    /// renditions, every variant names theirs.
    /// </summary>
    public static string Master(IEnumerable<MasterEntry> variants, IReadOnlyList<AudioEntry>? audio = null, IReadOnlyList<SubtitleEntry>? subtitles = null)
    {
        var text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        audio ??= [];
        subtitles ??= [];
        foreach (var sub in subtitles)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"{SubtitleGroup}\",NAME=\"{Quoted(sub.Label)}\"");
            if (sub.Language is { } language) text.Append(CultureInfo.InvariantCulture, $",LANGUAGE=\"{Quoted(language)}\"");
            text.Append(CultureInfo.InvariantCulture, $",DEFAULT={(sub.IsDefault ? "YES" : "NO")},AUTOSELECT=YES,FORCED=NO,URI=\"{CheckedPath(sub.Uri)}\"\n");
        }
        foreach (var a in audio)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AudioGroup}\",NAME=\"{Quoted(a.Label)}\"");
            if (a.Language is { } language) text.Append(CultureInfo.InvariantCulture, $",LANGUAGE=\"{Quoted(language)}\"");
            text.Append(CultureInfo.InvariantCulture, $",DEFAULT={(a.IsDefault ? "YES" : "NO")},AUTOSELECT=YES,CHANNELS=\"2\",URI=\"{a.Name}/index.m3u8\"\n");
        }
        foreach (var v in variants.OrderByDescending(v => v.Width * v.Height))
        {
            var bandwidth = v.BandwidthBps + (audio.Count > 0 ? Rendition.AudioKbps * 1000 : 0);
            var codecs = audio.Count > 0 && !v.Codecs.Contains("mp4a", StringComparison.Ordinal) ? v.Codecs + "," + AudioRendition.Codecs : v.Codecs;
            text.Append(CultureInfo.InvariantCulture,
                $"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={v.Width}x{v.Height},CODECS=\"{codecs}\"");
            if (v.FrameRate > 0) text.Append(CultureInfo.InvariantCulture, $",FRAME-RATE={v.FrameRate:0.000}");
            if (audio.Count > 0) text.Append(CultureInfo.InvariantCulture, $",AUDIO=\"{AudioGroup}\"");
            if (subtitles.Count > 0) text.Append(CultureInfo.InvariantCulture, $",SUBTITLES=\"{SubtitleGroup}\"");
            text.Append('\n').Append(v.Name).Append("/index.m3u8\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// The media playlist of one caption: the whole WebVTT file as its one segment, as long as the video. Players that
    /// need segments (Safari, hls.js) read it like any rendition; the file's X-TIMESTAMP-MAP ties it to the video's
    /// MPEG-TS timestamps.
    /// </summary>
    public static string SubtitlePlaylist(string vttFileName, double durationSeconds)
    {
        var duration = Math.Max(durationSeconds, 0.001);
        return string.Create(CultureInfo.InvariantCulture,
            $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{(int)Math.Ceiling(duration)}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{duration:0.000},\n{CheckedName(vttFileName)}\n#EXT-X-ENDLIST\n");
    }

    // A rendition's playlist: a plain name in at most one folder of our own.
    private static string CheckedPath(string uri) =>
        uri.Split('/') is [var folder, var name] && PlainFolder().IsMatch(folder) && IsPlainFileName(name) ? uri
        : IsPlainFileName(uri) ? uri : throw new FormatException($"Unexpected URI in playlist: {uri}");

    // A quoted-string attribute may hold neither a double quote nor a line break (RFC 8216, 4.2).
    private static string Quoted(string value) => new([.. value.Where(c => c != '"' && !char.IsControl(c))]);

    private static string CheckedName(string uri) =>
        IsPlainFileName(uri) ? uri : throw new FormatException($"Unexpected URI in playlist: {uri}");

    [GeneratedRegex("URI=\"([^\"]+)\"")]
    private static partial Regex MapUri();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}\\.[a-z0-9]{1,5}\\z")]
    private static partial Regex PlainName();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    private static partial Regex PlainFolder();
}

/// <summary>One variant of a master playlist.</summary>
public sealed record MasterEntry(string Name, int Width, int Height, int BandwidthBps, string Codecs, double FrameRate);

/// <summary>One subtitle rendition (a caption) of a master playlist: its playlist's URI, relative to the master.</summary>
public sealed record SubtitleEntry(string Uri, string? Language, string Label, bool IsDefault);

/// <summary>One alternate audio rendition of a master playlist, in folder <see cref="Name"/>.</summary>
public sealed record AudioEntry(string Name, string? Language, string Label, bool IsDefault);

/// <summary>RFC 6381 codec strings for the master playlist.</summary>
public static class CodecStrings
{
    /// <summary>The codecs of an H.264 stream as ffprobe described it, with AAC-LC when there is audio.</summary>
    public static string H264(string? profile, int level, bool withAudio)
    {
        var (profileIdc, constraints) = profile switch
        {
            "Constrained Baseline" => (0x42, 0xE0),
            "Baseline" => (0x42, 0x00),
            "Main" => (0x4D, 0x00),
            _ => (0x64, 0x00),
        };
        var avc = string.Create(CultureInfo.InvariantCulture, $"avc1.{profileIdc:x2}{constraints:x2}{Math.Clamp(level, 10, 62):x2}");
        return withAudio ? avc + ",mp4a.40.2" : avc;
    }
}
