using System.Globalization;

namespace Reel.Media;

/// <summary>
/// Pure builders of ffprobe/ffmpeg argument lists. Every input goes through <see cref="SafeInput"/>, which keeps
/// ffmpeg to local files of the accepted containers, so a disguised playlist or concat script cannot make it read
/// other files or URLs. No user-supplied string ever reaches these lists: paths are server-made.
/// </summary>
public static class FfmpegArgs
{
    /// <summary>Demuxers that identify what a rejected file is (a still image or audio), for a precise error.</summary>
    public const string IdentifyDemuxers = "png_pipe,jpeg_pipe,gif,webp_pipe,bmp_pipe,tiff_pipe,mp3,wav,flac,ogg,aac,aiff,w64";

    /// <summary>ffprobe: format, streams and chapters as JSON, reading only accepted containers.</summary>
    public static IReadOnlyList<string> Probe(string inputPath) =>
    [
        "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", "file",
        "-format_whitelist", SourceCheck.AcceptedDemuxers,
        "-print_format", "json", "-show_format", "-show_streams", "-show_chapters",
        "file:" + inputPath,
    ];

    /// <summary>
    /// ffprobe: the timestamp and duration of every video packet, one "pts,duration" line each, for files whose header
    /// states no duration (WebM recorded by a browser, any stream written to a pipe).
    /// </summary>
    public static IReadOnlyList<string> PacketTimes(string inputPath, int videoStreamIndex) =>
    [
        "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", "file",
        "-format_whitelist", SourceCheck.AcceptedDemuxers,
        "-select_streams", videoStreamIndex.ToString(CultureInfo.InvariantCulture),
        "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0",
        "file:" + inputPath,
    ];

    /// <summary>
    /// ffmpeg: reads every packet without decoding and discards it. A moov-first MP4 cut short probes fine, but this
    /// pass reports "partial file" where its index points past the end.
    /// </summary>
    public static IReadOnlyList<string> DemuxCheck(string inputPath) =>
    [
        "-hide_banner", "-nostats", "-loglevel", "error",
        "-protocol_whitelist", "file",
        "-format_whitelist", SourceCheck.AcceptedDemuxers,
        "-i", "file:" + inputPath,
        "-map", "0", "-c", "copy", "-f", "null", "-",
    ];

    /// <summary>ffprobe: names the format of a file the accepted containers did not match (images and audio only).</summary>
    public static IReadOnlyList<string> Identify(string inputPath) =>
    [
        "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", "file",
        "-format_whitelist", IdentifyDemuxers,
        "-print_format", "json", "-show_format",
        "file:" + inputPath,
    ];

    /// <summary>
    /// Remuxes a browser-compatible source to an HLS rendition (MPEG-TS segments, see <see cref="HlsOptions"/>) without
    /// re-encoding the video, so it is playable a fraction of a second after it is stored. Segments follow the source's
    /// keyframes.
    /// </summary>
    public static IReadOnlyList<string> FastStartHls(string inputPath, MediaProbe probe, string outputDir, string segmentPrefix, long maxPixels)
    {
        var video = probe.Video ?? throw new ArgumentException("The source has no video stream.", nameof(probe));
        List<string> args = [.. Head(), .. SafeInput(inputPath, maxPixels)];
        args.AddRange(["-map", $"0:{video.Index}"]);
        if (probe.Audio is { } audio) args.AddRange(["-map", $"0:{audio.Index}"]);
        args.AddRange(["-c:v", "copy"]);
        if (probe.Audio is { } a) args.AddRange(AudioCodec(a));
        args.AddRange(StripMetadata());
        args.AddRange(["-f", "hls"]);
        args.AddRange(HlsOptions(hlsTime: "2", Path.Combine(outputDir, segmentPrefix + SegmentPattern))
            .SelectMany(o => new[] { "-" + o.Key, o.Value }));
        args.Add(Path.Combine(outputDir, "index.m3u8"));
        return args;
    }

