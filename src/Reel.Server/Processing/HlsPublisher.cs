using Reel.Media;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// Moves what ffmpeg finishes into storage while it is still running: for each rendition folder, the init segment
/// and every segment its playlist lists, then the playlist itself. A playlist is published only after every file it
/// names, so a player never sees a reference to a file that is not there yet.
/// </summary>
internal sealed class HlsPublisher(IMediaStorage storage, string videoId, string workDir, Func<string, MediaPlaylist, Task> onPublished)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(40);

    private readonly Dictionary<string, HashSet<string>> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reported = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts the encoder and publishes as it goes until it ends; then publishes the rest. Whatever fails, the encoder
    /// is stopped and awaited before this returns, so no ffmpeg outlives its job.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> startEncoder, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var encoder = startEncoder(stop.Token);
        try
        {
            while (!encoder.IsCompleted)
            {
                await Task.WhenAny(encoder, Task.Delay(PollInterval, stop.Token));
                stop.Token.ThrowIfCancellationRequested();
                await PublishAvailableAsync(stop.Token);
            }
        }
        catch
        {
            await stop.CancelAsync();
            await encoder.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        await encoder;
        await PublishAvailableAsync(cancellationToken);
    }

    private async Task PublishAvailableAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(workDir)) return;
        foreach (var dir in Directory.EnumerateDirectories(workDir).Order(StringComparer.Ordinal))
        {
            var rendition = Path.GetFileName(dir);
            var playlistPath = Path.Combine(dir, "index.m3u8");
            if (!File.Exists(playlistPath)) continue;

            // ffmpeg renames a complete playlist into place (temp_file), so this read sees a whole one.
            var text = await File.ReadAllTextAsync(playlistPath, cancellationToken);
            var playlist = HlsPlaylists.ParseMedia(text);
            var published = _published.TryGetValue(rendition, out var set) ? set : _published[rendition] = [];
            var names = (playlist.InitUri is { } init ? [init] : Array.Empty<string>()).Concat(playlist.Segments.Select(s => s.Uri));
            foreach (var name in names)
            {
                if (published.Contains(name)) continue;
                await storage.PutFileAsync(StorageKeys.VideoFile(videoId, $"{rendition}/{name}"), Path.Combine(dir, name), cancellationToken);
                published.Add(name);
            }

            var reportKey = playlist.Segments.Count * 2 + (playlist.Ended ? 1 : 0);
            if (_reported.TryGetValue(rendition, out var last) && last == reportKey) continue;
            await storage.PutTextAsync(StorageKeys.VideoFile(videoId, $"{rendition}/index.m3u8"), HlsPlaylists.ForPlayers(text), cancellationToken);
            _reported[rendition] = reportKey;
            await onPublished(rendition, playlist);
        }
    }
}
