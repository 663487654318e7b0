using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;

namespace Reel.Server.Features.Videos;

/// <summary>The video object of the API contract, as one caller sees it.</summary>
internal sealed record VideoDto(
    string Id,
    string Title,
    string Status,
    bool Playable,
    double Progress,
    VideoErrorDto? Error,
    string Visibility,
    double DurationSeconds,
    int Width,
    int Height,
    long SizeBytes,
    DateTime CreatedAt,
    DateTime? ReadyAt,
    string? StreamUrl,
    string? DownloadUrl,
    string? ThumbnailUrl,
    string? StoryboardUrl,
    DateTime LinksExpireAt,
    bool CustomPoster,
    string WatchUrl,
    string FileVersion,
    IReadOnlyList<RenditionDto> Renditions,
    OwnerDto? Owner,
    bool CanManage,
    double? ResumeAtSeconds,
    IReadOnlyList<AudioTrackDto> AudioTracks,
    IReadOnlyList<CaptionDto> Captions,
    IReadOnlyList<ChapterDto> Chapters,
    SourceInfo? SourceInfo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? UploadedBytes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Views = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ManageToken = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReplacementDto? Replacement = null);

/// <summary>
/// A new file on its way to replacing the video's (shown to managers, on one video): being uploaded, queued, processing
/// until it is playable (then it is the video), or failed, with the video unchanged.
/// </summary>
internal sealed record ReplacementDto(string Status, double Progress, long SizeBytes, long? UploadedBytes, VideoErrorDto? Error, DateTime CreatedAt);

internal sealed record OwnerDto(string Id, string DisplayName);

/// <summary>
/// A caption of the video: its language (BCP 47), label, whether players show it unless told otherwise, and where it
/// came from (<c>upload</c> or <c>source</c>). <c>Url</c> is its WebVTT (a download, or a player's track) once the video plays.
/// </summary>
internal sealed record CaptionDto(string Id, string Language, string Label, bool Default, string Origin, string? Url);

/// <summary>A chapter: where it starts and its title.</summary>
internal sealed record ChapterDto(double StartSeconds, string Title);

/// <summary>A video's captions.</summary>
internal sealed record CaptionList(IReadOnlyList<CaptionDto> Items);

internal sealed record PlaybackDto(string? StreamUrl, string? DownloadUrl, string? ThumbnailUrl, string? StoryboardUrl, DateTime ExpiresAt);

/// <summary>Renders video rows for a caller: playback links with a fresh token, what the caller may do, where they stopped.</summary>
internal sealed class VideoViews(StreamTokens tokens, AccountStore accounts, VideoStore store, CaptionStore captions, IOptions<AuthOptions> options)
{
    public async Task<IReadOnlyList<VideoDto>> RenderAsync(IReadOnlyList<VideoRecord> videos, Caller caller, CancellationToken cancellationToken)
    {
        var progress = caller.UserId is { } userId
            ? await accounts.ProgressAsync(userId, videos.Select(v => v.Id).ToList(), cancellationToken)
            : new Dictionary<string, double>();
        var owners = await accounts.DisplayNamesAsync(videos.Select(v => v.OwnerId).OfType<string>().Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        var captionsOf = await captions.ListAsync(videos.Select(v => v.Id).ToList(), cancellationToken);
        return videos.Select(v => Render(
            v, caller, Issue(v, share: null), captionsOf[v.Id],
            progress.TryGetValue(v.Id, out var at) ? Math.Max(0, at - options.Value.ResumeBackoffSeconds) : null,
            v.OwnerId is { } o && owners.TryGetValue(o, out var name) ? new OwnerDto(o, name) : null)).ToList();
    }

    /// <summary>One video; a manager also sees the replacement of its file in progress, if any.</summary>
    public async Task<VideoDto> RenderAsync(VideoRecord video, Caller caller, CancellationToken cancellationToken)
    {
        var rendered = (await RenderAsync([video], caller, cancellationToken))[0];
        if (!caller.CanManage(video) || await store.ReplacementOfAsync(video.Id, cancellationToken) is not { } r) return rendered;
        return rendered with
        {
            Replacement = new ReplacementDto(
                r.Status, Math.Round(r.Progress, 3), r.SizeBytes, r.Status == VideoStatus.Uploading ? r.UploadedBytes ?? 0 : null,
                r.ErrorCode is null ? null : new VideoErrorDto(r.ErrorCode, r.ErrorMessage ?? ""), Utc(r.CreatedAt)),
        };
    }

    /// <summary>
    /// The video as whoever holds a share link sees it: links that stop with the share (no download when it allows
    /// none), nothing a manager sees, and the share's page as its watch URL.
    /// </summary>
    public async Task<VideoDto> RenderSharedAsync(VideoRecord video, ShareRecord share, CancellationToken cancellationToken) =>
        Render(video, Caller.Anonymous, Issue(video, Shares.GrantOf(share)), await captions.ListAsync(video.Id, cancellationToken), resumeAt: null, owner: null)
            with { WatchUrl = ShareUrls.Page(share.ShareKey) };

    public PlaybackDto Playback(VideoRecord v, ShareGrant? share = null) => Issue(v, share).Links;

    /// <summary>One caption of a video, as its manager sees it after a change.</summary>
    public async Task<CaptionDto> CaptionAsync(CaptionRecord caption, CancellationToken cancellationToken)
    {
        var video = await store.GetAsync(caption.VideoId, cancellationToken) ?? throw new InvalidOperationException($"Video {caption.VideoId} is gone.");
        return CaptionOf(caption, video, Issue(video, share: null).Token);
    }

    /// <summary>The video's captions, with links a viewer may use.</summary>
    public async Task<IReadOnlyList<CaptionDto>> CaptionsAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        var token = Issue(video, share: null).Token;
        return [.. (await captions.ListAsync(video.Id, cancellationToken)).Select(c => CaptionOf(c, video, token))];
    }

