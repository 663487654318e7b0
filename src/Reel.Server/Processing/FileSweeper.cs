using Reel.Server.Data;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// Removes the files of deleted videos. Deleting a video's row records its files for removal in the same transaction
/// (<see cref="VideoStore.DeleteAsync"/>), so a delete is done once the row is gone: the files go at once when
/// storage answers, else later, by the worker's sweep, which survives restarts and works on any node.
/// </summary>
internal sealed class FileSweeper(VideoStore videos, IMediaStorage storage, ILogger<FileSweeper> logger)
{
    private const int Batch = 100;

    /// <summary>
    /// Removes the files of a video whose row was deleted; when storage fails they stay recorded for the sweep, so
    /// this never fails for storage's sake: the caller has already deleted the video.
    /// </summary>
    public async Task RemoveAsync(string videoId, string? resumableState)
    {
        try
        {
            await RemoveFilesAsync(new FileDeletion { VideoId = videoId, ResumableState = resumableState }, CancellationToken.None);
        }
        catch (Exception e) when (IsPassing(e))
        {
            logger.LogWarning(e, "Video {VideoId} is deleted but its files are not yet; the sweep removes them once storage answers", videoId);
        }
    }

    /// <summary>Works through the recorded deletions; returns how many were finished. Stops at the first storage failure.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var deletion in await videos.FileDeletionsAsync(Batch, cancellationToken))
        {
            await RemoveFilesAsync(deletion, cancellationToken);
            done++;
        }
        if (done > 0) logger.LogInformation("Removed the files of {Count} deleted videos", done);
        return done;
    }

    private async Task RemoveFilesAsync(FileDeletion deletion, CancellationToken cancellationToken)
    {
        var id = deletion.VideoId;
        if (deletion.ResumableState is { } state)
            await storage.DiscardResumableAsync(StorageKeys.OriginalFile(id), state, cancellationToken);
        await storage.DeleteVideoFilesAsync(id, cancellationToken);
        await videos.ForgetFileDeletionAsync(id, cancellationToken);
    }

    // Storage away (S3) or refusing (a local disk's permissions or a busy folder), or the database failing to forget
    // the record: the record stays and the sweep tries again.
    private static bool IsPassing(Exception e) =>
        e is StorageUnavailableException or IOException or UnauthorizedAccessException or System.Data.Common.DbException;
}
