using System.Collections.Concurrent;
using Reel.Testing;

namespace Reel.Server.Tests.Support;

/// <summary>A test clip: how ffmpeg makes it from lavfi sources, and what Reel should make of it.</summary>
internal sealed record Clip(
    string Name,
    string ContentType,
    int DisplayWidth,
    int DisplayHeight,
    bool HasAudio,
    string[] Rungs,
    string[] FfmpegArgs,
    string[]? RemuxArgs = null)
{
    public override string ToString() => Name;
}

/// <summary>Media fixtures, generated with ffmpeg at test time (never committed), once per test run.</summary>
internal static class Clips
{
    private static readonly string Dir = TempDirs.Create("reel-clips");
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();

    static Clips() => AppDomain.CurrentDomain.ProcessExit += (_, _) => TempDirs.Delete(Dir);

    private static string[] Video(string size, double seconds = 4, int rate = 30, string? format = null) =>
        ["-f", "lavfi", "-i", $"testsrc2=size={size}:rate={rate}:duration={Num(seconds)}" + (format is null ? "" : $",format={format}")];

    private static string[] Tone(double seconds = 4, int channels = 1) =>
        ["-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={Num(seconds)}", "-ac", channels.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static readonly string[] X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30"];
    private static readonly string[] Aac = ["-c:a", "aac", "-b:a", "128k"];

    public static readonly Clip H264Aac720p = new("h264-aac-720p.mp4", "video/mp4", 1280, 720, true, ["360p", "720p"],
        [.. Video("1280x720"), .. Tone(), .. X264, .. Aac, "-movflags", "+faststart"]);

    /// <summary>
    /// Small enough that its one 180p rung encodes in a fraction of a second: the clip for tests about anything but
    /// the picture (rights, links, the library, the protocol), so the suite spends its time on what it tests.
    /// </summary>
    public static readonly Clip Tiny = new("tiny-180p.mp4", "video/mp4", 320, 180, true, ["180p"],
        [.. Video("320x180", seconds: 2, rate: 15), .. Tone(seconds: 2), .. X264, .. Aac, "-movflags", "+faststart"]);

    /// <summary>Another tiny clip, a second longer than <see cref="Tiny"/>: a new file to replace it with.</summary>
    public static readonly Clip TinyLonger = new("tiny-180p-3s.mp4", "video/mp4", 320, 180, true, ["180p"],
        [.. Video("320x180", seconds: 3, rate: 15), .. Tone(seconds: 3), .. X264, .. Aac, "-movflags", "+faststart"]);

    public static readonly Clip H264MoovAtEnd = new("h264-aac-moov-at-end.mp4", "video/mp4", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), .. X264, .. Aac]);

    public static readonly Clip Mov = new("h264-aac.mov", "video/quicktime", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), .. X264, .. Aac, "-f", "mov"]);

    public static readonly Clip Mkv = new("h264-aac.mkv", "video/x-matroska", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), .. X264, .. Aac]);

    public static readonly Clip WebM = new("vp9-opus.webm", "video/webm", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-c:a", "libopus"]);

    /// <summary>As a browser's MediaRecorder writes it: no duration and no index in the header.</summary>
    public static readonly Clip WebMWithoutDuration = new("vp9-opus-live.webm", "video/webm", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-c:a", "libopus", "-live", "1", "-f", "webm"]);

    public static readonly Clip Avi = new("mpeg4-mp3.avi", "video/x-msvideo", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), "-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", "-b:a", "128k"]);

    public static readonly Clip Hevc = new("hevc-aac.mp4", "video/mp4", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1", .. Aac]);

    public static readonly Clip Silent = new("h264-no-audio.mp4", "video/mp4", 640, 360, false, ["360p"],
        [.. Video("640x360"), .. X264, "-an"]);

    public static readonly Clip Surround = new("h264-aac-5.1.mp4", "video/mp4", 640, 360, true, ["360p"],
        [.. Video("640x360"), .. Tone(channels: 6), .. X264, .. Aac]);

    /// <summary>A phone video: stored landscape, with a rotation tag that makes it portrait on screen.</summary>
    public static readonly Clip Rotated = new("portrait-rotated.mp4", "video/mp4", 360, 640, true, ["360p"],
        [.. Video("640x360"), .. Tone(), .. X264, .. Aac],
        // ffmpeg 5.1 turns a rotate tag into a display matrix only when stream-copying.
        RemuxArgs: ["-c", "copy", "-metadata:s:v:0", "rotate=90"]);

    /// <summary>Odd height needs 4:4:4 to exist at all; Reel makes even-sized rungs of it.</summary>
    public static readonly Clip OddSize = new("odd-854x481.mp4", "video/mp4", 854, 481, true, ["360p", "480p"],
        [.. Video("854x481", format: "yuv444p"), .. Tone(), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv444p", .. Aac]);

    /// <summary>
    /// Long enough that a page plays it well before its ladder is done, and big enough that a seek in its download
    /// reads clearly less than the whole file (loopback socket buffers hold megabytes).
    /// </summary>
    public static readonly Clip Long = new("long-720p.mp4", "video/mp4", 1280, 720, true, ["360p", "720p"],
        [.. Video("1280x720", seconds: 40), .. Tone(seconds: 40), .. X264, .. Aac, "-movflags", "+faststart"]);

    /// <summary>720p for 20 s: an encode long enough for a worker to be lost or S3 to go away in the middle of it.</summary>
    public static readonly Clip Watchable = new("watchable-720p.mp4", "video/mp4", 1280, 720, true, ["360p", "720p"],
        [.. Video("1280x720", seconds: 20), .. Tone(seconds: 20), .. X264, .. Aac, "-movflags", "+faststart"]);

    /// <summary>
    /// Long enough to play, skip, switch between its two rungs (360p and 480p) and seek in a browser, and small enough
    /// that its ladder is done in a few seconds.
    /// </summary>
    public static readonly Clip Browsable = new("browsable-480p.mp4", "video/mp4", 854, 480, true, ["360p", "480p"],
        [.. Video("854x480", seconds: 16), .. Tone(seconds: 16), .. X264, .. Aac, "-movflags", "+faststart"]);

    /// <summary>Hard to compress, so 8 s make about 25 MB: more than three S3 parts, sent in many pieces when resumed.</summary>
    public static readonly Clip Bulky = new("bulky-360p.mp4", "video/mp4", 640, 360, true, ["360p"],
        ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=8,noise=alls=30:allf=t", .. Tone(seconds: 8),
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "24M", "-maxrate", "24M", "-bufsize", "48M", "-pix_fmt", "yuv420p", .. Aac]);

    /// <summary>
    /// A source nothing can be copied from (10-bit H.264 at 60 fps, as phones and action cameras record): it is
    /// playable only from an encode, which a viewer who starts at once must never catch up with.
    /// </summary>
    public static readonly Clip TenBit60 = new("h264-10bit-60fps.mp4", "video/mp4", 1280, 720, true, ["360p", "720p"],
        [.. Video("1280x720", seconds: 12, rate: 60), .. Tone(seconds: 12), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p10le", .. Aac, "-movflags", "+faststart"]);

    /// <summary>
    /// Camcorder AVCHD: interlaced H.264 (top field first) with two AC-3 tracks, English and French, in MPEG-TS: it is
    /// deinterlaced, and both tracks are offered.
    /// </summary>
    public static readonly Clip TwoAudioTracksInterlaced = new("camcorder-two-tracks.mts", "video/mp2t", 640, 360, true, ["360p"],
        [.. Video("640x360", rate: 50), "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=4", "-f", "lavfi", "-i", "sine=frequency=600:sample_rate=48000:duration=4",
            "-map", "0:v", "-map", "1:a", "-map", "2:a", "-vf", "tinterlace=interleave_top,setfield=tff",
            "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-pix_fmt", "yuv420p",
            "-c:a", "ac3", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre", "-f", "mpegts"]);

    public static readonly Clip[] Formats = [H264Aac720p, H264MoovAtEnd, Mov, Mkv, WebM, WebMWithoutDuration, Avi, Hevc, Silent, Surround, Rotated, OddSize];

    /// <summary>
    /// As long as <see cref="Long"/> and as big (about 16 MB, so a seek in its download reads clearly less than the
    /// whole file through loopback socket buffers of megabytes), but 360p: its ladder is one quick rung, and still an
    /// encode of many seconds that a crash or a player can land in the middle of.
    /// </summary>
    public static readonly Clip LongSmallPicture = new("long-360p.mp4", "video/mp4", 640, 360, true, ["360p"],
        [.. Video("640x360", seconds: 40), .. Tone(seconds: 40), .. X264, "-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M", .. Aac, "-movflags", "+faststart"]);

    public static Clip ByName(string name) => Formats.Append(Long).Append(Watchable).Append(Tiny).Append(TinyLonger).Single(c => c.Name == name);

    /// <summary>The clip's file, made on first use.</summary>
    public static Task<string> PathAsync(Clip clip) =>
        Made.GetOrAdd(clip.Name, _ => new Lazy<Task<string>>(() => MakeAsync(clip))).Value;

    /// <summary>A file with the given bytes in this run's fixture folder.</summary>
    public static string Write(string name, byte[] content)
    {
        var path = Path.Combine(Dir, $"{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, content);
        return path;
    }

    private static async Task<string> MakeAsync(Clip clip)
    {
        var path = Path.Combine(Dir, clip.Name);
        if (clip.RemuxArgs is null)
        {
            await Ffmpeg.RunAsync(["-hide_banner", "-loglevel", "error", "-y", .. clip.FfmpegArgs, path]);
            return path;
        }
        var first = Path.Combine(Dir, "unremuxed-" + clip.Name);
        await Ffmpeg.RunAsync(["-hide_banner", "-loglevel", "error", "-y", .. clip.FfmpegArgs, first]);
        await Ffmpeg.RunAsync(["-hide_banner", "-loglevel", "error", "-y", "-i", first, .. clip.RemuxArgs, path]);
        return path;
    }

    private static string Num(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
