using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// The text subtitle tracks of a source become the video's captions (origin <c>source</c>): ffmpeg writes each as
/// WebVTT, <see cref="CaptionFiles"/> parses and cleans what it wrote (styling dropped to safe tags), and the result is
/// stored in the files' folder, so the captions go with the file they came from. Picture-based tracks cannot be text;
/// <see cref="SourceInfo"/> lists them as left out.
/// </summary>
internal sealed class SourceCaptions(MediaTools media, IMediaStorage storage, CaptionStore captions, TimeProvider clock, ILogger<SourceCaptions> logger)
{
    /// <summary>Takes the source's text tracks as captions; false when it has none, or the video has other files now.</summary>
    public async Task<bool> TakeAsync(MediaOf files, MediaProbe probe, string source, string workDir, string logPath, CancellationToken cancellationToken)
    {
        var tracks = probe.SubtitleTracks.Where(t => t.IsText).ToList();
        if (tracks.Count == 0) return false;
        var dir = Directory.CreateDirectory(Path.Combine(workDir, "captions")).FullName;
        var outputs = tracks.Select(t => (t.Index, Path.Combine(dir, $"track-{t.Index}.vtt"))).ToList();
        try
        {
            await media.RunFfmpegAsync(FfmpegArgs.ExtractSubtitles(source, outputs, media.MaxPixels),
                "Reading the subtitle tracks", probe.DurationSeconds / 20, null, logPath, cancellationToken);
        }
        catch (MediaProcessException e)
        {
            // Captions are a part of the video, not a condition of it: the video is processed without them.
            logger.LogWarning(e, "The subtitle tracks could not be read; the video has no captions from its source");
            return false;
        }

        await storage.DeletePrefixAsync(StorageKeys.VideoFolder(files.Folder, "captions"), cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var taken = new List<CaptionRecord>();
        foreach (var (track, (_, path)) in tracks.Zip(outputs))
        {
            CaptionDocument document;
            try
            {
                document = CaptionFiles.Parse(CaptionFiles.Decode(await File.ReadAllBytesAsync(path, cancellationToken)));
            }
            catch (Exception e) when (e is CaptionFormatException or IOException)
            {
                logger.LogInformation("Subtitle track {Index} left out: {Reason}", track.Index, e.Message);
                continue;
            }
            var id = Ids.New();
            var key = StorageKeys.VideoFile(files.Folder, $"captions/{id}.vtt");
            await storage.PutTextAsync(key, CaptionFiles.ToWebVtt(document), cancellationToken);
            var language = LanguageTags.ToBcp47(track.Language) ?? "und";
            taken.Add(new CaptionRecord
            {
                Id = id,
                VideoId = files.VideoId,
                Language = language,
                Label = Label(track.Title, language, taken.Count + 1),
                IsDefault = track.IsDefault,
                Origin = CaptionOrigin.Source,
                FileKey = key,
                CueCount = document.Cues.Count,
                // In the file's order: captions are listed by age.
                CreatedAt = now + taken.Count,
            });
        }
        if (taken.Count == 0) return false;
        if (!await captions.ReplaceSourceCaptionsAsync(files, taken, cancellationToken)) return false;
        logger.LogInformation("Captions from the source: {Captions}", string.Join(", ", taken.Select(c => c.Language)));
        return true;
    }

    /// <summary>The track's own title; else its language's name ("Deutsch"); else "Subtitles 2".</summary>
    internal static string Label(string? title, string language, int number) =>
        title is not null && CaptionLabels.Clean(title) is { Length: > 0 } clean ? clean
        : language != "und" ? LanguageTags.NativeName(language)
        : $"Subtitles {number}";
}

/// <summary>What a caption's label may be: untrusted text from a file or a person, on one line, at most 100 characters.</summary>
internal static class CaptionLabels
{
    public const int MaxLength = 100;

    public static string Clean(string label)
    {
        var text = OneLine.Clean(label);
        return text.Length <= MaxLength ? text : text[..MaxLength].TrimEnd();
    }
}
