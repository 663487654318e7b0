using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

/// <summary>
/// A poster of the owner's choice: an uploaded image (decoded and written again as a JPEG by ffmpeg; SVG and anything
/// else refused) or a frame of the video picked by its time. The generated poster stays stored, and comes back when
/// the chosen one is taken away. Previews, the library and players use whichever is current.
/// </summary>
internal sealed class Posters(VideoStore videos, IMediaStorage storage, MediaTools media, NodeSettings node)
{
    public const long MaxImageBytes = 10 * 1024 * 1024;

    /// <summary>The image's kind by its first bytes (never by its name or Content-Type); null for anything else, SVG included.</summary>
    public static PosterImage? Kind(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? PosterImage.Jpeg
        : head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) ? PosterImage.Png
        : head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8) ? PosterImage.WebP
        : null;

    public async Task<(VideoRecord? Video, ProblemHttpResult? Problem)> FromImageAsync(VideoRecord video, Stream body, long? length, CancellationToken cancellationToken)
    {
        if (length > MaxImageBytes) return (null, TooLarge());
        var dir = Scratch();
        try
        {
            var input = Path.Combine(dir, "upload.bin");
            await using (var file = File.Create(input))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > MaxImageBytes) return (null, TooLarge());
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            var head = new byte[16];
            int got;
            await using (var file = File.OpenRead(input)) got = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            if (Kind(head.AsSpan(0, got)) is not { } kind) return (null, NotAnImage("A poster is a JPEG, PNG or WebP image; SVG and other files are not taken."));

            var (width, height) = Size(video);
            var output = Path.Combine(dir, "poster.jpg");
            try
            {
                await media.RunFfmpegAsync(FfmpegArgs.PosterFromImage(input, kind, width, height, output, media.MaxPixels), "Making the poster from an image", 10, null, null, cancellationToken);
            }
            catch (MediaProcessException)
            {
                return (null, NotAnImage($"The file starts like a {kind} image but could not be read as one."));
            }
            return await StoreAsync(video, output, cancellationToken);
        }
        finally
        {
            TryDelete(dir);
        }
    }

    /// <summary>The frame at <paramref name="atSeconds"/>, from the segment of the video's largest rendition that holds it (only that segment is read).</summary>
    public async Task<(VideoRecord? Video, ProblemHttpResult? Problem)> FromFrameAsync(VideoRecord video, double atSeconds, CancellationToken cancellationToken)
    {
        if (!double.IsFinite(atSeconds) || atSeconds < 0 || (video.DurationSeconds > 0 && atSeconds >= video.DurationSeconds))
        {
            return (null, Problems.BadRequest("invalid_position",
                $"atSeconds is a time in the video, from 0 to under its duration ({video.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s)."));
        }
        var rung = VideoStore.Renditions(video).Where(r => r.IsLadderRung && r.Available).MaxBy(r => r.Width * r.Height);
        var playlist = rung is null ? null : await storage.ReadSmallAsync(StorageKeys.VideoFile(video.Media, $"{rung.Name}/index.m3u8"), cancellationToken);
        if (rung is null || playlist is null) return (null, NotYet());
        var parsed = HlsPlaylists.ParseMedia(System.Text.Encoding.UTF8.GetString(playlist.Bytes));
        double start = 0;
        MediaSegment? holding = null;
        foreach (var segment in parsed.Segments)
        {
            if (atSeconds < start + segment.DurationSeconds)
            {
                holding = segment;
                break;
            }
            start += segment.DurationSeconds;
        }
        // A time the encode has not reached yet, or a rendition of fMP4 segments that need their init segment.
        if (holding is null || parsed.InitUri is not null) return (null, NotYet());

        var dir = Scratch();
        try
        {
            var segment = await storage.GetLocalPathAsync(StorageKeys.VideoFile(video.Media, $"{rung.Name}/{holding.Uri}"), dir, cancellationToken);
            var (width, height) = Size(video);
            var output = Path.Combine(dir, "poster.jpg");
            await media.RunFfmpegAsync(FfmpegArgs.Thumbnail(segment, 0, atSeconds - start, width, height, output, media.MaxPixels, seekByDecoding: true),
                "Making the poster from a frame", 10, null, null, cancellationToken);
            return await StoreAsync(video, output, cancellationToken);
        }
        finally
        {
            TryDelete(dir);
        }
    }

    /// <summary>Back to the generated poster; the chosen one's file is removed.</summary>
    public async Task<VideoRecord?> ResetAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        var (found, previous) = await videos.SetPosterAsync(MediaOf.Of(video), null, cancellationToken);
        if (!found) return null;
        await RemoveAsync(video.Media, previous, cancellationToken);
        return await videos.GetAsync(video.Id, cancellationToken);
    }

    private async Task<(VideoRecord?, ProblemHttpResult?)> StoreAsync(VideoRecord video, string jpeg, CancellationToken cancellationToken)
    {
        // A new folder each time: media files are cached as immutable, and a folder is what storage removes.
        var name = $"poster-{Ids.NewGeneration()}/poster.jpg";
        await storage.PutFileAsync(StorageKeys.VideoFile(video.Media, name), jpeg, cancellationToken);
        var (found, previous) = await videos.SetPosterAsync(MediaOf.Of(video), name, cancellationToken);
        if (!found)
        {
            await RemoveAsync(video.Media, name, cancellationToken);
            return (null, Problems.NotFound());
        }
        await RemoveAsync(video.Media, previous, cancellationToken);
        return (await videos.GetAsync(video.Id, cancellationToken), null);
    }

    private async Task RemoveAsync(string folder, string? posterFile, CancellationToken cancellationToken)
    {
        if (posterFile is null) return;
        // The file of a deleted video goes with the video's files; one left behind by a failed removal costs only its bytes.
        try
        {
            await storage.DeletePrefixAsync(StorageKeys.VideoFolder(folder, posterFile[..posterFile.IndexOf('/', StringComparison.Ordinal)]), cancellationToken);
        }
        catch (StorageUnavailableException)
        {
        }
    }

    private static (int Width, int Height) Size(VideoRecord video) =>
        video.Width > 0 && video.Height > 0 ? VideoProcessor.PosterSize(video.Width, video.Height) : (1280, 720);

    private string Scratch() => Directory.CreateDirectory(Path.Combine(node.TempDir, "poster-" + Ids.New())).FullName;

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Scratch files are swept at the next start.
        }
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "file_too_large", "Image too large", $"A poster image has at most {MaxImageBytes / (1024 * 1024)} MiB.");

    private static ProblemHttpResult NotAnImage(string detail) =>
        Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media", "Not a poster image", detail);

    private static ProblemHttpResult NotYet() =>
        Problems.Create(StatusCodes.Status409Conflict, "not_ready", "Not encoded yet",
            "That moment of the video is not encoded yet. Try again once the video is ready.");
}
