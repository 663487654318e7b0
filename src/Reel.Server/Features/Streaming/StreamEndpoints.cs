using System.Globalization;
using System.IO.Pipelines;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Videos;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Features.Streaming;

/// <summary>Serves a video's files (playlists, segments, poster, storyboard, download) from storage, with Range and HEAD.</summary>
internal static partial class StreamEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const int CopyChunk = 256 * 1024;
    // A share link without downloads hands out tokens that open everything but this.
    private const string DownloadFile = "download.mp4";

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder app)
    {
        app.MapMethods(MediaUrls.Prefix + "/{token}/{**path}", [HttpMethods.Get, HttpMethods.Head], ServeAsync)
            .WithTags("Streaming")
            .WithSummary("A file of a video, by playback token: HLS playlists and segments, thumbnail, storyboard, download");
        return app;
    }

    private static async Task<IResult> ServeAsync(
        string token, string? path, HttpContext context, StreamTokens tokens, LinkRevocations revocations, IMediaStorage storage,
        IOptions<StorageOptions> storageOptions, CancellationToken cancellationToken)
    {
        // A token that is forged, expired or revoked is simply not found: the stream role knows no more than that.
        if (tokens.Read(token) is not { } grant || !revocations.IsCurrent(grant) || path is null || !FilePath().IsMatch(path)
            || (!grant.AllowsDownload && path == DownloadFile))
            return Problems.NotFound("file");
        var key = StorageKeys.VideoFile(grant.Folder, path);
        var extension = Path.GetExtension(path);
        var response = context.Response;
        var request = context.Request;
        var cacheControl = extension == ".m3u8" ? "no-cache" : Immutable;

        // Playlists are always sent from here: players resolve their relative segment URIs against the playlist's
        // final URL, which must stay ours so every segment request passes the token check too.
        if (storageOptions.Value.Redirects && extension != ".m3u8" && storage.ReadUrl(key, MediaTypes.For(key), cacheControl) is { } url)
        {
            response.Headers.CacheControl = "private, no-store";
            return Results.Redirect(url);
        }

        // A playlist is rewritten while the video processes: it is read whole, so its length, its time and its bytes
        // are those of one version. Other files are never replaced while they are being served.
        var isPlaylist = extension == ".m3u8";
        var content = isPlaylist ? await storage.ReadSmallAsync(key, cancellationToken) : null;
        var file = isPlaylist
            ? content is null ? null : new StoredFile(content.Bytes.Length, content.LastModified)
            : await storage.StatAsync(key, cancellationToken);
        if (file is null) return Problems.NotFound("file");

        var etag = new EntityTagHeaderValue($"\"{file.Length:x}-{file.LastModified.UtcTicks:x}\"");
        response.Headers.CacheControl = cacheControl;
        response.Headers.ETag = etag.ToString();
        response.Headers.LastModified = file.LastModified.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";

        if (request.Headers.IfNoneMatch.Count > 0
            && EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var candidates)
            && candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(etag, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        var range = ByteRange.Parse(request.Headers.Range, file.Length);
        // If-Range: a client resuming an older copy of the file must get the whole new one, not a mixed splice.
        if (range.Kind != RangeKind.Whole && request.Headers.IfRange.Count > 0 && request.Headers.IfRange.ToString() != etag.ToString())
            range = ByteRange.Parse(null, file.Length);

        if (range.Kind == RangeKind.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{file.Length}";
            return Problems.Create(StatusCodes.Status416RangeNotSatisfiable, "invalid_range", "Range not satisfiable",
                $"The file has {file.Length} bytes; the Range header asks for something else.");
        }

        response.ContentType = MediaTypes.For(key);
        if (storageOptions.Value.Accelerates && extension != ".m3u8")
        {
            // nginx sends the file itself (sendfile, Range included), keeping the headers set here.
            response.Headers["X-Accel-Redirect"] = storageOptions.Value.AccelPrefix + key;
            return Results.Empty;
        }
        if (range.Kind == RangeKind.Partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{file.Length}";
        }
        var length = file.Length == 0 ? 0 : range.Length;
        response.ContentLength = length;
        if (HttpMethods.IsHead(request.Method) || length == 0)
            return Results.Empty;

        if (content is not null)
        {
            await response.Body.WriteAsync(content.Bytes.AsMemory((int)range.Start, (int)length), cancellationToken);
            return Results.Empty;
        }
        await using var stream = await storage.OpenReadAsync(key, range.Start, length, cancellationToken);
        await CopyAsync(stream, response.BodyWriter, length, cancellationToken);
        return Results.Empty;
    }

    /// <summary>
    /// Reads the file straight into the response's own buffers, in large pieces: one copy fewer than going through a
    /// buffer of our own, which is most of the cost of sending a segment.
    /// </summary>
    private static async Task CopyAsync(Stream source, PipeWriter target, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var memory = target.GetMemory(CopyChunk);
            var read = await source.ReadAsync(memory[..(int)Math.Min(memory.Length, count)], cancellationToken);
            if (read == 0) throw new IOException("The stored file is shorter than its recorded length.");
            target.Advance(read);
            count -= read;
            var flushed = await target.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted) return;
        }
    }

    // What our outputs are named: at most one folder (a rendition) deep, one of a few extensions (m4s: the fMP4
    // segments of videos processed before HLS segments were MPEG-TS).
    [GeneratedRegex("^([A-Za-z0-9_-]{1,64}/)?[A-Za-z0-9_-]{1,100}\\.(m3u8|ts|m4s|mp4|jpg|vtt)\\z")]
    private static partial Regex FilePath();
}
