using System.Text.RegularExpressions;

namespace Reel.Server.Storage;

/// <summary>
/// Where videos' files live, addressed by keys made only of server-made ids and names
/// (<c>videos/{id}/…</c> for everything served, <c>originals/{id}/…</c> for uploads, which are never served).
/// Every write becomes visible whole or not at all.
/// </summary>
internal interface IMediaStorage
{
    /// <summary>Prepares the storage at start (makes the bucket or folder when missing).</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Places a finished local file under the key, consuming the local file.</summary>
    Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken);

    /// <summary>Writes a small text file (a playlist) under the key.</summary>
    Task PutTextAsync(string key, string content, CancellationToken cancellationToken);

    /// <summary>Size and time of a stored file, or null when there is none.</summary>
    Task<StoredFile?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// A small file (a playlist) read whole in one go, or null when there is none: unlike a stat and a read, its bytes
    /// and its time always belong to the same version, however often the file is replaced.
    /// </summary>
    Task<StoredContent?> ReadSmallAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens <paramref name="length"/> bytes of a stored file from <paramref name="offset"/> for reading. The stream may
    /// run on past them (on local disk it is the file itself), so read no more than that.
    /// </summary>
    Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken);

    /// <summary>
    /// Starts storing a file that arrives in pieces (an upload). The bytes also go to a local copy, which the caller
    /// keeps until <see cref="IStorageUpload.CompleteAsync"/>; disposing an upload that was not completed discards it.
    /// </summary>
    Task<IStorageUpload> BeginUploadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a file that arrives over many requests, perhaps at different nodes (a resumable upload). The state it
    /// returns describes what is stored so far; the caller keeps it (in the database) and hands it back.
    /// </summary>
    Task<string> StartResumableAsync(string key, CancellationToken cancellationToken);

    /// <summary>Continues a resumable file of which <paramref name="offset"/> bytes, described by <paramref name="state"/>, are stored.</summary>
    Task<IResumableAppend> ResumeAsync(string key, string state, long offset, CancellationToken cancellationToken);

    /// <summary>Discards an unfinished resumable file and everything stored of it.</summary>
    Task DiscardResumableAsync(string key, string state, CancellationToken cancellationToken);

    /// <summary>A short-lived URL a client can fetch the file from directly, or null when the storage has none.</summary>
    string? ReadUrl(string key, string contentType, string cacheControl);

    /// <summary>A local path ffmpeg can read the stored file from; on local disk, the file itself.</summary>
    Task<string> GetLocalPathAsync(string key, string scratchDir, CancellationToken cancellationToken);

    /// <summary>Removes every file whose key starts with the prefix.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the ids of the videos that have files under <paramref name="area"/> (<c>videos/</c> or
    /// <c>originals/</c>), in ordinal order, after <paramref name="after"/>; fewer than <paramref name="limit"/> at the end.
    /// </summary>
    Task<IReadOnlyList<string>> ListVideoIdsAsync(string area, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Discards uploads begun longer ago than <paramref name="olderThan"/> and never finished, except those of
    /// <paramref name="resuming"/> (video ids of resumable uploads still in progress); returns how many.
    /// </summary>
    Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, IReadOnlySet<string> resuming, CancellationToken cancellationToken);

    /// <summary>Throws unless a file can be written and removed.</summary>
    Task CheckWritableAsync(CancellationToken cancellationToken);
}

internal sealed record StoredFile(long Length, DateTimeOffset LastModified);

internal sealed record StoredContent(byte[] Bytes, DateTimeOffset LastModified)
{
    /// <summary>Larger than any playlist we write; a file past it is not read into memory.</summary>
    public const int MaxBytes = 4 << 20;
}

internal static class MediaStorageExtensions
{
    /// <summary>Opens a whole stored file; a missing one is an error here, as the caller knows it was written.</summary>
    public static async Task<Stream> OpenWholeAsync(this IMediaStorage storage, string key, CancellationToken cancellationToken)
    {
        var file = await storage.StatAsync(key, cancellationToken) ?? throw new FileNotFoundException($"{key} is not stored.");
        return file.Length == 0 ? Stream.Null : await storage.OpenReadAsync(key, 0, file.Length, cancellationToken);
    }

