using System.Globalization;
using System.Text.Json;

namespace Reel.Media;

/// <summary>Turns ffprobe's <c>-print_format json -show_format -show_streams -show_chapters</c> output into a <see cref="MediaProbe"/>.</summary>
public static class FfprobeParser
{
    /// <summary>Parses ffprobe JSON; throws <see cref="FormatException"/> when it is not ffprobe output.</summary>
    public static MediaProbe Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("format", out var format))
            throw new FormatException("ffprobe output has no format section.");

        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().ToList()
            : [];

        VideoStreamInfo? video = null;
        var audioTracks = new List<AudioStreamInfo>();
        var subtitleTracks = new List<SubtitleStreamInfo>();
        foreach (var stream in streams)
        {
            var type = String(stream, "codec_type");
            if (type == "video" && video is null && !IsAttachedPicture(stream))
                video = ParseVideo(stream);
            else if (type == "audio")
                audioTracks.Add(ParseAudio(stream));
            else if (type == "subtitle")
                subtitleTracks.Add(new SubtitleStreamInfo(Int(stream, "index"), String(stream, "codec_name") ?? "unknown")
                {
                    Language = Language(stream),
                    Title = Tag(stream, "title"),
                    IsDefault = Disposition(stream, "default"),
                });
        }
        // The track the file flags as default plays; without a flag, the first.
        var audio = audioTracks.FirstOrDefault(a => a.IsDefault) ?? audioTracks.FirstOrDefault();

        var duration = Number(format, "duration");
        if (duration <= 0 && video is not null)
            duration = streams.Where(x => Int(x, "index") == video.Index).Select(x => Number(x, "duration")).FirstOrDefault();

        var chapters = root.TryGetProperty("chapters", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray()
                .Select(chapter => new SourceChapter(Math.Max(0, Number(chapter, "start_time")), Tag(chapter, "title")))
                .OrderBy(chapter => chapter.StartSeconds)
                .ToList()
            : [];

        return new MediaProbe(
            FormatName: String(format, "format_name") ?? "",
            DurationSeconds: duration,
            StreamCount: streams.Count,
            Video: video,
            Audio: audio)
        {
            AudioTracks = audioTracks,
            SubtitleTracks = subtitleTracks,
            Chapters = chapters,
        };
    }

    private static VideoStreamInfo ParseVideo(JsonElement stream)
    {
        var (sarNum, sarDen) = Ratio(String(stream, "sample_aspect_ratio"));
        var frameRate = Rate(String(stream, "avg_frame_rate"));
        if (frameRate <= 0 || frameRate > 1000)
            frameRate = Rate(String(stream, "r_frame_rate"));
        return new VideoStreamInfo(
            Index: Int(stream, "index"),
            Codec: String(stream, "codec_name") ?? "unknown",
            Profile: String(stream, "profile"),
            Level: Int(stream, "level"),
            PixelFormat: String(stream, "pix_fmt") ?? "unknown",
            Width: Int(stream, "width"),
            Height: Int(stream, "height"),
            SarNumerator: sarNum,
            SarDenominator: sarDen,
            Rotation: Rotation(stream),
            FrameRate: frameRate,
            BitRate: String(stream, "bit_rate") is { } b && long.TryParse(b, CultureInfo.InvariantCulture, out var bits) ? bits : null)
        {
            ColorTransfer = Known(String(stream, "color_transfer")),
            ColorPrimaries = Known(String(stream, "color_primaries")),
            ColorSpace = Known(String(stream, "color_space")),
            FieldOrder = Known(String(stream, "field_order")),
            DolbyVisionProfile = SideData(stream, "DOVI configuration record") is { } dovi && dovi.TryGetProperty("dv_profile", out var p)
                && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : null,
        };
    }

    private static AudioStreamInfo ParseAudio(JsonElement stream) => new(
        Index: Int(stream, "index"),
        Codec: String(stream, "codec_name") ?? "unknown",
        Profile: String(stream, "profile"),
        Channels: Int(stream, "channels"),
        SampleRate: (int)Number(stream, "sample_rate"))
    {
        Language = Language(stream),
        Title = Tag(stream, "title"),
        IsDefault = Disposition(stream, "default"),
    };

    private static bool IsAttachedPicture(JsonElement stream) => Disposition(stream, "attached_pic");

    private static bool Disposition(JsonElement stream, string flag) =>
        stream.TryGetProperty("disposition", out var d)
        && d.TryGetProperty(flag, out var value)
        && value.ValueKind == JsonValueKind.Number
        && value.GetInt32() == 1;

    // Containers spell tags in either case ("language" in Matroska, "LANGUAGE" in some muxers' output).
    private static string? Tag(JsonElement stream, string name)
    {
        if (!stream.TryGetProperty("tags", out var tags) || tags.ValueKind != JsonValueKind.Object) return null;
        foreach (var tag in tags.EnumerateObject())
        {
            if (string.Equals(tag.Name, name, StringComparison.OrdinalIgnoreCase) && tag.Value.ValueKind == JsonValueKind.String)
                return tag.Value.GetString() is { Length: > 0 } text ? text.Trim() : null;
        }
        return null;
    }

    private static string? Language(JsonElement stream) => Tag(stream, "language") is { } language && language != "und" ? language : null;

    private static string? Known(string? value) => value is null or "unknown" or "unspecified" or "reserved" ? null : value;

    private static JsonElement? SideData(JsonElement stream, string type)
    {
        if (!stream.TryGetProperty("side_data_list", out var list) || list.ValueKind != JsonValueKind.Array) return null;
        foreach (var item in list.EnumerateArray())
        {
            if (String(item, "side_data_type") == type) return item;
        }
        return null;
    }

    // ffmpeg 5 reports rotation as display-matrix side data; older muxers also left a "rotate" tag.
    private static int Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var r) && r.ValueKind == JsonValueKind.Number)
                    return Normalise((int)Math.Round(r.GetDouble()));
            }
        }
        if (stream.TryGetProperty("tags", out var tags) && String(tags, "rotate") is { } tag
            && int.TryParse(tag, CultureInfo.InvariantCulture, out var rotate))
            return Normalise(rotate);
        return 0;

        static int Normalise(int degrees) => ((degrees % 360) + 360) % 360;
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    private static double Number(JsonElement e, string name) =>
        String(e, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) ? d : 0;

    private static (int, int) Ratio(string? text)
    {
        if (text is null) return (0, 0);
        var parts = text.Split(':', '/');
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var n)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var d)
            ? (n, d) : (0, 0);
    }

    private static double Rate(string? text)
    {
        var (n, d) = Ratio(text);
        return n > 0 && d > 0 ? (double)n / d : 0;
    }
}
