using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Reel.Media;
using Microsoft.Net.Http.Headers;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

/// <summary>An upload refused before it became a video; nothing of it is kept.</summary>
internal sealed class UploadRejectedException(int status, string code, string detail, string? title = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Title { get; } = title ?? (status == StatusCodes.Status413PayloadTooLarge ? "File too large" : "Upload rejected");
}

internal sealed record ReceivedUpload(long Bytes, string? Title, string? FileName);

/// <summary>
/// Streams a request body — raw or multipart — to a file with a fixed-size buffer, enforcing the size limit and the
/// account's quota on the bytes actually received, whatever Content-Length claimed.
/// </summary>
internal sealed class UploadReceiver(IOptions<UploadOptions> options)
{
    private const int BufferSize = 128 * 1024;
    private const long MultipartOverhead = 1 << 20;
    private const int MaxTitleBytes = 4096;

    private long MaxBytes => options.Value.MaxBytes;

    public async Task<ReceivedUpload> ReceiveAsync(HttpRequest request, string targetPath, IStorageUpload stored, StorageQuota? quota, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || contentType.MediaType.Value is not { } mediaType)
            throw UnsupportedContentType();

        var multipart = mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        // The bytes decide what the file is; the type only has to be one a client may honestly send for a video.
        var raw = mediaType.StartsWith("video/", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)
            || AcceptedFormats.MimeTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
        if (!multipart && !raw)
            throw UnsupportedContentType();

        var bodyLimit = MaxBytes + (multipart ? MultipartOverhead : 0);
        if (request.ContentLength > bodyLimit)
            throw TooLarge();
        // A raw body's length is the file's; a multipart body's also holds its framing, so only the bytes tell.
        if (quota is { } q && request.ContentLength - (multipart ? MultipartOverhead : 0) > q.RemainingBytes)
            throw OverQuota(q, multipart ? null : request.ContentLength);
        // The body's bytes are counted here, as they are read: the server's own limit would count a chunked body's
        // framing too, and refuse a file of exactly the limit.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
        var body = new LimitedStream(request.Body, bodyLimit, TooLarge);

        try
        {
            return multipart
                ? await ReceiveMultipartAsync(body, HeaderUtilities.RemoveQuotes(contentType.Boundary).Value, targetPath, stored, quota, cancellationToken)
                : new ReceivedUpload(await CopyLimitedAsync(body, targetPath, stored, quota, cancellationToken), null, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge();
        }
        catch (BadHttpRequestException e)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, "upload_incomplete", $"The upload did not arrive whole: {e.Message}");
        }
    }

    private async Task<ReceivedUpload> ReceiveMultipartAsync(Stream body, string? boundary, string targetPath, IStorageUpload stored, StorageQuota? quota, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(boundary))
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, "invalid_multipart", "The multipart Content-Type has no boundary.");

        var reader = new MultipartReader(boundary, body) { HeadersLengthLimit = 16 * 1024 };
        long? bytes = null;
        string? title = null, fileName = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                    continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file")
                {
                    if (bytes is not null)
                        throw new UploadRejectedException(StatusCodes.Status400BadRequest, "invalid_multipart", "Send one file per request.");
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    bytes = await CopyLimitedAsync(section.Body, targetPath, stored, quota, cancellationToken);
                }
                else if (name == "title")
                {
                    title = await ReadSmallTextAsync(section.Body, cancellationToken);
                }
                else
                {
                    await section.Body.DrainAsync(cancellationToken);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, "invalid_multipart", $"The multipart body is malformed: {e.Message}");
        }

        return bytes is { } b
            ? new ReceivedUpload(b, title, fileName)
            : throw new UploadRejectedException(StatusCodes.Status400BadRequest, "missing_file", "The multipart body has no part named 'file'.");
    }

    private async Task<long> CopyLimitedAsync(Stream source, string targetPath, IStorageUpload stored, StorageQuota? quota, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var target = new FileStream(targetPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                total += read;
                if (total > MaxBytes) throw TooLarge();
                if (quota is { } q && total > q.RemainingBytes) throw OverQuota(q, null);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await stored.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            // The 201 promises the bytes are kept: when the local copy is what is kept, it must be on disk, not in the
            // page cache, before we answer.
            if (stored.KeepsLocalCopy) target.Flush(flushToDisk: true);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<string> ReadSmallTextAsync(Stream body, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (memory.Length + read > MaxTitleBytes)
                throw new UploadRejectedException(StatusCodes.Status400BadRequest, "invalid_title", "The title is too long.");
            memory.Write(buffer, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(memory.ToArray());
    }

    private static UploadRejectedException UnsupportedContentType() =>
        new(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_type", Problems.UploadContentTypes);

    internal static UploadRejectedException OverQuota(StorageQuota quota, long? needed) =>
        new(StatusCodes.Status413PayloadTooLarge, UploadAllowance.QuotaExceededCode, UploadAllowance.QuotaDetail(quota, needed), "Storage quota exceeded");

    private UploadRejectedException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "file_too_large", $"The upload is larger than the limit of {MaxBytes} bytes.");

    /// <summary>A request body that may bring at most <paramref name="limit"/> bytes of payload.</summary>
    private sealed class LimitedStream(Stream inner, long limit, Func<Exception> tooLarge) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            _read += read;
            return _read > limit ? throw tooLarge() : read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Request bodies are read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
