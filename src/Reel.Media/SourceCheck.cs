namespace Reel.Media;

/// <summary>Upper bounds a source must stay within; they stop decode bombs before any decoding starts.</summary>
public sealed record MediaLimits(int MaxWidth, int MaxHeight, long MaxPixels, double MaxDurationSeconds, int MaxStreams)
{
    /// <summary>8K, six hours, sixteen streams.</summary>
    public static MediaLimits Default { get; } = new(7680, 7680, 7680L * 4320, 6 * 3600, 16);
}

/// <summary>Why a probed file cannot become a video; <see cref="Code"/> is the API's machine-readable code.</summary>
public sealed record SourceProblem(string Code, string Message);

/// <summary>Decides from a probe whether a file is a video Reel will process.</summary>
public static class SourceCheck
{
    /// <summary>
    /// ffmpeg demuxer names of the containers Reel accepts: the MP4/MOV/3GP family, Matroska/WebM, AVI, MPEG-TS
    /// (AVCHD .mts/.m2ts), MPEG-PS (.mpg, .vob), ASF (.wmv), FLV, MXF, Ogg and the animated image formats GIF and
    /// APNG. A whitelist of demuxers that read one file each: no playlist (hls, concat) or image-sequence (image2)
    /// demuxer is ever on it, so a file cannot make ffmpeg read another file or a URL.
    /// </summary>
    public const string AcceptedDemuxers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,asf,flv,mxf,ogg,gif,apng";

    /// <summary>
    /// True when the first bytes are an animated WebP (RIFF, WEBP, an extended VP8X header with its animation flag),
    /// which the ffmpeg of Debian 12 (5.1) cannot decode: it reads the file as one still picture and fails on its frames.
    /// </summary>
    public static bool IsAnimatedWebP(ReadOnlySpan<byte> header) =>
        header.Length >= 21
        && header[..4].SequenceEqual("RIFF"u8)
        && header[8..16].SequenceEqual("WEBPVP8X"u8)
        && (header[20] & 0x02) != 0;

    /// <summary>True for containers with an index, which ffmpeg can jump into by time (MP4/MOV, Matroska/WebM).</summary>
    public static bool HasIndex(string formatName) => formatName.Split(',')[0] is "mov" or "matroska" or "webm";

    /// <summary>The demuxers of animated image formats: a file of one frame is a still image, not a video.</summary>
    public static bool IsImageFormat(string formatName) => formatName is "gif" or "apng";

    /// <summary>What people call the container ffprobe named, for messages and <c>sourceInfo</c>.</summary>
    public static string ContainerName(string formatName) => formatName.Split(',')[0] switch
    {
        "mov" => "MP4 / QuickTime",
        "matroska" => formatName.Contains("webm", StringComparison.Ordinal) ? "Matroska / WebM" : "Matroska",
        "webm" => "WebM",
        "avi" => "AVI",
        "mpegts" => "MPEG-TS",
        "mpeg" => "MPEG-PS",
        "asf" => "ASF (Windows Media)",
        "flv" => "Flash Video",
        "mxf" => "MXF",
        "ogg" => "Ogg",
        "gif" => "animated GIF",
        "apng" => "animated PNG",
        var other => other,
    };

    /// <summary>The accepted containers, as the error message for a file that is none of them names them.</summary>
    public const string AcceptedNames = "MP4, MOV, 3GP, MKV, WebM, AVI, MPEG-TS (AVCHD), MPEG-PS, WMV, FLV, MXF, Ogg, animated GIF or APNG";

