using System.Text.Json;
using Amazon.S3.Model;

namespace Reel.Server.Storage;

/// <summary>
/// Resumable files in S3: one multipart upload for the whole file, plus the bytes after its last full part (the tail,
/// shorter than a part, which S3 cannot take as a part until it is the last) as an object of its own. Any node can
/// continue the file: it fetches the tail, appends the request's bytes on disk and sends each full part from there,
/// so memory never holds more than the copy buffer. The state names the parts and the tail; parts or tails a failed
/// request left beyond it are simply not named, and are overwritten or removed later.
/// </summary>
internal sealed partial class S3Storage
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);

    /// <summary>What is stored of a resumable file. <see cref="Bytes"/> is absent from states written before it was recorded.</summary>
    internal sealed record ResumableState(string UploadId, List<StoredPart> Parts, string? Tail, long TailBytes, long? Bytes = null);

    internal sealed record StoredPart(int Number, string ETag);

    public Task<string> StartResumableAsync(string key, CancellationToken cancellationToken) => Guard($"start storing {key}", async () =>
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = StorageKeys.Checked(key),
            ContentType = MediaTypes.For(key),
        }, cancellationToken);
        return JsonSerializer.Serialize(new ResumableState(started.UploadId, [], null, 0, 0), StateJson);
    });

    public async Task<IResumableAppend> ResumeAsync(string key, string state, long offset, CancellationToken cancellationToken)
    {
        var previous = Parse(state);
        // The bytes would be appended where the state ends, whatever offset the caller believes in: a mismatch would
        // store a file that differs from what the client sent, so it is refused, as on local disk.
        if (previous.Bytes is { } stored && stored != offset)
            throw new IOException($"{key} holds {stored} bytes by its state, not the {offset} given.");
        var append = new S3Append(this, StorageKeys.Checked(key), previous, offset);
        try
        {
            await append.StartAsync(cancellationToken);
            return append;
        }
        catch
        {
            await append.DisposeAsync();
            throw;
        }
    }

    public async Task DiscardResumableAsync(string key, string state, CancellationToken cancellationToken)
    {
        await AbortAsync(StorageKeys.Checked(key), Parse(state).UploadId);
        // Tails, including any a failed request left, live beside the file.
        foreach (var tail in await ListKeysAsync(TailPrefix(key), cancellationToken))
            await Guard($"delete {tail}", () => _client.DeleteObjectAsync(_bucket, tail, cancellationToken));
    }

    private static ResumableState Parse(string state) =>
        JsonSerializer.Deserialize<ResumableState>(state, StateJson) ?? throw new InvalidDataException("Empty resumable state.");

    private static string TailPrefix(string key) => key[..(key.LastIndexOf('/') + 1)] + "tail-";

    private sealed class S3Append(S3Storage storage, string key, ResumableState previous, long offset) : IResumableAppend
    {
        private const int CopyBuffer = 1024 * 1024;
        private readonly List<StoredPart> _parts = [.. previous.Parts];
        private readonly string _chunkPath = Path.Combine(storage._scratchDir, $"{Guid.NewGuid():N}.chunk");
        private FileStream? _chunk;
        private long _chunkBytes;
        private long _written;
        private ResumableState? _committed;

        /// <summary>Begins the local chunk with the stored tail, so the next part starts where the last one ended.</summary>
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(storage._scratchDir);
            _chunk = NewChunk();
            if (previous.Tail is not { } tail) return;
            await Guard($"read {tail}", async () =>
            {
                using var response = await storage._client.GetObjectAsync(storage._bucket, tail, cancellationToken);
                await response.ResponseStream.CopyToAsync(_chunk, CopyBuffer, cancellationToken);
            });
            if (_chunk.Length != previous.TailBytes)
                throw new IOException($"{tail} holds {_chunk.Length} bytes, not the {previous.TailBytes} recorded.");
            _chunkBytes = previous.TailBytes;
        }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            while (bytes.Length > 0)
            {
                var take = (int)Math.Min(bytes.Length, storage._partSize - _chunkBytes);
                await _chunk!.WriteAsync(bytes[..take], cancellationToken);
                _chunkBytes += take;
                _written += take;
                bytes = bytes[take..];
                if (_chunkBytes == storage._partSize)
                {
                    await SendChunkAsPartAsync(cancellationToken);
                    _chunk = NewChunk();
                    _chunkBytes = 0;
                }
            }
        }

        public async Task<string> CommitAsync(bool last, CancellationToken cancellationToken)
        {
            await _chunk!.FlushAsync(cancellationToken);
            if (last)
            {
                if (_chunkBytes > 0 || _parts.Count == 0) await SendChunkAsPartAsync(cancellationToken);
                await Guard($"finish storing {key}", () => storage._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = storage._bucket,
                    Key = key,
                    UploadId = previous.UploadId,
                    PartETags = _parts.Select(p => new PartETag(p.Number, p.ETag)).ToList(),
                }, cancellationToken));
                _committed = new ResumableState(previous.UploadId, _parts, null, 0, offset + _written);
            }
            else
            {
                string? tail = null;
                if (_chunkBytes > 0)
                {
                    // Named by where it ends, so it never replaces the tail the recorded state still points to.
                    tail = $"{TailPrefix(key)}{offset + _written}.bin";
                    await _chunk.DisposeAsync();
                    await Guard($"store {tail}", () => storage._client.PutObjectAsync(new PutObjectRequest
                    {
                        BucketName = storage._bucket,
                        Key = StorageKeys.Checked(tail),
                        FilePath = _chunkPath,
                        ContentType = "application/octet-stream",
                        UseChunkEncoding = false,
                    }, cancellationToken));
                }
                _committed = new ResumableState(previous.UploadId, _parts, tail, _chunkBytes, offset + _written);
            }
            return JsonSerializer.Serialize(_committed, StateJson);
        }

        public async Task ForgetPreviousAsync(CancellationToken cancellationToken)
        {
            if (previous.Tail is { } tail && tail != _committed?.Tail)
                await Guard($"delete {tail}", () => storage._client.DeleteObjectAsync(storage._bucket, tail, cancellationToken));
        }

        public async ValueTask DisposeAsync()
        {
            if (_chunk is not null) await _chunk.DisposeAsync();
            File.Delete(_chunkPath);
        }

        private FileStream NewChunk() =>
            new(_chunkPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 0, FileOptions.Asynchronous);

        private async Task SendChunkAsPartAsync(CancellationToken cancellationToken)
        {
            await _chunk!.DisposeAsync();
            // Numbered after the recorded parts: a part a failed request sent under this number is replaced.
            var number = _parts.Count + 1;
            var response = await Guard($"store part {number} of {key}", () => storage._client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = storage._bucket,
                Key = key,
                UploadId = previous.UploadId,
                PartNumber = number,
                FilePath = _chunkPath,
                PartSize = _chunkBytes,
                UseChunkEncoding = false,
            }, cancellationToken));
            _parts.Add(new StoredPart(number, response.ETag));
        }
    }
}
