namespace Reel.Media.Tests.Support;

/// <summary>Hand-made probes, so unit tests state only the facts they are about.</summary>
internal static class Probes
{
    public static VideoStreamInfo Video(
        int width,
        int height,
        double fps = 30,
        int rotation = 0,
        int sarNumerator = 1,
        int sarDenominator = 1,
        string codec = "h264",
        string? profile = "High",
        string pixelFormat = "yuv420p",
        int index = 0) =>
        new(index, codec, profile, 40, pixelFormat, width, height, sarNumerator, sarDenominator, rotation, fps, 4_000_000);

    public static AudioStreamInfo AacStereo(int index = 1) => new(index, "aac", "LC", 2, 48000);

    public static AudioStreamInfo Audio(string codec, string? profile, int channels, int index = 1) => new(index, codec, profile, channels, 48000);

    public static MediaProbe Mp4(VideoStreamInfo? video, AudioStreamInfo? audio = null, double duration = 10) =>
        new("mov,mp4,m4a,3gp,3g2,mj2", duration, (video is null ? 0 : 1) + (audio is null ? 0 : 1), video, audio);
}