    /// <summary>
    /// Encodes every rung of the ladder in one ffmpeg process: one decode and one frame-rate normalisation feed all
    /// rungs, each scaled from the next larger one (cheaper than scaling every rung from the source), and every rung
    /// gets keyframes at the same instants, so segments line up across renditions. The audio is encoded once and the
    /// tee muxer hands the same packets to every rung's HLS muxer, so each segment still carries video and audio.
    /// Each rung is written to its folder of <see cref="LadderFolders"/>, which the caller creates.
    /// </summary>
    public static IReadOnlyList<string> LadderHls(string inputPath, LadderPlan plan, string outputDir, string segmentPrefix, long maxPixels)
    {
        var rungs = plan.Renditions;
        var largestFirst = rungs.Select((r, i) => (Rung: r, Index: i)).OrderByDescending(x => x.Rung.Width * x.Rung.Height).ToList();
        var graph = new List<string>();
        var picture = plan.Picture ?? PictureTreatment.Plain;
        var input = $"[0:{plan.VideoStreamIndex}]" + (picture.Deinterlacer is { } deinterlace ? deinterlace + "," : "") + $"fps={plan.FrameRate},";
        for (var k = 0; k < largestFirst.Count; k++)
        {
            var (rung, index) = largestFirst[k];
            // The largest rung is made from the source (deinterlaced, tone-mapped, converted to BT.709 8-bit);
            // every smaller one from the next larger, which is already all that.
            var scaled = k == 0 ? picture.ScaleTo(rung.Width, rung.Height) : $"scale={rung.Width}:{rung.Height}:flags=bicubic,setsar=1";
            graph.Add(k == largestFirst.Count - 1
                ? $"{input}{scaled}[v{index}]"
                : $"{input}{scaled},split=2[v{index}][c{k}]");
            input = $"[c{k}]";
        }

        List<string> args = [.. Head(), .. SafeInput(inputPath, maxPixels), "-filter_complex", string.Join(';', graph)];
        for (var i = 0; i < rungs.Count; i++)
            args.AddRange(["-map", $"[v{i}]"]);
        if (plan.AudioStreamIndex is { } audio) args.AddRange(["-map", $"0:{audio}"]);
        foreach (var track in plan.AlternateAudio)
            args.AddRange(["-map", $"0:{track.StreamIndex}"]);

        var gop = (int)Math.Ceiling(plan.FrameRate.Value * LadderPlan.SegmentSeconds * 2);
        args.AddRange([
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-crf", "21",
            // Only the forced keyframes may start a GOP; scene cuts would differ between rungs and break alignment.
            "-sc_threshold", "0", "-g", gop.ToString(CultureInfo.InvariantCulture),
            "-force_key_frames", KeyframeExpression,
            .. PictureTreatment.Bt709Tags,
        ]);
        for (var i = 0; i < rungs.Count; i++)
        {
            var r = rungs[i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            args.AddRange([
                $"-maxrate:v:{n}", Kbps(r.MaxrateKbps), $"-bufsize:v:{n}", Kbps(r.BufsizeKbps), $"-level:v:{n}", r.LevelText,
            ]);
        }
        if (plan.AudioStreamIndex is not null || plan.AlternateAudio.Count > 0)
            args.AddRange(["-c:a", "aac", "-b:a", Kbps(Rendition.AudioKbps), "-ac", "2", "-ar", "48000"]);
        args.AddRange(StripMetadata());
        // Behind the tee muxer ffmpeg cannot tell that the muxers want codec headers out of band, so it is told: the
        // MPEG-TS muxer then writes SPS/PPS before every keyframe and ADTS headers from them, so each segment decodes alone.
        args.AddRange(["-flags", "+global_header", "-f", "tee"]);
        var folders = LadderFolders(plan, outputDir);
        var videoOutputs = rungs.Select((r, i) =>
        {
            // A hls_time below every keyframe interval makes each forced keyframe start a segment.
            var options = HlsOptions(hlsTime: "0.5", Path.Combine(folders[i], segmentPrefix + SegmentPattern));
            return TeeOutput([("select", plan.AudioStreamIndex is null ? $"v:{i}" : $"v:{i},a"), ("f", "hls"), .. options], Path.Combine(folders[i], "index.m3u8"));
        });
        // Audio has a keyframe in every packet, so a one-second target cuts one-second segments: quick to start
        // without the request count of half-second ones.
        var audioOutputs = plan.AlternateAudio.Select((track, k) =>
        {
            var folder = folders[rungs.Count + k];
            var options = HlsOptions(hlsTime: "1", Path.Combine(folder, segmentPrefix + SegmentPattern));
            return TeeOutput([("select", $"a:{k}"), ("f", "hls"), .. options], Path.Combine(folder, "index.m3u8"));
        });
        args.Add(string.Join('|', videoOutputs.Concat(audioOutputs)));
        return args;
    }

    /// <summary>
    /// Remuxes one of our own HLS renditions, its MPEG-TS segments joined end to end into <paramref name="joinedTsPath"/>,
    /// to an MP4 with an index, so the storyboard and download builders read it with exact duration and seeking. Only
    /// the TS demuxer is allowed.
    /// </summary>
    public static IReadOnlyList<string> JoinedRenditionToMp4(string joinedTsPath, string outputPath) =>
    [
        .. Head(),
        "-protocol_whitelist", "file",
        "-format_whitelist", "mpegts",
        "-f", "mpegts",
        "-i", "file:" + joinedTsPath,
        "-map", "0:v?", "-map", "0:a?", "-c", "copy",
        .. StripMetadata(),
        "-f", "mp4", outputPath,
    ];

    /// <summary>
    /// The folder <see cref="LadderHls"/> writes each rung to, in the plan's order, then each audio rendition's:
    /// <c>outputDir/NAME</c>.
    /// </summary>
    public static IReadOnlyList<string> LadderFolders(LadderPlan plan, string outputDir) =>
        [.. plan.Renditions.Select(r => Path.Combine(outputDir, r.Name)), .. plan.AlternateAudio.Select(a => Path.Combine(outputDir, a.Name))];

    /// <summary>
    /// Keyframes at 0, 0.5 and 1 s, then every <see cref="LadderPlan.SegmentSeconds"/>: two half-second lead-in
    /// segments make a fresh encode playable quickly, the steady length keeps request counts low.
    /// </summary>
    public static string KeyframeExpression { get; } =
        $"expr:if(lt(t,1),gte(t,n_forced*0.5),gte(t,{LadderPlan.SegmentSeconds}*(n_forced-2)))";

    /// <summary>
    /// One JPEG frame at <paramref name="atSeconds"/>, scaled to the given display size, deinterlaced and tone-mapped
    /// as the renditions are (<paramref name="picture"/> null: a rendition of ours, which needs neither).
    /// </summary>
    /// <remarks>
    /// With <paramref name="seekByDecoding"/> ffmpeg decodes up to the moment instead of jumping to it: containers
    /// without an index (MPEG-TS, MPEG-PS, FLV…) cannot be jumped into reliably, and the poster is never far in.
    /// </remarks>
    public static IReadOnlyList<string> Thumbnail(
        string inputPath, int videoStreamIndex, double atSeconds, int width, int height, string outputPath, long maxPixels,
        PictureTreatment? picture = null, bool seekByDecoding = false) =>
    [
        "-hide_banner", "-nostats", "-loglevel", "warning", "-y",
        .. seekByDecoding ? Array.Empty<string>() : ["-ss", Seconds(atSeconds)],
        .. SafeInput(inputPath, maxPixels),
        .. seekByDecoding ? ["-ss", Seconds(atSeconds)] : Array.Empty<string>(),
        "-map", $"0:{videoStreamIndex}", "-frames:v", "1",
        "-vf", picture is null
            ? $"scale={width}:{height}:flags=bicubic,setsar=1"
            : (picture.Deinterlacer is { } deinterlace ? deinterlace + "," : "") + picture.ScaleTo(width, height, toYuv420: false),
        "-q:v", "3", "-map_metadata", "-1", "-f", "image2", "-update", "1", outputPath,
    ];

    /// <summary>
    /// The text subtitle tracks of a source, each converted by ffmpeg to a WebVTT file of our own naming, in one read of
    /// the file (no picture or sound decoded). What the files say is then parsed and cleaned by
    /// <see cref="CaptionFiles"/>, never trusted as ffmpeg wrote it.
    /// </summary>
    public static IReadOnlyList<string> ExtractSubtitles(string inputPath, IReadOnlyList<(int StreamIndex, string OutputPath)> tracks, long maxPixels)
    {
        List<string> args = ["-hide_banner", "-nostats", "-loglevel", "warning", "-y", .. SafeInput(inputPath, maxPixels)];
        foreach (var (index, output) in tracks)
            args.AddRange(["-map", $"0:{index}", "-c:s", "webvtt", "-map_metadata", "-1", "-f", "webvtt", output]);
        return args;
    }

    /// <summary>
    /// A poster from an image a person uploaded (JPEG, PNG or WebP, told apart by its bytes before this is called),
    /// decoded by the one demuxer of its kind only and written as a fresh JPEG of the given display size: nothing of
    /// the upload but its picture is kept (no metadata, no embedded profile or thumbnail).
    /// </summary>
    public static IReadOnlyList<string> PosterFromImage(string inputPath, PosterImage kind, int width, int height, string outputPath, long maxPixels)
    {
        var demuxer = kind switch
        {
            PosterImage.Jpeg => "jpeg_pipe",
            PosterImage.Png => "png_pipe",
            PosterImage.WebP => "webp_pipe",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return
        [
            "-hide_banner", "-nostats", "-loglevel", "warning", "-y",
            "-protocol_whitelist", "file",
            "-format_whitelist", demuxer,
            "-f", demuxer,
            "-max_pixels", maxPixels.ToString(CultureInfo.InvariantCulture),
            "-i", "file:" + inputPath,
            "-map", "0:v:0", "-frames:v", "1",
            // Fitted inside the poster's box with the picture's own shape, then padded to it: previews get the size they were told.
            "-vf", $"scale={width}:{height}:force_original_aspect_ratio=decrease:flags=bicubic,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuvj420p",
            "-q:v", "3", "-map_metadata", "-1", "-f", "image2", "-update", "1", outputPath,
        ];
    }

    /// <summary>
    /// Storyboard sprite sheets from one of our own renditions: decoding keyframes only is fast, and our keyframes
    /// fall on every <see cref="LadderPlan.SegmentSeconds"/> so an interval that is a multiple of it hits them exactly.
    /// </summary>
    public static IReadOnlyList<string> Storyboard(string inputPath, int intervalSeconds, int tileWidth, int tileHeight, int columns, int rows, string outputPattern, long maxPixels) =>
    [
        .. Head(),
        "-skip_frame", "nokey",
        .. SafeInput(inputPath, maxPixels),
        "-map", "0:v:0",
        "-vf", $"fps=1/{intervalSeconds},scale={tileWidth}:{tileHeight}:flags=bicubic,setsar=1,tile={columns}x{rows}",
        "-q:v", "5", "-start_number", "0", "-f", "image2", outputPattern,
    ];

    /// <summary>
    /// A progressive MP4 with its index at the front, so players can start and seek over HTTP Range: the video is
    /// copied; each audio track is copied when browsers play it as it is, otherwise encoded to AAC stereo. A source with
    /// several audio tracks keeps them all, with their languages, the one that plays flagged default.
    /// </summary>
    public static IReadOnlyList<string> ProgressiveMp4(string inputPath, MediaProbe probe, string outputPath, long maxPixels)
    {
        var video = probe.Video ?? throw new ArgumentException("The source has no video stream.", nameof(probe));
        var tracks = probe.AudioTracks.Count > 1 ? probe.AudioTracks : probe.Audio is { } played ? [played] : [];
        List<string> args = [.. Head(), .. SafeInput(inputPath, maxPixels), "-map", $"0:{video.Index}"];
        foreach (var track in tracks) args.AddRange(["-map", $"0:{track.Index}"]);
        args.AddRange(["-c:v", "copy"]);
        if (tracks.Count == 1) args.AddRange(AudioCodec(tracks[0]));
        args.AddRange(StripMetadata());
        if (tracks.Count > 1)
        {
            for (var k = 0; k < tracks.Count; k++)
            {
                var n = k.ToString(CultureInfo.InvariantCulture);
                args.AddRange(AudioCodec(tracks[k], n));
                if (LanguageTags.ToIso639(tracks[k].Language) is { } language) args.AddRange([$"-metadata:s:a:{n}", "language=" + language]);
                args.AddRange([$"-disposition:a:{n}", tracks[k].Index == probe.Audio?.Index ? "default" : "0"]);
            }
        }
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", outputPath]);
        return args;
    }

    /// <summary>
    /// The download of a source with several audio tracks: the top rung's video and every audio rendition, each an MP4
    /// of our own (<see cref="JoinedRenditionToMp4"/>), copied into one faststart MP4 whose audio tracks carry their
    /// languages, the one that plays flagged default, so desktop players offer the same choice as the stream.
    /// </summary>
    public static IReadOnlyList<string> DownloadWithAudioTracks(string videoPath, IReadOnlyList<(string Path, string? Language, bool IsDefault)> audio, string outputPath, long maxPixels)
    {
        List<string> args = [.. Head(), .. SafeInput(videoPath, maxPixels)];
        foreach (var track in audio) args.AddRange(SafeInput(track.Path, maxPixels));
        args.AddRange(["-map", "0:v:0"]);
        for (var k = 0; k < audio.Count; k++) args.AddRange(["-map", $"{k + 1}:a:0"]);
        args.AddRange(["-c", "copy", .. StripMetadata()]);
        for (var k = 0; k < audio.Count; k++)
        {
            var n = k.ToString(CultureInfo.InvariantCulture);
            // Only a code LanguageTags made (three letters) ever reaches the arguments.
            if (LanguageTags.ToIso639(audio[k].Language) is { } language) args.AddRange([$"-metadata:s:a:{n}", "language=" + language]);
            args.AddRange([$"-disposition:a:{n}", audio[k].IsDefault ? "default" : "0"]);
        }
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", outputPath]);
        return args;
    }

    private static IEnumerable<string> Head() =>
        ["-hide_banner", "-nostats", "-loglevel", "warning", "-progress", "pipe:1", "-y"];

    // Input options that keep an untrusted file from pulling in anything else (see docs/decisions on ffmpeg hardening).
    private static IEnumerable<string> SafeInput(string inputPath, long maxPixels) =>
    [
        "-protocol_whitelist", "file,pipe",
        "-format_whitelist", SourceCheck.AcceptedDemuxers,
        "-max_pixels", maxPixels.ToString(CultureInfo.InvariantCulture),
        "-i", "file:" + inputPath,
    ];

    // For the one audio output, or (with a stream index) for one of several.
    private static IEnumerable<string> AudioCodec(AudioStreamInfo audio, string? stream = null)
    {
        var on = stream is null ? "" : ":a:" + stream;
        return SourceCheck.IsBrowserCompatible(audio)
            ? [stream is null ? "-c:a" : "-c" + on, "copy"]
            : [stream is null ? "-c:a" : "-c" + on, "aac", stream is null ? "-b:a" : "-b" + on, Kbps(Rendition.AudioKbps), "-ac" + on, "2", "-ar" + on, "48000"];
    }

    // Drop subtitles and data tracks, and every tag: phone videos carry GPS positions that a share link must not leak.
    private static IEnumerable<string> StripMetadata() => ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"];

    // The segment file names after the prefix: a five-digit sequence number, MPEG-TS.
    private const string SegmentPattern = "-%05d.ts";

    private static IEnumerable<(string Key, string Value)> HlsOptions(string hlsTime, string segmentPattern) =>
    [
        ("hls_time", hlsTime),
        // EVENT playlists grow while ffmpeg works, so players can start on the first segment.
        ("hls_playlist_type", "event"),
        // MPEG-TS, not fMP4: libavformat before 8.0 (mpv and ffplay on Debian 12, Ubuntu 24.04) cannot seek in fMP4 HLS,
        // its mov demuxer reads the segment after a seek at the byte offsets of the one before ("Invalid NAL unit size").
        // The TS demuxer keeps no byte offsets: a segment after a seek is just more packets. hls.js and Safari play TS.
        ("hls_segment_type", "mpegts"),
        // temp_file: segments and playlists appear under their names only when complete.
        ("hls_flags", "temp_file+independent_segments"),
        ("hls_segment_filename", segmentPattern),
    ];

    /// <summary>
    /// One output of the tee muxer, "[key=value:…]path". ffmpeg unescapes it twice, once when it splits the outputs at
    /// '|' and once more for each option value, so a value is escaped for both and the path for the first.
    /// </summary>
    private static string TeeOutput(IEnumerable<(string Key, string Value)> options, string path) =>
        TeeEscape("[" + string.Join(':', options.Select(o => o.Key + "=" + TeeEscape(o.Value, ":]"))) + "]" + path, "|");

    private static string TeeEscape(string text, string delimiters) =>
        string.Concat(text.Select(c => c is '\\' or '\'' || delimiters.Contains(c) ? "\\" + c : c.ToString()));

    private static string Kbps(int kbps) => kbps.ToString(CultureInfo.InvariantCulture) + "k";

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>The kinds of image a poster may be uploaded as.</summary>
public enum PosterImage
{
    /// <summary>JPEG (starts FF D8 FF).</summary>
    Jpeg,

    /// <summary>PNG (starts with its 8-byte signature).</summary>
    Png,

    /// <summary>WebP (a RIFF file of form WEBP).</summary>
    WebP,
}
