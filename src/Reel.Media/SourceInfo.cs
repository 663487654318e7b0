using System.Globalization;

namespace Reel.Media;

/// <summary>What the uploaded file held and what became of each part of it, for the people who manage the video.</summary>
public sealed record SourceInfo(
    string Container,
    string ContainerName,
    SourceVideoInfo? Video,
    IReadOnlyList<SourceAudioInfo> Audio,
    IReadOnlyList<SourceSubtitleInfo> Subtitles,
    IReadOnlyList<string> Notes)
{
    /// <summary>What the audio track became.</summary>
    public const string Played = "played";

    /// <summary>Offered as alternate audio beside the played track.</summary>
    public const string Alternate = "alternate";

    /// <summary>Not in any rendition.</summary>
    public const string Dropped = "dropped";

    /// <summary>A text subtitle track that became one of the video's captions.</summary>
    public const string Captions = "captions";

    /// <summary>Describes a probed source as Reel processes it.</summary>
    public static SourceInfo Describe(MediaProbe probe)
    {
        var video = probe.Video;
        var played = probe.Audio;
        var audio = probe.AudioTracks.Select(a => new SourceAudioInfo(
            a.Index, a.Codec, LanguageTags.ToBcp47(a.Language), a.Title, a.Channels, a.Index == played?.Index,
            a.Index == played?.Index ? Played : Alternate, null)).ToList();
        var subtitles = probe.SubtitleTracks.Select(s => new SourceSubtitleInfo(
            s.Index, s.Codec, LanguageTags.ToBcp47(s.Language), s.Title, s.IsText ? Captions : Dropped,
            s.IsText ? null : "Picture-based subtitles (DVD, Blu-ray, DVB) cannot be shown as text.")).ToList();

        var notes = new List<string>();
        if (video is not null)
        {
            if (video.Hdr is HdrKind.Hlg or HdrKind.Pq)
                notes.Add($"HDR ({(video.Hdr == HdrKind.Hlg ? "HLG" : "PQ / HDR10")}{(video.DolbyVisionProfile is { } p ? $", Dolby Vision profile {p} by its base layer" : "")}) was converted to standard dynamic range, so it looks right on every screen.");
            var output = LadderPlanner.OutputFrameRate(video.Interlaced ? video.FrameRate * 2 : video.FrameRate);
            if (video.Interlaced)
                notes.Add($"Interlaced video was deinterlaced to {Fps(output.Value)} frames per second.");
            else if (video.FrameRate > 61)
                notes.Add($"{Fps(video.FrameRate)} frames per second became {Fps(output.Value)}, the most every device plays.");
        }

        return new SourceInfo(
            probe.FormatName.Split(',')[0],
            SourceCheck.ContainerName(probe.FormatName),
            video is null ? null : new SourceVideoInfo(
                video.Codec, video.Profile, video.DisplayWidth, video.DisplayHeight, Math.Round(video.FrameRate, 3), video.BitDepth,
                video.Hdr switch { HdrKind.Hlg => "hlg", HdrKind.Pq => "pq", HdrKind.DolbyVisionWithoutBase => "dolby-vision", _ => null },
                video.Interlaced),
            audio,
            subtitles,
            notes);
    }

    private static string Fps(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>The source's video stream: display size, codec, rate, depth, dynamic range.</summary>
public sealed record SourceVideoInfo(string Codec, string? Profile, int Width, int Height, double FrameRate, int BitDepth, string? Hdr, bool Interlaced);

/// <summary>One audio track of the source and what became of it.</summary>
public sealed record SourceAudioInfo(int Index, string Codec, string? Language, string? Title, int Channels, bool Default, string Fate, string? Reason);

/// <summary>One subtitle track of the source and what became of it.</summary>
public sealed record SourceSubtitleInfo(int Index, string Codec, string? Language, string? Title, string Fate, string? Reason);
