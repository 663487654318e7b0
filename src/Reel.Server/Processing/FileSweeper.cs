using Reel.Server.Data;
using Reel.Server.Storage;

namespace Reel.Server.Processing;

/// <summary>
/// Removes the files of deleted videos and replaced versions. Deleting a video's row records its files for removal in
/// the same transaction (<see cref="VideoStore.DeleteAsync"/>), so a delete is done once the row is gone: the files go
/// at once when storage answers, else later, by the worker's sweep, which survives restarts and works on any node. A
/// replaced version's files are recorded with a time before which the sweep leaves them (<see cref="VideoStore.PromoteAsync"/>).
/// </summary>
internal sealed class FileSweeper(VideoStore videos, IMediaStorage storage, RunningJobs running, ILogger<FileSweeper> logger)
{
    private const int Batch = 100;

    /// <summary>
    /// Removes the files just recorded for removal (<see cref="VideoStore.DeleteAsync"/>), after stopping (and awaiting)
    /// the jobs this node runs for a video of that id, so nothing they write lands after; when storage fails the files
    /// stay recorded for the sweep, so this never fails for storage's sake: the caller has already deleted the rows.
    /// </summary>
    public Task RemoveAsync(string folder, string? resumableState) =>
        RemoveAsync([new FileDeletion { VideoId = folder, ResumableState = resumableState }]);

    /// <inheritdoc cref="RemoveAsync(string, string?)"/>
    public async Task RemoveAsync(IEnumerable<FileDeletion> deletions)
    {
        foreach (var deletion in deletions)
        {
            await running.CancelAsync(deletion.VideoId);
            try
            {
                await RemoveFilesAsync(deletion, CancellationToken.None);
            }
            catch (Exception e) when (IsPassing(e))
            {
                logger.LogWarning(e, "The files of {VideoId} are to go but are not gone yet; the sweep removes them once storage answers", deletion.VideoId);
            }
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
        // A folder id that is still a video's names a replaced version of it: its uploaded captions stay.
        var videoGone = await videos.GetAsync(id, cancellationToken) is null;
        await storage.DeleteVideoFilesAsync(id, cancellationToken, captionsToo: videoGone);
        await videos.ForgetFileDeletionAsync(id, cancellationToken);
    }

    // Storage away (S3) or refusing (a local disk's permissions or a busy folder), or the database failing to forget
    // the record: the record stays and the sweep tries again.
    private static bool IsPassing(Exception e) =>
        e is StorageUnavailableException or IOException or UnauthorizedAccessException or System.Data.Common.DbException;
}
