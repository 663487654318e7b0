using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;

namespace Reel.Server.Features.Videos;

/// <summary>
/// A new file for a video under the same id, title, visibility and links (issue 16): it is processed as a hidden
/// replacement while the old file keeps playing, and takes the video's place once it is playable (ADR 22).
/// </summary>
internal static class ReplaceEndpoints
{
    public static IEndpointRouteBuilder MapReplacements(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos/{id}/source").WithTags("Videos");
        videos.MapPut("/", ReplaceAsync)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = VideoEndpoints.UploadRequestBody();
                return Task.CompletedTask;
            })
            .RequireRateLimiting(UploadRateLimit.Policy)
            .WithSummary("Replace the video's file (as an upload); the old one plays until the new one is playable");
        videos.MapDelete("/", CancelAsync).WithSummary("Cancel a replacement of the video's file that is not yet playable");
        return app;
    }

    private static async Task<Results<Accepted<VideoDto>, ProblemHttpResult>> ReplaceAsync(
        string id, HttpRequest request, Caller caller, VideoStore videos, VideoIntake intake, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        if (VideoIntake.ReplacementRefusal(video) is { } refused) return refused;
        var (replacement, _, rejected) = await intake.ReceiveAsync(request, caller, video, cancellationToken);
        if (replacement is null) return rejected!;
        var current = await videos.GetAsync(id, CancellationToken.None) ?? video;
        return TypedResults.Accepted($"/api/videos/{id}", await views.RenderAsync(current, caller, CancellationToken.None));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(
        string id, Caller caller, VideoStore videos, FileSweeper files, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var removed = await videos.CancelReplacementAsync(id, cancellationToken);
        if (removed.Count == 0)
            return Problems.Create(StatusCodes.Status404NotFound, "no_replacement", "No replacement", "No new file for this video is on its way: nothing to cancel.");
        await files.RemoveAsync(removed);
        return TypedResults.NoContent();
    }
}
