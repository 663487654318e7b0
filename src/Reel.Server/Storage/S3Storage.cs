using System.Buffers;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Reel.Server.Infrastructure;

namespace Reel.Server.Storage;

/// <summary>
/// Files in an S3-compatible bucket (AWS, Swift's s3api, MinIO, Ceph…), addressed path-style. Every PUT and every
/// completed multipart upload replaces an object whole, so readers never see half a file. Large files go up in
/// parts read from disk or from the request as it arrives, never held whole in memory. See ADR 8.
/// </summary>
internal sealed partial class S3Storage : IMediaStorage, IDisposable
{
    private const int DeleteParallelism = 8;
    private const int AbortAttempts = 120;
    private static readonly TimeSpan AbortRetryDelay = TimeSpan.FromSeconds(5);
    private readonly AmazonS3Client _client;

    // Presigning is a local computation, but the URL names the host clients will ask: the public one when it differs.
    private readonly AmazonS3Client _presigner;
    private readonly MemoryCache _segments = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly string _bucket;
    private readonly int _partSize;
    private readonly TimeSpan _presignFor;
    private readonly Amazon.S3.Protocol _protocol;
    private readonly TimeProvider _clock;
    private readonly ILogger<S3Storage> _logger;
    private readonly string _scratchDir;

    public S3Storage(IOptions<StorageOptions> options, NodeSettings node, TimeProvider clock, ILogger<S3Storage> logger)
    {
        _scratchDir = node.TempDir;
        var s3 = options.Value.S3;
        _client = Connect(s3, s3.ServiceUrl!);
        var publicUrl = new Uri(s3.PublicServiceUrl ?? s3.ServiceUrl!);
        _presigner = s3.PublicServiceUrl is null ? _client : Connect(s3, s3.PublicServiceUrl);
        _bucket = s3.Bucket!;
        _partSize = s3.PartSizeMiB * 1024 * 1024;
        _presignFor = TimeSpan.FromMinutes(s3.PresignMinutes);
        _protocol = publicUrl.Scheme == Uri.UriSchemeHttps ? Amazon.S3.Protocol.HTTPS : Amazon.S3.Protocol.HTTP;
        _clock = clock;
        _logger = logger;
    }

