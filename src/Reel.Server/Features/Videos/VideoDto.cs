using Reel.Server.Data;

namespace Reel.Server.Features.Videos;

/// <summary>The video object of the API contract.</summary>
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
    string WatchUrl,
    IReadOnlyList<RenditionDto> Renditions)
{
    public static VideoDto From(VideoRecord v)
    {
        var renditions = VideoStore.Renditions(v);
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
            StreamUrl: v.Playable ? MediaUrls.Master(v.Id) : null,
            DownloadUrl: v.HasDownload ? MediaUrls.Download(v.Id) : null,
            ThumbnailUrl: v.HasThumbnail ? MediaUrls.Thumbnail(v.Id) : null,
            StoryboardUrl: v.HasStoryboard ? MediaUrls.Storyboard(v.Id) : null,
            WatchUrl: $"/watch/{v.Id}",
            Renditions: renditions.Where(r => !r.FastStart)
                .Select(r => new RenditionDto(r.Name, r.Width, r.Height, r.BitrateKbps, r.Ready))
                .ToList());
    }

    private static DateTime Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
}

internal sealed record VideoErrorDto(string Code, string Message);

internal sealed record RenditionDto(string Name, int Width, int Height, int BitrateKbps, bool Ready);

internal sealed record VideoPage(IReadOnlyList<VideoDto> Items, string? NextCursor);

internal sealed record PatchVideoRequest(string? Title, string? Visibility);

/// <summary>Paths of a video's served files; everything below the prefix is addressed relative to it.</summary>
internal static class MediaUrls
{
    public const string Prefix = "/media";

    public static string Master(string id) => $"{Prefix}/{id}/master.m3u8";

    public static string Download(string id) => $"{Prefix}/{id}/download.mp4";

    public static string Thumbnail(string id) => $"{Prefix}/{id}/thumbnail.jpg";

    public static string Storyboard(string id) => $"{Prefix}/{id}/storyboard.vtt";
}
