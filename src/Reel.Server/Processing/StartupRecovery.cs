using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// What a start does after a crash: half-received uploads and scratch folders go and this node's own jobs are free again
/// at once; beside the workers, every unfinished video gets a job, files of deleted videos go, and lost derived files of
/// ready videos changed since their last check are remade (ADR 14).
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
    private const int VerifyPage = 100;
    private const int SweepPage = 1000;

    /// <summary>
    /// Runs before the server accepts requests: nothing in these folders can belong to a live request yet. Each role
    /// clears only its own folder (uploads for api, jobs for worker), so a node sharing the data folder with another
    /// of different roles leaves the other's work alone.
    /// </summary>
    public void RemoveScratchFiles()
    {
        if (node.Has("worker"))
        {
            if (!Reel.Media.MediaProcess.ChildrenDieWithParent)
                logger.LogWarning("setpriv (util-linux) was not found: ffmpeg processes of this server outlive a crash of it until its next start");
            StopOrphanedEncoders();
        }
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
    /// The backstop for ffmpeg children that outlived a killed server (no setpriv, or a crash in the instant between
    /// fork and prctl) and would keep writing into the work folder; every one of them names that folder on its
    /// command line, which is how they are found.
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

    /// <summary>
    /// What must happen before this node's workers claim anything: its own jobs of before the crash are free again.
    /// One statement, whatever the number of videos; everything else runs beside the workers (<see cref="CheckAsync"/>).
    /// </summary>
    public async Task RecoverJobsAsync(CancellationToken cancellationToken)
    {
        var released = await queue.ReleaseLeasesOfAsync(node.NodeId, cancellationToken);
        if (released > 0) logger.LogInformation("Took back {Count} jobs this node was running when it stopped", released);
        foreach (var kind in JobKind.All) signal.Wake(kind);
    }

    /// <summary>
    /// Runs beside the workers, at start and then now and then: every unfinished video has a job, ready videos changed
    /// since their files were last found whole are checked (and repaired), and files of deleted videos go. Its cost is
    /// that of what changed plus a paged walk of the storage, never a pass over everything before work may start.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await QueueUnfinishedAsync(cancellationToken);
        var verified = await VerifyReadyVideosAsync(cancellationToken);
        if (verified > 0) logger.LogInformation("Checked the files of {Count} ready videos", verified);
        await SweepOrphansAsync(cancellationToken);
    }

    private async Task QueueUnfinishedAsync(CancellationToken cancellationToken)
    {
        foreach (var status in new[] { VideoStatus.Queued, VideoStatus.Processing })
        {
            foreach (var video in await videos.ListByStatusAsync(status, cancellationToken))
            {
                if (await queue.HasPendingAsync(video.Id, kind: null, cancellationToken)) continue;
                // Workers run meanwhile: a job that just finished has marked its video ready before closing, so a
                // second look tells a finished video from one truly left without a job.
                if (await videos.GetAsync(video.Id, cancellationToken) is not { Status: VideoStatus.Queued or VideoStatus.Processing } current) continue;
                var kind = current.Playable ? JobKind.Encode : JobKind.Prepare;
                logger.LogWarning("Video {VideoId} was {Status} with no job; queueing {Kind}", video.Id, status, kind);
                await queue.EnqueueAsync(video.Id, kind, cancellationToken);
            }
        }
    }

    /// <summary>Checks the ready videos not checked since they last changed, a page at a time; returns how many.</summary>
    internal async Task<int> VerifyReadyVideosAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (await videos.UnverifiedReadyAsync(VerifyPage, cancellationToken) is { Count: > 0 } page)
        {
            foreach (var video in page)
            {
                if (video.SourceKey is null)
                    await storage.DeletePrefixAsync(StorageKeys.Original(video.Media), cancellationToken);
                if (await MissingDerivedFileAsync(video, cancellationToken) is { } missing && !await queue.HasPendingAsync(video.Id, JobKind.Repair, cancellationToken))
                {
                    logger.LogWarning("Video {VideoId} is missing {File}; queueing a repair", video.Id, missing);
                    await queue.EnqueueAsync(video.Id, JobKind.Repair, cancellationToken);
                }
                // A repair changes the video, which makes it unverified again: it is checked once more after it.
                await videos.MarkFilesVerifiedAsync(video.Id, video.UpdatedAt, cancellationToken);
                count++;
            }
            if (page.Count < VerifyPage) break;
        }
        return count;
    }

    /// <summary>
    /// Removes the files of deleted videos, walking the storage's video folders a page at a time (one listing request
    /// and one query per page), never holding every id in memory.
    /// </summary>
    internal async Task SweepOrphansAsync(CancellationToken cancellationToken, int pageSize = SweepPage)
    {
        foreach (var area in new[] { "videos/", "originals/", "captions/" })
        {
            string? after = null;
            while (true)
            {
                var page = await storage.ListVideoIdsAsync(area, after, pageSize, cancellationToken);
                if (page.Count == 0) break;
                var known = await videos.KnownFoldersAsync(page, cancellationToken);
                foreach (var orphan in page.Where(id => !known.Contains(id)))
                {
                    // An upload is stored a moment before its row is written, possibly on another node: a fresh one is not an orphan.
                    if (await storage.StatAsync(StorageKeys.OriginalFile(orphan), cancellationToken) is { } upload && clock.GetUtcNow() - upload.LastModified < FreshUploadAge)
                        continue;
                    logger.LogInformation("Removing files of deleted video {VideoId}", orphan);
                    await storage.DeleteVideoFilesAsync(orphan, cancellationToken);
                }
                if (page.Count < pageSize) break;
                after = page[^1];
            }
        }
    }

    private async Task<string?> MissingDerivedFileAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        foreach (var name in new[] { "master.m3u8", "thumbnail.jpg", "storyboard.vtt", "download.mp4" })
        {
            if (await storage.StatAsync(StorageKeys.VideoFile(video.Media, name), cancellationToken) is null)
                return name;
        }
        return null;
    }
}
