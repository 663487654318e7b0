using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// What a start does after a crash: half-received uploads and scratch folders go, this node's own jobs are free again
/// at once, every unfinished video has a job, files of deleted videos go, and lost derived files of ready videos are remade.
/// </summary>
internal sealed class StartupRecovery(
    JobQueue queue,
    VideoStore videos,
    IMediaStorage storage,
    WorkSignal signal,
    NodeSettings node,
    TimeProvider clock,
    ILogger<StartupRecovery> logger)
{
    private static readonly TimeSpan FreshUploadAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Runs before the server accepts requests: nothing in these folders can belong to a live request yet. Each role
    /// clears only its own folder (uploads for api, jobs for worker), so a node sharing the data folder with another
    /// of different roles leaves the other's work alone.
    /// </summary>
    public void RemoveScratchFiles()
    {
        if (node.Has("worker")) StopOrphanedEncoders();
        var mine = new[] { ("api", node.TempDir), ("worker", node.WorkDir) }.Where(f => node.Has(f.Item1)).Select(f => f.Item2);
        foreach (var dir in mine)
        {
            if (!Directory.Exists(dir)) continue;
            var count = 0;
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo d) d.Delete(recursive: true);
                else entry.Delete();
                count++;
            }
            if (count > 0) logger.LogInformation("Removed {Count} leftovers of interrupted work from {Dir}", count, dir);
        }
    }

    /// <summary>
    /// ffmpeg children outlive a killed server and would keep writing into the work folder; every one of them names
    /// that folder on its command line, which is how they are found.
    /// </summary>
    private void StopOrphanedEncoders()
    {
        if (!Directory.Exists("/proc")) return;
        var marker = node.WorkDir + Path.DirectorySeparatorChar;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // The process ended while we looked, or is not ours to read.
            }
            if (!commandLine.Contains(marker, StringComparison.Ordinal)) continue;
            try
            {
                using var orphan = System.Diagnostics.Process.GetProcessById(pid);
                orphan.Kill();
                orphan.WaitForExit(TimeSpan.FromSeconds(5));
                logger.LogWarning("Stopped ffmpeg process {Pid} left running by an earlier crash", pid);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It exited on its own in the meantime.
            }
        }
    }

    public async Task RecoverJobsAsync(CancellationToken cancellationToken)
    {
        var released = await queue.ReleaseLeasesOfAsync(node.NodeId, cancellationToken);
        if (released > 0) logger.LogInformation("Took back {Count} jobs this node was running when it stopped", released);

        foreach (var status in new[] { VideoStatus.Queued, VideoStatus.Processing })
        {
            foreach (var video in await videos.ListByStatusAsync(status, cancellationToken))
            {
                if (await queue.HasPendingAsync(video.Id, kind: null, cancellationToken)) continue;
                var kind = video.Playable ? JobKind.Encode : JobKind.Prepare;
                logger.LogWarning("Video {VideoId} was {Status} with no job; queueing {Kind}", video.Id, status, kind);
                await queue.EnqueueAsync(video.Id, kind, cancellationToken);
            }
        }

        var known = await videos.AllIdsAsync(cancellationToken);
        foreach (var orphan in (await storage.ListVideoIdsAsync(cancellationToken)).Except(known))
        {
            // An upload is stored a moment before its row is written, possibly on another node: a fresh one is not an orphan.
            if (await storage.StatAsync(StorageKeys.OriginalFile(orphan), cancellationToken) is { } upload && clock.GetUtcNow() - upload.LastModified < FreshUploadAge)
                continue;
            logger.LogInformation("Removing files of deleted video {VideoId}", orphan);
            await storage.DeletePrefixAsync(StorageKeys.Video(orphan), cancellationToken);
            await storage.DeletePrefixAsync(StorageKeys.Original(orphan), cancellationToken);
        }

        foreach (var video in await videos.ListByStatusAsync(VideoStatus.Ready, cancellationToken))
        {
            if (video.SourceKey is null)
                await storage.DeletePrefixAsync(StorageKeys.Original(video.Id), cancellationToken);
            if (await MissingDerivedFileAsync(video, cancellationToken) is { } missing && !await queue.HasPendingAsync(video.Id, JobKind.Repair, cancellationToken))
            {
                logger.LogWarning("Video {VideoId} is missing {File}; queueing a repair", video.Id, missing);
                await queue.EnqueueAsync(video.Id, JobKind.Repair, cancellationToken);
            }
        }

        foreach (var kind in JobKind.All) signal.Wake(kind);
    }

    private async Task<string?> MissingDerivedFileAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        foreach (var name in new[] { "master.m3u8", "thumbnail.jpg", "storyboard.vtt", "download.mp4" })
        {
            if (await storage.StatAsync(StorageKeys.VideoFile(video.Id, name), cancellationToken) is null)
                return name;
        }
        return null;
    }
}