    // Its file's link once the video plays and the file is published among the video's current files.
    private static CaptionDto CaptionOf(CaptionRecord c, VideoRecord v, string token) =>
        new(c.Id, c.Language, c.Label, c.IsDefault, c.Origin,
            c.PublishedMedia == v.Media && v.Playable ? MediaUrls.File(token, HlsMaster.PublishedName(c)) : null);

    /// <summary>A fresh token for the video's files (through a share, when given), and the links it makes.</summary>
    private Issued Issue(VideoRecord v, ShareGrant? share)
    {
        var token = tokens.Issue(MediaOf.Of(v), v.LinksGeneration, share, out var expiresAt);
        return new Issued(token, new PlaybackDto(
            v.Playable ? MediaUrls.Master(token) : null,
            v.HasDownload && share?.AllowDownload != false ? MediaUrls.Download(token) : null,
            MediaUrls.Poster(token, v),
            v.HasStoryboard ? MediaUrls.Storyboard(token) : null,
            expiresAt.UtcDateTime));
    }

    private sealed record Issued(string Token, PlaybackDto Links);

    private static VideoDto Render(VideoRecord v, Caller caller, Issued issued, IEnumerable<CaptionRecord> captions, double? resumeAt, OwnerDto? owner)
    {
        var links = issued.Links;
        // Derived from the stored probe on every answer, so what it says follows the code that processes the video.
        var probe = v.ProbeJson.Length == 0 ? null : FfprobeParser.Parse(v.ProbeJson);
        var source = probe is null ? null : SourceInfo.Describe(probe);
        return new VideoDto(
            Id: v.Id,
            Title: v.Title,
            Status: v.Status,
            Playable: v.Playable,
            Progress: Math.Round(v.Progress, 3),
            Error: v.ErrorCode is null ? null : new VideoErrorDto(v.ErrorCode, v.ErrorMessage ?? ""),
            Visibility: v.Visibility,
            DurationSeconds: Math.Round(v.DurationSeconds, 3),
            Width: v.Width,
            Height: v.Height,
            SizeBytes: v.SizeBytes,
            CreatedAt: Utc(v.CreatedAt),
            ReadyAt: v.ReadyAt is { } r ? Utc(r) : null,
            StreamUrl: links.StreamUrl,
            DownloadUrl: links.DownloadUrl,
            ThumbnailUrl: links.ThumbnailUrl,
            StoryboardUrl: links.StoryboardUrl,
            LinksExpireAt: links.ExpiresAt,
            CustomPoster: v.PosterFile is not null,
            WatchUrl: $"/watch/{v.Id}",
            FileVersion: v.Media,
            Renditions: VideoStore.Renditions(v).Where(r => r.IsLadderRung)
                .Select(r => new RenditionDto(r.Name, r.Width, r.Height, r.BitrateKbps, r.Ready, r.Ready ? Math.Round(v.DurationSeconds, 1) : r.EncodedSeconds))
                .ToList(),
            Owner: owner,
            CanManage: caller.CanManage(v),
            ResumeAtSeconds: resumeAt.HasValue ? Math.Round(resumeAt.Value, 1) : null,
            AudioTracks: source?.Audio.Select(a => new AudioTrackDto(a.Index, a.Language, a.Title, a.Codec, a.Channels, a.Default)).ToList() ?? [],
            Captions: [.. captions.Select(c => CaptionOf(c, v, issued.Token))],
            Chapters: Captions.ChaptersOf(v, probe),
            SourceInfo: source,
            UploadedBytes: v.Status == VideoStatus.Uploading ? v.UploadedBytes ?? 0 : null,
            Views: caller.CanManage(v) ? v.Views : null);
    }

    private static DateTime Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
}

internal sealed record VideoErrorDto(string Code, string Message);

/// <summary>A rung of the ladder; <c>EncodedSeconds</c> is how far its playlist reaches while it is encoded.</summary>
internal sealed record RenditionDto(string Name, int Width, int Height, int BitrateKbps, bool Ready, double EncodedSeconds);

/// <summary>An audio track of the source; <c>Default</c> is the one that plays unless the viewer picks another.</summary>
internal sealed record AudioTrackDto(int Index, string? Language, string? Title, string Codec, int Channels, bool Default);

internal sealed record VideoPage(IReadOnlyList<VideoDto> Items, string? NextCursor);

internal sealed record PatchVideoRequest(string? Title, string? Visibility);

/// <summary>Where a share link's page is.</summary>
internal static class ShareUrls
{
    public static string Page(string key) => $"/v/{key}";
}

/// <summary>Paths of a video's served files, by playback token; everything below the prefix is addressed relative to it.</summary>
internal static class MediaUrls
{
    public const string Prefix = "/s";

    public static string Master(string token) => $"{Prefix}/{token}/master.m3u8";

    public static string Download(string token) => $"{Prefix}/{token}/download.mp4";

    public static string Thumbnail(string token) => $"{Prefix}/{token}/thumbnail.jpg";

    /// <summary>The poster the video shows: the one its owner chose, else the generated one once it exists.</summary>
    public static string? Poster(string token, VideoRecord video) =>
        video.PosterFile is { } chosen ? $"{Prefix}/{token}/{chosen}" : video.HasThumbnail ? Thumbnail(token) : null;

    public static string Storyboard(string token) => $"{Prefix}/{token}/storyboard.vtt";

    /// <summary>Any file of the video's folder, by its path there.</summary>
    public static string File(string token, string path) => $"{Prefix}/{token}/{path}";
}
