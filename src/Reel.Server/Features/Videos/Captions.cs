using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

/// <summary>A caption file as it arrived: its bytes, the language and label asked for, and whether it is to be the default.</summary>
internal sealed record CaptionUpload(byte[] Bytes, string? Language, string? Label, bool? IsDefault);

/// <summary>
/// Captions a manager uploads (SRT or WebVTT, checked and cleaned by <see cref="CaptionFiles"/>) and changes, and the
/// chapters they give the video. Every change writes the master playlist again (<see cref="HlsMaster"/>), so players
/// that load the video afterwards see it; nothing is encoded.
/// </summary>
internal sealed class Captions(CaptionStore captions, VideoStore videos, IMediaStorage storage, HlsMaster masters, TimeProvider clock)
{
    public const int MaxFileBytes = 2 * 1024 * 1024;
    public const int MaxChapters = 500;

    /// <summary>
    /// Adds a caption; a second upload in a language that already has an uploaded caption replaces that caption's file
    /// (and its label or default flag when given), keeping its id.
    /// </summary>
    public async Task<(CaptionRecord? Caption, ProblemHttpResult? Problem)> AddAsync(VideoRecord video, CaptionUpload upload, CancellationToken cancellationToken)
    {
        if (LanguageOf(upload.Language) is not { } language) return (null, InvalidLanguage());
        string? label = null;
        if (upload.Label is not null && (label = CaptionLabels.Clean(upload.Label)).Length == 0) return (null, InvalidLabel());
        CaptionDocument document;
        try
        {
            document = CaptionFiles.Parse(CaptionFiles.Decode(upload.Bytes));
        }
        catch (CaptionFormatException e)
        {
            return (null, Problems.BadRequest("invalid_captions", $"The file is not SRT or WebVTT Reel can read. {e.Message}"));
        }

        var existing = (await captions.ListAsync(video.Id, cancellationToken)).FirstOrDefault(c => c.Origin == CaptionOrigin.Upload && c.Language == language);
        var id = existing?.Id ?? Ids.New();
        var caption = new CaptionRecord
        {
            Id = id,
            VideoId = video.Id,
            Language = language,
            Label = label ?? existing?.Label ?? LanguageTags.NativeName(language),
            IsDefault = upload.IsDefault ?? existing?.IsDefault ?? false,
            Origin = CaptionOrigin.Upload,
            FileKey = NewFileKey(video.Id, id),
            CueCount = document.Cues.Count,
            CreatedAt = existing?.CreatedAt ?? clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        await storage.PutTextAsync(caption.FileKey, CaptionFiles.ToWebVtt(document), cancellationToken);
        if (!await captions.SaveAsync(caption, cancellationToken))
        {
            await TryDeleteAsync(caption.FileKey);
            return (null, Problems.NotFound());
        }
        if (existing is not null) await TryDeleteAsync(existing.FileKey);
        await PublishAsync(video.Id, cancellationToken);
        return (await captions.GetAsync(video.Id, id, cancellationToken), null);
    }

    /// <summary>Changes a caption's language, label or default flag.</summary>
    public async Task<(CaptionRecord? Caption, ProblemHttpResult? Problem)> ChangeAsync(
        VideoRecord video, string captionId, string? language, string? label, bool? isDefault, CancellationToken cancellationToken)
    {
        if (language is not null && (language = LanguageOf(language)) is null) return (null, InvalidLanguage());
        if (label is not null && (label = CaptionLabels.Clean(label)).Length == 0) return (null, InvalidLabel());
        if (!await captions.UpdateAsync(video.Id, captionId, language, label, isDefault, cancellationToken)) return (null, Problems.NotFound("caption"));
        await PublishAsync(video.Id, cancellationToken);
        return (await captions.GetAsync(video.Id, captionId, cancellationToken), null);
    }

    /// <summary>Removes a caption (one from the source too: it does not come back unless the file is processed again).</summary>
    public async Task<bool> RemoveAsync(VideoRecord video, string captionId, CancellationToken cancellationToken)
    {
        if (await captions.DeleteAsync(video.Id, captionId, cancellationToken) is not { } removed) return false;
        await PublishAsync(video.Id, cancellationToken);
        // A source caption's file is in the files' folder and goes with it.
        if (removed.Origin == CaptionOrigin.Upload) await TryDeleteAsync(removed.FileKey);
        return true;
    }

    /// <summary>Chapters from a WebVTT chapters file, in place of the source's; null takes them away again.</summary>
    public async Task<(VideoRecord? Video, ProblemHttpResult? Problem)> SetChaptersAsync(VideoRecord video, byte[]? file, CancellationToken cancellationToken)
    {
        string? json = null;
        if (file is not null)
        {
            IReadOnlyList<Chapter> chapters;
            try
            {
                chapters = ChapterFiles.ParseWebVtt(CaptionFiles.Decode(file));
            }
            catch (CaptionFormatException e)
            {
                return (null, Problems.BadRequest("invalid_chapters", $"The file is not a WebVTT chapters file Reel can read. {e.Message}"));
            }
            if (chapters.Count > MaxChapters) return (null, Problems.BadRequest("invalid_chapters", $"A video has at most {MaxChapters} chapters."));
            json = JsonSerializer.Serialize(chapters.Select(c => new ChapterDto(Math.Round(c.StartSeconds, 3), c.Title)), JsonSerializerOptions.Web);
        }
        if (!await captions.SetChaptersAsync(video.Id, json, cancellationToken)) return (null, Problems.NotFound());
        return (await videos.GetAsync(video.Id, cancellationToken), null);
    }

    /// <summary>The chapters a video shows: those its owner uploaded, else the source's (untitled ones numbered).</summary>
    public static IReadOnlyList<ChapterDto> ChaptersOf(VideoRecord video, MediaProbe? probe)
    {
        if (video.Chapters is { } uploaded) return JsonSerializer.Deserialize<List<ChapterDto>>(uploaded, JsonSerializerOptions.Web) ?? [];
        if (probe is null) return [];
        return [.. probe.Chapters
            .Where(c => c.StartSeconds < Math.Max(video.DurationSeconds, 0.001))
            .Select((c, i) => new ChapterDto(Math.Round(c.StartSeconds, 3), c.Title is { } t && CaptionLabels.Clean(t) is { Length: > 0 } title ? title : $"Chapter {i + 1}"))];
    }

    /// <summary>The master playlist again, with the captions as they are now, when the video plays already.</summary>
    private async Task PublishAsync(string videoId, CancellationToken cancellationToken)
    {
        if (await videos.GetAsync(videoId, cancellationToken) is not { Playable: true } video) return;
        await masters.WriteAsync(MediaOf.Of(video), VideoStore.Renditions(video), video.DurationSeconds, cancellationToken);
    }

    // A plain language tag (BCP 47, or the ISO 639-2 code a file might carry), made BCP 47.
    private static string? LanguageOf(string? language) => LanguageTags.ToBcp47(language);

    /// <summary>
    /// A new name for every file, in a folder of its own (what storage removes): the copies made of it are cached as
    /// immutable, so a replaced file must never be served under the old name.
    /// </summary>
    private static string NewFileKey(string videoId, string captionId)
    {
        var name = $"{captionId}-{Ids.NewGeneration()}";
        return StorageKeys.CaptionFile(videoId, $"{name}/{name}.vtt");
    }

    private async Task TryDeleteAsync(string key)
    {
        // A file left behind costs only its bytes; the video's delete removes its captions folder.
        try
        {
            await storage.DeletePrefixAsync(key[..(key.LastIndexOf('/') + 1)], CancellationToken.None);
        }
        catch (StorageUnavailableException)
        {
        }
    }

    private static ProblemHttpResult InvalidLanguage() =>
        Problems.BadRequest("invalid_language", "language is a BCP 47 tag such as en, de or pt-BR.");

    private static ProblemHttpResult InvalidLabel() =>
        Problems.BadRequest("invalid_label", $"A label has 1 to {CaptionLabels.MaxLength} characters.");
}
