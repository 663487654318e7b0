namespace Reel.Server.Storage;

/// <summary>
/// Where videos' files live, addressed by keys made only of server-made ids and names
/// (<c>videos/{id}/…</c> for everything served, <c>originals/{id}/…</c> for uploads, which are never served).
/// Every write becomes visible whole or not at all.
/// </summary>
internal interface IMediaStorage
{
    /// <summary>Places a finished local file under the key, consuming the local file.</summary>
    Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken);

    /// <summary>Writes a small text file (a playlist) under the key.</summary>
    Task PutTextAsync(string key, string content, CancellationToken cancellationToken);

    /// <summary>Size and time of a stored file, or null when there is none.</summary>
    Task<StoredFile?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens a stored file for reading from <paramref name="offset"/>.</summary>
    Task<Stream> OpenReadAsync(string key, long offset, CancellationToken cancellationToken);

    /// <summary>A local path ffmpeg can read the stored file from; on local disk, the file itself.</summary>
    Task<string> GetLocalPathAsync(string key, string scratchDir, CancellationToken cancellationToken);

    /// <summary>Removes every file whose key starts with the prefix.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Ids of the videos that have files under <c>videos/</c> or <c>originals/</c>.</summary>
    Task<IReadOnlySet<string>> ListVideoIdsAsync(CancellationToken cancellationToken);

    /// <summary>Throws unless a file can be written and removed.</summary>
    Task CheckWritableAsync(CancellationToken cancellationToken);
}

internal sealed record StoredFile(long Length, DateTimeOffset LastModified);

internal static class StorageKeys
{
    public static string Video(string id) => $"videos/{id}/";

    public static string VideoFile(string id, string name) => $"videos/{id}/{name}";

    public static string VideoFolder(string id, string folder) => $"videos/{id}/{folder}/";

    public static string Original(string id) => $"originals/{id}/";

    public static string OriginalFile(string id, string extension) => $"originals/{id}/source.{extension}";
}
