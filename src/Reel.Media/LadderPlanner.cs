namespace Reel.Media;

/// <summary>Plans the adaptive ladder for a source: 360p, 720p and 1080p, never above the source.</summary>
public static class LadderPlanner
{
    private static readonly int[] StandardHeights = [360, 720, 1080];

    private static readonly FrameRate[] StandardRates =
    [
        new(24000, 1001), new(24, 1), new(25, 1), new(30000, 1001), new(30, 1),
        new(48, 1), new(50, 1), new(60000, 1001), new(60, 1),
    ];

    // H.264 Annex A: level, max frame size and max macroblock rate.
    private static readonly (int Level, int MaxFrameMbs, int MaxMbPerSecond)[] Levels =
    [
        (30, 1620, 40500), (31, 3600, 108000), (32, 5120, 216000), (40, 8192, 245760),
        (42, 8704, 522240), (50, 22080, 589824), (51, 36864, 983040),
    ];

    /// <summary>Plans the ladder for the probed source.</summary>
    public static LadderPlan Plan(MediaProbe probe)
    {
        var video = probe.Video ?? throw new ArgumentException("The source has no video stream.", nameof(probe));
        // Deinterlacing makes a frame of every field: 25 frames of 50 fields become 50 frames.
        var rate = OutputFrameRate(video.Interlaced ? video.FrameRate * 2 : video.FrameRate);
        var alternate = probe.AudioTracks.Count > 1 ? AudioRenditions(probe) : [];
        var muxedAudio = alternate.Count == 0 ? probe.Audio?.Index : null;
        var renditions = RungSizes(video.DisplayWidth, video.DisplayHeight)
            .Select(size => Rung(size.Width, size.Height, rate, muxedAudio is not null))
            .ToList();
        return new LadderPlan(video.Index, muxedAudio, rate, renditions, PictureTreatment.For(video)) { AlternateAudio = alternate };
    }

    /// <summary>Every audio track as an audio rendition, labelled by its title, else its language, else its number.</summary>
    public static IReadOnlyList<AudioRendition> AudioRenditions(MediaProbe probe) =>
        [.. probe.AudioTracks.Select((track, k) =>
        {
            var language = LanguageTags.ToBcp47(track.Language);
            var label = Label(track.Title) ?? (language is null ? null : LanguageTags.NativeName(language)) ?? $"Track {k + 1}";
            return new AudioRendition($"audio-{k + 1}", track.Index, language, label, track.Index == probe.Audio?.Index);
        })];

    // Titles come from the file: keep printable characters other than quotes, within a length players show.
    private static string? Label(string? title)
    {
        if (title is null) return null;
        var text = new string([.. title.Where(c => !char.IsControl(c) && c != '"')]).Trim();
        return text.Length == 0 ? null : text.Length <= 60 ? text : text[..60].TrimEnd();
    }

    /// <summary>
    /// Rung sizes for a display size. Rungs are named by the short side, so portrait video gets portrait rungs.
    /// A source between standard rungs (say 480p) also gets a rung at its own size when that is at least a quarter
    /// bigger than the top standard rung below it, so its sharpness is not thrown away.
    /// </summary>
    public static IReadOnlyList<(int Width, int Height)> RungSizes(int displayWidth, int displayHeight)
    {
        var shortSide = Math.Min(displayWidth, displayHeight);
        var longSide = Math.Max(displayWidth, displayHeight);
        var heights = StandardHeights.Where(h => h <= shortSide).ToList();
        var top = heights.Count == 0 ? 0 : heights[^1];
        if (heights.Count == 0 || (top < StandardHeights[^1] && shortSide >= top * 1.25))
            heights.Add(Math.Max(2, shortSide & ~1));

        return heights.Select(h =>
        {
            var other = Even((double)h * longSide / shortSide);
            return displayWidth >= displayHeight ? (other, h) : (h, other);
        }).ToList();
    }

    /// <summary>
    /// The output frame rate: the nearest standard rate, halving sources above 60 fps (slow-motion phone clips)
    /// so every rung stays within H.264 levels that every device decodes. Variable-rate sources become constant.
    /// </summary>
    public static FrameRate OutputFrameRate(double sourceFps)
    {
        if (!double.IsFinite(sourceFps) || sourceFps <= 0) return new(30, 1);
        while (sourceFps > 61) sourceFps /= 2;
        var nearest = StandardRates.MinBy(r => Math.Abs(r.Value - sourceFps));
        return Math.Abs(nearest.Value - sourceFps) / sourceFps < 0.02 ? nearest : new((int)Math.Max(1, Math.Round(sourceFps)), 1);
    }

    private static Rendition Rung(int width, int height, FrameRate rate, bool hasAudio)
    {
        var shortSide = Math.Min(width, height);
        return new Rendition(
            Name: $"{shortSide}p",
            Width: width,
            Height: height,
            MaxrateKbps: MaxrateKbps(width, height, rate.Value),
            H264Level: Level(width, height, rate.Value),
            HasAudio: hasAudio);
    }

    // Bitrate caps at 30 fps by pixel count: 360p 800 kb/s, 720p 2800, 1080p 5000.
    private static readonly (double Pixels, double Kbps)[] BitrateAnchors = [(640 * 360, 800), (1280 * 720, 2800), (1920 * 1080, 5000)];

    /// <summary>Bitrate cap: the anchors for standard rungs, log-log interpolated between them; half as much again above 30 fps.</summary>
    public static int MaxrateKbps(int width, int height, double fps)
    {
        var pixels = Math.Max(1.0, (double)width * height);
        var segment = pixels <= BitrateAnchors[1].Pixels ? 0 : 1;
        var (p0, k0) = BitrateAnchors[segment];
        var (p1, k1) = BitrateAnchors[segment + 1];
        var slope = Math.Log(k1 / k0) / Math.Log(p1 / p0);
        var kbps = Math.Clamp(k0 * Math.Pow(pixels / p0, slope), 150, 5000);
        if (fps > 31) kbps *= 1.5;
        return (int)(Math.Round(kbps / 50) * 50);
    }

    /// <summary>The lowest H.264 level whose frame size and macroblock rate fit the rung.</summary>
    public static int Level(int width, int height, double fps)
    {
        var frameMbs = ((width + 15) / 16) * ((height + 15) / 16);
        var mbPerSecond = frameMbs * fps;
        foreach (var (level, maxFrame, maxRate) in Levels)
        {
            if (frameMbs <= maxFrame && mbPerSecond <= maxRate) return level;
        }
        return 51;
    }

    private static int Even(double value) => Math.Max(2, (int)Math.Round(value / 2, MidpointRounding.AwayFromZero) * 2);
}
