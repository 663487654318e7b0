using System.Collections.Concurrent;

namespace Reel.Media.Tests.Support;

/// <summary>
/// The files people really upload, made with ffmpeg at test time: phone HDR, camcorder 1080i, old PC containers,
/// multi-track Matroska, animated images and hostile timestamps. Small (a few seconds, at most 320x180) and made once
/// per test run, each the first time a test asks for it.
/// </summary>
internal static class Corpus
{
    private static readonly string Root = CreateRoot();
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new(StringComparer.Ordinal);

    // The picture every clip is made of: colour bars with motion, so saturation and interlacing can be measured.
    private static readonly string[] Picture = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30"];
    private static readonly string[] Tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"];

    /// <summary>The SDR picture the HDR clips are made from.</summary>
    public static Task<string> SdrAsync() => MakeAsync("sdr.mp4", path => Ffmpeg.RunAsync(
        [.. Picture, "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path]));

    /// <summary>An iPhone clip: HEVC 10-bit HLG in a QuickTime file with a quarter-turn rotation matrix, AAC audio.</summary>
    public static Task<string> IphoneHlgAsync() => MakeAsync("iphone-hlg.mov", async path =>
    {
        var upright = path + ".upright.mov";
        await Ffmpeg.RunAsync(
            [.. Picture, .. Tone, "-t", "2", "-vf", ToHdr("arib-std-b67"), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
                "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-tag:v", "hvc1", "-c:a", "aac", upright]);
        // ffmpeg 5.1 writes a rotation matrix from the "rotate" tag only when it copies the stream.
        await Ffmpeg.RunAsync("-i", upright, "-c", "copy", "-metadata:s:v:0", "rotate=90", path);
    });

    /// <summary>An action-camera clip: HEVC 10-bit PQ (HDR10) in MP4.</summary>
    public static Task<string> PqAsync() => MakeAsync("hdr10.mp4", path => Ffmpeg.RunAsync(
        [.. Picture, "-t", "2", "-vf", ToHdr("smpte2084"), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
            "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", path]));

    /// <summary>A camcorder's AVCHD file: H.264 interlaced (top field first, 25 frames of 50 fields) and AC-3 in MPEG-TS.</summary>
    public static Task<string> AvchdAsync() => MakeAsync("camcorder.mts", path => Ffmpeg.RunAsync(
        ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=50", .. Tone, "-t", "2", "-vf", "tinterlace=interleave_top,setfield=tff",
            "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-pix_fmt", "yuv420p",
            "-c:a", "ac3", "-f", "mpegts", path]));

    /// <summary>A file of another container, from the list of <see cref="Containers"/>.</summary>
    public static Task<string> ContainerAsync(string name) => MakeAsync(name, path => Ffmpeg.RunAsync(
        [.. SmallPicture, .. Tone, "-t", "1", .. Containers[name], path]));

    private static readonly string[] SmallPicture = ["-f", "lavfi", "-i", "testsrc2=size=176x144:rate=25"];

    /// <summary>Old PC, phone and broadcast containers with the codecs they usually carry.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Containers = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["dvd.vob"] = ["-c:v", "mpeg2video", "-c:a", "mp2", "-f", "vob"],
        ["camera.mpg"] = ["-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpeg"],
        ["old.wmv"] = ["-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf"],
        ["flash.flv"] = ["-c:v", "flv1", "-c:a", "libmp3lame", "-ar", "44100", "-f", "flv"],
        ["phone.3gp"] = ["-c:v", "h263", "-c:a", "aac", "-ar", "16000", "-ac", "1", "-f", "3gp"],
        ["broadcast.mxf"] = ["-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-f", "mxf"],
        ["theora.ogv"] = ["-c:v", "libtheora", "-c:a", "libvorbis", "-f", "ogg"],
        ["broadcast.ts"] = ["-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpegts"],
    };

    /// <summary>An animated GIF (2 s at 10 fps) and, with <paramref name="frames"/> 1, a still one.</summary>
    public static Task<string> GifAsync(int frames) => MakeAsync($"anim-{frames}.gif", path => Ffmpeg.RunAsync(
        ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture), path]));

    /// <summary>An animated PNG, 2 s at 10 fps.</summary>
    public static Task<string> ApngAsync() => MakeAsync("anim.apng", path => Ffmpeg.RunAsync(
        ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "2", "-plays", "0", "-f", "apng", path]));

    /// <summary>
    /// Matroska with two audio tracks, the second flagged default and 20 dB louder, each with a language and title;
    /// a SubRip subtitle track and chapters.
    /// </summary>
    public static Task<string> MultiTrackMkvAsync() => MakeAsync("multitrack.mkv", async path =>
    {
        var srt = path + ".srt";
        await File.WriteAllTextAsync(srt, "1\n00:00:00,000 --> 00:00:01,000\nBonjour\n");
        var chapters = path + ".chapters";
        await File.WriteAllTextAsync(chapters, ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=Start\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=End\n");
        await Ffmpeg.RunAsync(
            [.. SmallPicture, "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000", "-f", "lavfi", "-i", "sine=frequency=600:sample_rate=48000",
                "-i", srt, "-i", chapters, "-t", "2",
                "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:s", "-map_chapters", "4",
                "-filter:a:0", "volume=-20dB",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "libvorbis", "-c:s", "srt",
                "-metadata:s:a:0", "language=eng", "-metadata:s:a:0", "title=Quiet \"commentary\"",
                "-metadata:s:a:1", "language=fre", "-metadata:s:a:1", "title=Français",
                "-metadata:s:s:0", "language=fre",
                "-disposition:a:0", "0", "-disposition:a:1", "default", path]);
    });

    /// <summary>
    /// A hostile file: 50 frames of 25 fps (two seconds of picture) whose timestamps jump by almost six hours halfway,
    /// so the file claims 5:58:22 in 150 KB.
    /// </summary>
    public static Task<string> TimestampGapAsync() => MakeAsync("gap.mkv", path => Ffmpeg.RunAsync(
        ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-frames:v", "50", "-vf", "setpts='PTS+gte(N,25)*21500/TB'",
            "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", path]));

    /// <summary>A screen recording: variable frame rate with pauses of up to 4 s where nothing moved.</summary>
    public static Task<string> ScreenRecordingAsync() => MakeAsync("screen.mkv", path => Ffmpeg.RunAsync(
        ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-frames:v", "40", "-vf", "setpts='PTS+gte(N,20)*4/TB'",
            "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", path]));

    // BT.709 bars turned into 10-bit BT.2020 with the given transfer, as a phone's HDR recording stores them.
    private static string ToHdr(string transfer) =>
        $"zscale=tin=bt709:pin=bt709:min=bt709:t={transfer}:p=bt2020:m=bt2020nc:npl=100,format=yuv420p10le";

    private static string CreateRoot()
    {
        var root = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reel-corpus-" + Guid.NewGuid().ToString("N"))).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    }

    private static Task<string> MakeAsync(string name, Func<string, Task> make) =>
        Made.GetOrAdd(name, _ => new Lazy<Task<string>>(async () =>
        {
            var path = System.IO.Path.Combine(Root, name);
            await make(path);
            return path;
        })).Value;
}