    /// <summary>
    /// Removes the files of a folder id: a video's (or replaced version's) derived files and original, and with
    /// <paramref name="captionsToo"/> (the video itself is gone) the captions uploaded for it.
    /// </summary>
    public static async Task DeleteVideoFilesAsync(this IMediaStorage storage, string videoId, CancellationToken cancellationToken, bool captionsToo = true)
    {
        await storage.DeletePrefixAsync(StorageKeys.Video(videoId), cancellationToken);
        await storage.DeletePrefixAsync(StorageKeys.Original(videoId), cancellationToken);
        if (captionsToo) await storage.DeletePrefixAsync(StorageKeys.Captions(videoId), cancellationToken);
    }
}

/// <summary>A file being stored while it arrives.</summary>
internal interface IStorageUpload : IAsyncDisposable
{
    /// <summary>Whether the bytes are kept only in the local copy until completion, so that copy must be made durable.</summary>
    bool KeepsLocalCopy { get; }

    /// <summary>Takes the next bytes of the file; they are also written to the local copy by the caller.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Makes the file visible under its key; <paramref name="localCopy"/> holds every byte written.</summary>
    Task CompleteAsync(string localCopy, CancellationToken cancellationToken);
}

/// <summary>The bytes one request adds to a resumable file. Disposed without a commit, they are dropped.</summary>
internal interface IResumableAppend : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>
    /// Stores every byte written so far durably and returns the state that describes the whole; with
    /// <paramref name="last"/> the file is finished and becomes visible under its key.
    /// </summary>
    Task<string> CommitAsync(bool last, CancellationToken cancellationToken);

    /// <summary>Once the caller has recorded the committed state: removes what only the state before it needed.</summary>
    Task ForgetPreviousAsync(CancellationToken cancellationToken);
}

/// <summary>The storage could not be reached or was too busy to answer; the operation can be tried again later.</summary>
internal sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The storage answered with a refusal that trying again will not change (a missing file, denied access, a bad
/// request): a real failure. <see cref="Exception.Message"/> has the detail for the log; <see cref="Reason"/> is for people.
/// </summary>
internal sealed class StorageRefusedException(string message, string reason, Exception inner) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}

internal static partial class StorageKeys
{
    /// <summary>The one gate every storage passes keys through: only our own shapes, so nothing can name another place.</summary>
    public static string Checked(string key) =>
        KeyPattern().IsMatch(key) ? key : throw new ArgumentException($"Not a storage key: {key}", nameof(key));

    public static string CheckedPrefix(string prefix) =>
        PrefixPattern().IsMatch(prefix) ? prefix : throw new ArgumentException($"Not a deletable prefix: {prefix}", nameof(prefix));

    public static string Video(string id) => $"videos/{id}/";

    public static string VideoFile(string id, string name) => $"videos/{id}/{name}";

    public static string VideoFolder(string id, string folder) => $"videos/{id}/{folder}/";

    public static string Original(string id) => $"originals/{id}/";

    /// <summary>The captions uploaded for a video; they belong to it, not to its files, and outlive a replaced file.</summary>
    public static string Captions(string videoId) => $"captions/{videoId}/";

    public static string CaptionFile(string videoId, string name) => $"captions/{videoId}/{name}";

    /// <summary>The upload as received. Its name says nothing of its format: ffmpeg judges the content, not a name.</summary>
    public static string OriginalFile(string id) => $"originals/{id}/source.bin";

    [GeneratedRegex("^(videos|originals|captions)/[A-Za-z0-9_-]{22}(/[A-Za-z0-9_-]{1,64}){0,2}/[A-Za-z0-9_-]{1,100}\\.[a-z0-9]{1,5}\\z")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^(videos|originals|captions)/[A-Za-z0-9_-]{22}/([A-Za-z0-9_-]{1,64}/)?\\z")]
    private static partial Regex PrefixPattern();
}
