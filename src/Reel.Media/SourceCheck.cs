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
    /// <summary>ffmpeg demuxer names of the containers Reel accepts: the MP4/MOV family, Matroska/WebM and AVI.</summary>
    public const string AcceptedDemuxers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi";

    /// <summary>Returns null when the source is acceptable, otherwise the problem.</summary>
    public static SourceProblem? Check(MediaProbe probe, MediaLimits limits)
    {
        if (!IsAcceptedContainer(probe.FormatName))
            return new("unsupported_media", "The file is not an MP4, MOV, MKV, WebM or AVI video.");
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
        return null;
    }

    /// <summary>True for the demuxers in <see cref="AcceptedDemuxers"/>.</summary>
    public static bool IsAcceptedContainer(string formatName) =>
        formatName.Split(',').Any(name => AcceptedDemuxers.Split(',').Contains(name, StringComparer.Ordinal));

    /// <summary>
    /// True when browsers play the video stream as it is (H.264 8-bit 4:2:0, upright, square pixels, at most 1080p60),
    /// so it can be remuxed instead of encoded. Audio is judged separately: it is cheap to re-encode.
    /// </summary>
    public static bool IsBrowserCompatible(VideoStreamInfo video) =>
        video.Codec == "h264"
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
