using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>Which video a caller may see or change, as every endpoint that names a video by its id asks.</summary>
internal static class VideoAccess
{
    /// <summary>The video if the caller may see it; a private video of someone else is as absent as a missing one.</summary>
    public static async Task<VideoRecord?> VisibleAsync(string id, Caller caller, VideoStore videos, CancellationToken cancellationToken) =>
        Ids.IsVideoId(id) && await videos.GetAsync(id, cancellationToken) is { ReplacesId: null } video && caller.CanSee(video) ? video : null;

    public static async Task<(VideoRecord? Video, ProblemHttpResult? Problem)> ManageableAsync(
        string id, Caller caller, VideoStore videos, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(id, caller, videos, cancellationToken) is not { } video) return (null, Problems.NotFound());
        return caller.CanManage(video)
            ? (video, null)
            : (null, Problems.Forbidden("Only the video's owner, an admin or the holder of its manage token may change it."));
    }
}
