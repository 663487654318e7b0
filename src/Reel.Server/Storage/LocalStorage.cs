using System.Text;
using Microsoft.Win32.SafeHandles;
using Reel.Server.Infrastructure;

namespace Reel.Server.Storage;

/// <summary>Files on local disk under the data directory. Writes go to a temp name in the target folder and are renamed into place.</summary>
internal sealed class LocalStorage(NodeSettings node) : IMediaStorage
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    // The partial file is the whole state on local disk: its name follows from the key.
    private const string ResumableState = "local";

    private readonly string _root = Path.GetFullPath(node.MediaDir) + Path.DirectorySeparatorChar;

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task PutFileAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        var target = Resolve(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var staging = TempNameBeside(target);
        // The first move may cross file systems (a copy); the second is a rename within one folder, so it is atomic.
        await Task.Run(() => File.Move(localPath, staging), cancellationToken);
        File.Move(staging, target, overwrite: true);
    }

    public async Task PutTextAsync(string key, string content, CancellationToken cancellationToken)
    {
        var target = Resolve(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var staging = TempNameBeside(target);
        await File.WriteAllTextAsync(staging, content, Utf8NoBom, cancellationToken);
        File.Move(staging, target, overwrite: true);
    }

    public Task<StoredFile?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(Resolve(key));
        return Task.FromResult(info.Exists ? new StoredFile(info.Length, info.LastWriteTimeUtc) : null);
    }

    public async Task<StoredContent?> ReadSmallAsync(string key, CancellationToken cancellationToken)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(Resolve(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        using (handle)
        {
            // The open handle keeps this version of the file, even when a newer one is renamed over its name.
            var length = RandomAccess.GetLength(handle);
            if (length > StoredContent.MaxBytes) throw new IOException($"{key} is too large to read whole.");
            var bytes = new byte[length];
            var read = 0;
            while (read < bytes.Length) read += await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, cancellationToken) is > 0 and var n ? n : throw new EndOfStreamException();
            return new StoredContent(bytes, File.GetLastWriteTimeUtc(handle));
        }
    }

    public Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        // No buffer of its own: callers read in large pieces straight into their destination.
        var stream = new FileStream(Resolve(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0, FileOptions.SequentialScan);
        stream.Seek(offset, SeekOrigin.Begin);
        return Task.FromResult<Stream>(stream);
    }

    public Task<IStorageUpload> BeginUploadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<IStorageUpload>(new LocalUpload(this, key));

    public Task<string> StartResumableAsync(string key, CancellationToken cancellationToken)
    {
        var partial = PartialPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.Create(partial).Dispose();
        return Task.FromResult(ResumableState);
    }

    public Task<IResumableAppend> ResumeAsync(string key, string state, long offset, CancellationToken cancellationToken) =>
        Task.FromResult<IResumableAppend>(new LocalAppend(Resolve(key), PartialPath(key), offset));

    public Task DiscardResumableAsync(string key, string state, CancellationToken cancellationToken)
    {
        File.Delete(PartialPath(key));
        return Task.CompletedTask;
    }

    public string? ReadUrl(string key, string contentType, string cacheControl) => null;

    public Task<string> GetLocalPathAsync(string key, string scratchDir, CancellationToken cancellationToken) =>
        Task.FromResult(Resolve(key));

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(Path.Combine(_root, StorageKeys.CheckedPrefix(prefix)));
        if (!dir.StartsWith(_root, StringComparison.Ordinal)) throw new ArgumentException("Prefix escapes the storage root.", nameof(prefix));
        // A job that is being stopped may still place a file while the folder is removed ("directory not empty"):
        // removing again takes the newcomer too.
        for (var attempt = 1; Directory.Exists(dir); attempt++)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) when (attempt < 10)
            {
                await Task.Delay(50 * attempt, cancellationToken);
            }
        }
    }

    public Task<IReadOnlyList<string>> ListVideoIdsAsync(string area, string? after, int limit, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(_root, area.TrimEnd('/'));
        if (!Directory.Exists(dir)) return Task.FromResult<IReadOnlyList<string>>([]);
        IReadOnlyList<string> page = Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>()
            .Where(id => Ids.IsVideoId(id) && (after is null || string.CompareOrdinal(id, after) > 0))
            .Order(StringComparer.Ordinal).Take(limit).ToList();
        return Task.FromResult(page);
    }

    // An unfinished upload here is a file in the node's temp folder, which is emptied at start; a resumable one is
    // removed when it expires.
    public Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, IReadOnlySet<string> resuming, CancellationToken cancellationToken) => Task.FromResult(0);

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        var probe = Path.Combine(_root, $".ready-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(probe, "ok", cancellationToken);
        File.Delete(probe);
    }

    /// <summary>The one gate from keys to paths: a key must have our shape and resolve inside the root.</summary>
    private string Resolve(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, StorageKeys.Checked(key)));
        return path.StartsWith(_root, StringComparison.Ordinal) ? path : throw new ArgumentException("Key escapes the storage root.", nameof(key));
    }

    // Beside the file it becomes, so finishing is a rename; never served, as only originals are resumable.
    private string PartialPath(string key) => Path.ChangeExtension(Resolve(key), ".partial");

    private static string TempNameBeside(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");

    /// <summary>On local disk the local copy is the file: completing moves it into place.</summary>
    private sealed class LocalUpload(LocalStorage storage, string key) : IStorageUpload
    {
        public bool KeepsLocalCopy => true;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public Task CompleteAsync(string localCopy, CancellationToken cancellationToken) => storage.PutFileAsync(key, localCopy, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// Appends to the partial file in place. Bytes past the recorded offset were written by a request that never
    /// committed (it failed or the server died), so they are cut off before anything new is added.
    /// </summary>
    private sealed class LocalAppend : IResumableAppend
    {
        private readonly string _target;
        private readonly string _partial;
        private readonly long _offset;
        private readonly FileStream _file;
        private bool _committed;

        public LocalAppend(string target, string partial, long offset)
        {
            _target = target;
            _partial = partial;
            _offset = offset;
            // Not shared: two requests can never append to one file at once, even if the caller's lock failed.
            _file = new FileStream(partial, FileMode.Open, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            if (_file.Length is var length && length < offset)
            {
                _file.Dispose();
                throw new IOException($"{partial} holds {length} bytes, fewer than the {offset} recorded.");
            }
            _file.SetLength(offset);
            _file.Position = offset;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => _file.WriteAsync(bytes, cancellationToken);

        public async Task<string> CommitAsync(bool last, CancellationToken cancellationToken)
        {
            await _file.FlushAsync(cancellationToken);
            _file.Flush(flushToDisk: true);
            _committed = true;
            if (last)
            {
                await _file.DisposeAsync();
                File.Move(_partial, _target, overwrite: true);
            }
            return ResumableState;
        }

        public Task ForgetPreviousAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (!_committed && File.Exists(_partial)) _file.SetLength(_offset);
            await _file.DisposeAsync();
        }
    }
}