    private static AmazonS3Client Connect(S3Options s3, string serviceUrl) =>
        new(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = s3.Region,
            // Checksums only where S3 requires them: several S3-compatible servers reject the newer CRC headers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(60),
            MaxErrorRetry = 3,
        });

    /// <summary>Makes the bucket when it does not exist yet, so a fresh deployment needs no manual step.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) => Guard("open the bucket", async () =>
    {
        try
        {
            await _client.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = _bucket }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _bucket, UseClientRegion = true }, cancellationToken);
            _logger.LogInformation("Created bucket {Bucket}", _bucket);
        }
    });

    /// <summary>Through the same path as an upload: a file of one part or less becomes a single PUT, a larger one parts; read once.</summary>
    public async Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        await using (var upload = new MultipartUpload(this, StorageKeys.Checked(key)))
        {
            await using (var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
                try
                {
                    int read;
                    while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
                        await upload.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            await upload.CompleteAsync(localPath, cancellationToken);
        }
        File.Delete(localPath);
    }

    public Task PutTextAsync(string key, string content, CancellationToken cancellationToken) =>
        Guard($"store {key}", () => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = StorageKeys.Checked(key),
            ContentBody = content,
            ContentType = MediaTypes.For(key),
            UseChunkEncoding = false,
        }, cancellationToken));

    public async Task<StoredFile?> StatAsync(string key, CancellationToken cancellationToken)
    {
        // A segment's name carries its encode's generation, so what is stored under it never changes: its size and
        // time are looked up once, which halves the requests to S3 of every segment served.
        if (IsSegment(key) && _segments.TryGetValue(key, out StoredFile? known)) return known;
        var file = await Guard($"look up {key}", async () =>
        {
            try
            {
                var head = await _client.GetObjectMetadataAsync(_bucket, StorageKeys.Checked(key), cancellationToken);
                return new StoredFile(head.ContentLength, Utc(head.LastModified));
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });
        if (file is not null && IsSegment(key))
            _segments.Set(key, file, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        return file;
    }

    public Task<StoredContent?> ReadSmallAsync(string key, CancellationToken cancellationToken) => Guard($"read {key}", async () =>
    {
        try
        {
            // One GET: the bytes and the time come from the same version of the object.
            using var response = await _client.GetObjectAsync(_bucket, StorageKeys.Checked(key), cancellationToken);
            if (response.ContentLength > StoredContent.MaxBytes) throw new InvalidDataException($"{key} is too large to read whole.");
            using var bytes = new MemoryStream((int)response.ContentLength);
            await response.ResponseStream.CopyToAsync(bytes, cancellationToken);
            return new StoredContent(bytes.ToArray(), Utc(response.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return (StoredContent?)null;
        }
    });

    public Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken) => Guard($"read {key}", async () =>
    {
        var response = await _client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _bucket,
            Key = StorageKeys.Checked(key),
            ByteRange = new ByteRange(offset, offset + length - 1),
        }, cancellationToken);
        return response.ResponseStream;
    });

    public Task<IStorageUpload> BeginUploadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<IStorageUpload>(new MultipartUpload(this, StorageKeys.Checked(key)));

    public string? ReadUrl(string key, string contentType, string cacheControl)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = StorageKeys.Checked(key),
            Verb = HttpVerb.GET,
            Protocol = _protocol,
            Expires = _clock.GetUtcNow().Add(_presignFor).UtcDateTime,
        };
        request.ResponseHeaderOverrides.ContentType = contentType;
        request.ResponseHeaderOverrides.CacheControl = cacheControl;
        return _presigner.GetPreSignedURL(request);
    }

    /// <summary>Downloads the file once into the job's scratch folder: ffmpeg then reads a local file and needs no network (ADR 8).</summary>
    public async Task<string> GetLocalPathAsync(string key, string scratchDir, CancellationToken cancellationToken)
    {
        var target = Path.Combine(scratchDir, Path.GetFileName(StorageKeys.Checked(key)));
        if (File.Exists(target)) return target;
        var staging = target + ".part";
        await Guard($"download {key}", async () =>
        {
            using var response = await _client.GetObjectAsync(_bucket, key, cancellationToken);
            await using var output = new FileStream(staging, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            await response.ResponseStream.CopyToAsync(output, 1024 * 1024, cancellationToken);
        });
        File.Move(staging, target);
        return target;
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        StorageKeys.CheckedPrefix(prefix);
        // One by one: batch DeleteObjects needs a checksum header that not every S3-compatible server accepts. A second
        // listing catches a file a stopping job placed while the first pass ran.
        for (var pass = 0; pass < 2; pass++)
        {
            var keys = await ListKeysAsync(prefix, cancellationToken);
            if (keys.Count == 0) return;
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken },
                (key, token) => new ValueTask(Guard($"delete {key}", () => _client.DeleteObjectAsync(_bucket, key, token))));
        }
    }

    public async Task<IReadOnlyList<string>> ListVideoIdsAsync(string area, string? after, int limit, CancellationToken cancellationToken)
    {
        // One folder per video: listed with the delimiter, each id is one entry however many files it holds. "/~"
        // sorts after every key inside the folder of `after`, so the page starts at the next video.
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = area, Delimiter = "/", MaxKeys = limit };
        if (after is not null) request.StartAfter = area + after + "/~";
        var ids = new List<string>();
        ListObjectsV2Response page;
        do
        {
            page = await Guard("list videos", () => _client.ListObjectsV2Async(request, cancellationToken));
            ids.AddRange((page.CommonPrefixes ?? []).Select(p => p[area.Length..].TrimEnd('/')).Where(Ids.IsVideoId));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true && ids.Count < limit);
        return ids.Take(limit).ToList();
    }

    public Task CheckWritableAsync(CancellationToken cancellationToken) => Guard("write a test object", async () =>
    {
        var key = $"readyz/{Guid.NewGuid():N}";
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "ok", UseChunkEncoding = false }, cancellationToken);
        await _client.DeleteObjectAsync(_bucket, key, cancellationToken);
    });

    /// <summary>
    /// Aborts multipart uploads that were started long ago and never finished: an upload whose abort itself failed
    /// (the store was down) would otherwise keep its parts for ever.
    /// </summary>
    public async Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, IReadOnlySet<string> resuming, CancellationToken cancellationToken)
    {
        var cutoff = _clock.GetUtcNow() - olderThan;
        var listing = await Guard("list unfinished uploads", () =>
            _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = "originals/" }, cancellationToken));
        var stale = (listing.MultipartUploads ?? [])
            .Where(u => u.Initiated is not null && Utc(u.Initiated) < cutoff)
            .Where(u => u.Key.Split('/') is [_, var id, _] && !resuming.Contains(id))
            .ToList();
        foreach (var upload in stale)
            await Guard("abort an unfinished upload", () => _client.AbortMultipartUploadAsync(_bucket, upload.Key, upload.UploadId, cancellationToken));
        return stale.Count;
    }

    public void Dispose()
    {
        _client.Dispose();
        if (_presigner != _client) _presigner.Dispose();
        _segments.Dispose();
    }

    /// <summary>
    /// Aborts an unfinished multipart upload so its parts are not kept. When the store is away, trying again in the
    /// background for a while: the upload that failed is usually the one that met the outage.
    /// </summary>
    private async Task AbortAsync(string key, string uploadId)
    {
        if (await TryAbortAsync(key, uploadId)) return;
        _ = Task.Run(async () =>
        {
            for (var attempt = 1; attempt <= AbortAttempts; attempt++)
            {
                await Task.Delay(AbortRetryDelay, _clock);
                if (await TryAbortAsync(key, uploadId)) return;
            }
            _logger.LogWarning("Gave up aborting the unfinished upload of {Key}; the hourly sweep removes it after a day", key);
        });
    }

    private async Task<bool> TryAbortAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(_bucket, key, uploadId, CancellationToken.None);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return true; // Already gone.
        }
        catch (Exception e) when (StorageErrors.IsTransient(e))
        {
            _logger.LogWarning("Could not abort the unfinished upload of {Key} yet: {Error}", key, e.Message);
            return false;
        }
        catch (AmazonServiceException e)
        {
            // Asking again would be refused again; the hourly sweep tries once more.
            _logger.LogWarning(e, "Object storage refused to abort the unfinished upload of {Key}", key);
            return true;
        }
    }

    private async Task<List<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await Guard($"list {prefix}", () => _client.ListObjectsV2Async(request, cancellationToken));
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    /// <summary>
    /// Turns the SDK's failures (after its own retries) into the two the callers understand: the store is away for now
    /// (<see cref="StorageUnavailableException"/>, try again later), or it refused for good (<see cref="StorageRefusedException"/>).
    /// </summary>
    private static async Task<T> Guard<T>(string what, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (StorageErrors.IsTransient(e))
        {
            throw new StorageUnavailableException($"Object storage could not {what}: {e.Message}", e);
        }
        catch (AmazonServiceException e)
        {
            throw new StorageRefusedException($"Object storage refused to {what}: HTTP {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", StorageErrors.Reason(e), e);
        }
        catch (AmazonClientException e)
        {
            // Raised before any answer and not by the transport: the client's own settings (credentials, endpoint) are wrong.
            throw new StorageRefusedException($"Object storage could not {what}: {e.Message}", "object storage could not be used (check the server's S3 settings).", e);
        }
    }

    private static async Task Guard(string what, Func<Task> action) =>
        await Guard(what, async () =>
        {
            await action();
            return true;
        });

    // The SDK gives S3's times (always UTC) as DateTime of unspecified kind.
    // MPEG-TS segments, and the fMP4 ones of videos processed before segments were TS.
    private static bool IsSegment(string key) =>
        key.EndsWith(".ts", StringComparison.Ordinal) || key.EndsWith(".m4s", StringComparison.Ordinal);

    private static DateTimeOffset Utc(DateTime? time) => new(DateTime.SpecifyKind(time ?? default, DateTimeKind.Utc));

    /// <summary>
    /// A file sent in parts as it arrives: one part fills while the previous one is sent, so memory stays at two parts.
    /// A file smaller than one part is sent with a single PUT from the local copy at completion instead.
    /// </summary>
    private sealed class MultipartUpload(S3Storage storage, string key) : IStorageUpload
    {
        private readonly List<PartETag> _parts = [];
        private byte[] _filling = ArrayPool<byte>.Shared.Rent(storage._partSize);
        private byte[]? _sending;
        private Task _inFlight = Task.CompletedTask;
        private int _filled;
        private int _partsStarted;
        private string? _uploadId;
        private bool _completed;

        public bool KeepsLocalCopy => false;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            while (bytes.Length > 0)
            {
                var take = Math.Min(bytes.Length, storage._partSize - _filled);
                bytes[..take].CopyTo(_filling.AsMemory(_filled));
                _filled += take;
                bytes = bytes[take..];
                if (_filled == storage._partSize) await SendFilledPartAsync(cancellationToken);
            }
        }

        public async Task CompleteAsync(string localCopy, CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                // Every byte is still in the part being filled: send it from there rather than read the file again.
                await Guard($"store {key}", async () =>
                {
                    using var body = new MemoryStream(_filling, 0, _filled, writable: false);
                    await storage._client.PutObjectAsync(new PutObjectRequest
                    {
                        BucketName = storage._bucket,
                        Key = key,
                        InputStream = body,
                        ContentType = MediaTypes.For(key),
                        UseChunkEncoding = false,
                    }, cancellationToken);
                });
            }
            else
            {
                if (_filled > 0) await SendFilledPartAsync(cancellationToken);
                await _inFlight;
                await Guard($"finish storing {key}", () => storage._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = storage._bucket,
                    Key = key,
                    UploadId = _uploadId,
                    PartETags = _parts.OrderBy(p => p.PartNumber).ToList(),
                }, cancellationToken));
            }
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _inFlight;
            }
            catch (Exception)
            {
                // The part's failure was reported to the writer; what matters now is removing the parts.
            }
            if (!_completed && _uploadId is not null) await storage.AbortAsync(key, _uploadId);
            ArrayPool<byte>.Shared.Return(_filling);
            if (_sending is not null) ArrayPool<byte>.Shared.Return(_sending);
        }

        private async Task SendFilledPartAsync(CancellationToken cancellationToken)
        {
            await _inFlight;
            _uploadId ??= (await Guard($"start storing {key}", () => storage._client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = storage._bucket,
                Key = key,
                ContentType = MediaTypes.For(key),
            }, cancellationToken))).UploadId;

            var part = _filling;
            var length = _filled;
            var number = ++_partsStarted;
            _filling = _sending ?? ArrayPool<byte>.Shared.Rent(storage._partSize);
            _sending = part;
            _filled = 0;
            _inFlight = Guard($"store part {number} of {key}", async () =>
            {
                using var body = new MemoryStream(part, 0, length, writable: false);
                var response = await storage._client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = storage._bucket,
                    Key = key,
                    UploadId = _uploadId,
                    PartNumber = number,
                    InputStream = body,
                    PartSize = length,
                    UseChunkEncoding = false,
                }, cancellationToken);
                lock (_parts) _parts.Add(new PartETag(number, response.ETag));
            });
        }
    }
}