    /// <summary>Returns null when the source is acceptable, otherwise the problem.</summary>
    public static SourceProblem? Check(MediaProbe probe, MediaLimits limits)
    {
        if (!IsAcceptedContainer(probe.FormatName))
            return new("unsupported_media", $"The file is not a video Reel reads ({AcceptedNames}).");
        if (probe.Video is null)
            return new("no_video_stream", "The file has no video stream (audio-only files and still images cannot be played as video).");
        var video = probe.Video;
        if (video.Width <= 0 || video.Height <= 0)
            return new("unsupported_media", "The video stream has no picture size; the file may be damaged.");
        if (video.Width > limits.MaxWidth || video.Height > limits.MaxHeight || (long)video.Width * video.Height > limits.MaxPixels)
            return new("media_limits_exceeded", $"The video is {video.Width}x{video.Height}; the largest accepted is {limits.MaxWidth}x{limits.MaxHeight} and {limits.MaxPixels} pixels.");
        if (probe.DurationSeconds > limits.MaxDurationSeconds)
            return new("media_limits_exceeded", $"The video lasts {probe.DurationSeconds:0} s; the longest accepted is {limits.MaxDurationSeconds:0} s.");
        if (probe.StreamCount > limits.MaxStreams)
            return new("media_limits_exceeded", $"The file has {probe.StreamCount} streams; at most {limits.MaxStreams} are accepted.");
        if (probe.DurationSeconds <= 0)
            return new("unsupported_media", "The video has no frames with timestamps; the file may be truncated or damaged.");
        if (video.Hdr == HdrKind.DolbyVisionWithoutBase)
            return new("unsupported_hdr", "The video is Dolby Vision profile 5, whose colours only Dolby's own decoder can show; every other player shows it green and purple. Export it from the phone or camera as HDR10, HLG or SDR (\"Most compatible\").");
        return null;
    }

    /// <summary>
    /// The probe with the packets' span as its duration where the header states none (browser recordings, piped
    /// streams, animated PNG).
    /// </summary>
    public static MediaProbe WithTimeline(MediaProbe probe, PacketTimeline timeline) =>
        probe.DurationSeconds > 0 ? probe : probe with { DurationSeconds = timeline.SpanSeconds };

    /// <summary>
    /// Judges what the frames really cover against the duration the file claims: a still image in an animated-image
    /// container is not a video, and a timeline that is mostly empty (more than half of it, and over a minute, in
    /// pauses longer than <see cref="PacketTimeline.LongestStill"/>) is a damaged or hostile file whose processing would
    /// cost hours for seconds of picture.
    /// </summary>
    public static SourceProblem? CheckTimeline(MediaProbe probe, PacketTimeline timeline)
    {
        if (timeline.Frames <= 1)
            return IsImageFormat(probe.FormatName)
                ? new("no_video_stream", "The file is a still image (one frame), not a video.")
                : new("unsupported_media", "The video has fewer than two frames; the file may be truncated or damaged.");
        var claimed = Math.Max(probe.DurationSeconds, timeline.SpanSeconds);
        var empty = claimed - timeline.CoveredSeconds;
        if (empty > 60 && empty > claimed / 2)
            return new("implausible_timestamps", $"The file's timestamps claim {Clock(claimed)}, but its {timeline.Frames} frames cover only {Clock(timeline.CoveredSeconds)}; the file is damaged or made to look longer than it is.");
        return null;

        static string Clock(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True for the demuxers in <see cref="AcceptedDemuxers"/>.</summary>
    public static bool IsAcceptedContainer(string formatName) =>
        formatName.Split(',').Any(name => AcceptedDemuxers.Split(',').Contains(name, StringComparer.Ordinal));

    /// <summary>
    /// True when browsers play the video stream as it is (H.264 8-bit 4:2:0, progressive, standard dynamic range,
    /// upright, square pixels, at most 1080p60), so it can be remuxed instead of encoded. Audio is judged separately:
    /// it is cheap to re-encode.
    /// </summary>
    public static bool IsBrowserCompatible(VideoStreamInfo video) =>
        video.Codec == "h264"
        && !video.Interlaced
        && video.Hdr == HdrKind.None
        && video.ColorPrimaries is null or "bt709" or "smpte170m" or "bt470bg"
        && video.PixelFormat is "yuv420p" or "yuvj420p"
        && video.Profile is "Baseline" or "Constrained Baseline" or "Main" or "High"
        && video.Rotation == 0
        && !video.Anamorphic
        && Math.Max(video.Width, video.Height) <= 1920
        && Math.Min(video.Width, video.Height) <= 1080
        && video.FrameRate is > 0 and <= 60.5;

    /// <summary>True when the audio can be copied into an HLS/MP4 output as it is (AAC-LC, mono or stereo).</summary>
    public static bool IsBrowserCompatible(AudioStreamInfo audio) =>
        audio.Codec == "aac" && audio.Profile is null or "LC" && audio.Channels is 1 or 2;
}
