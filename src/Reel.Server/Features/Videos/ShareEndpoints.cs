using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>Share links (made by a video's managers, opened by whoever holds one) and view counts.</summary>
internal static class ShareEndpoints
{
    public static IEndpointRouteBuilder MapShares(this IEndpointRouteBuilder app)
    {
        var managed = app.MapGroup("/api/videos/{id}").WithTags("Sharing");
        managed.MapPost("/shares", CreateAsync).WithSummary("Make a share link (any visibility): optional label, expiry, password, downloads");
        managed.MapGet("/shares", ListAsync).WithSummary("The video's share links, with their view counts");
        managed.MapPatch("/shares/{shareId}", ChangeAsync)
            .Accepts<PatchShareRequest>("application/json")
            .WithSummary("Change a share link's label, expiry, password or downloads (null clears a field)");
        managed.MapDelete("/shares/{shareId}", RevokeAsync).WithSummary("Revoke a share link and every media URL handed out through it");
        managed.MapPost("/views", CountVideoViewAsync).WithSummary("Count a view (the player sends it once per visit, after 10 s of playback)");

        var shared = app.MapGroup("/api/shares/{key}").WithTags("Sharing");
        shared.MapGet("/", OpenAsync).WithSummary("The video a share link shows (401 password_required, 410 share_expired)");
        shared.MapPost("/unlock", UnlockAsync).WithSummary("Open a password-protected share link");
        shared.MapPost("/views", CountShareViewAsync).WithSummary("Count a view through a share link (once per visit, after 10 s of playback)");
        return app;
    }

    private static async Task<Results<Created<ShareDto>, ProblemHttpResult>> CreateAsync(
        string id, CreateShareRequest? body, Caller caller, VideoStore videos, Shares shares, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (share, invalid) = await shares.CreateAsync(video.Id, body ?? new CreateShareRequest(null, null, null, null), cancellationToken);
        if (share is null) return invalid!;
        var dto = Shares.Render(share);
        return TypedResults.Created($"/api/videos/{video.Id}/shares/{share.Id}", dto);
    }

    private static async Task<Results<Ok<ShareList>, ProblemHttpResult>> ListAsync(
        string id, Caller caller, VideoStore videos, Shares shares, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        return TypedResults.Ok(new ShareList([.. (await shares.ListAsync(video.Id, cancellationToken)).Select(Shares.Render)]));
    }

    private static async Task<Results<Ok<ShareDto>, ProblemHttpResult>> ChangeAsync(
        string id, string shareId, JsonElement body, Caller caller, VideoStore videos, Shares shares, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (share, invalid) = await shares.ChangeAsync(video.Id, shareId, body, cancellationToken);
        return share is null ? invalid! : TypedResults.Ok(Shares.Render(share));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, string shareId, Caller caller, VideoStore videos, Shares shares, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        return await shares.RevokeAsync(video.Id, shareId, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("share");
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> OpenAsync(
        string key, HttpContext context, Shares shares, VideoViews views, CancellationToken cancellationToken)
    {
        var (share, video, problem) = await shares.OpenAsync(key, password: null, Address(context), context.Response, cancellationToken);
        return video is null ? problem! : TypedResults.Ok(await views.RenderSharedAsync(video, share!, cancellationToken));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> UnlockAsync(
        string key, UnlockRequest? body, HttpContext context, Shares shares, VideoViews views, CancellationToken cancellationToken)
    {
        var (share, video, problem) = await shares.OpenAsync(key, body?.Password ?? "", Address(context), context.Response, cancellationToken);
        return video is null ? problem! : TypedResults.Ok(await views.RenderSharedAsync(video, share!, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CountShareViewAsync(string key, Shares shares, CancellationToken cancellationToken) =>
        await shares.CountViewAsync(key, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("share link");

    private static async Task<Results<NoContent, ProblemHttpResult>> CountVideoViewAsync(
        string id, Caller caller, VideoStore videos, Shares shares, CancellationToken cancellationToken)
    {
        if (await VideoAccess.VisibleAsync(id, caller, videos, cancellationToken) is not { } video) return Problems.NotFound();
        await shares.CountViewAsync(video, cancellationToken);
        return TypedResults.NoContent();
    }

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
