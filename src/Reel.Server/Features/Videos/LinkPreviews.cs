using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;

namespace Reel.Server.Features.Videos;

/// <summary>
/// What a link to a video shows where it is pasted: its title, a poster and a player to embed. Absolute URLs (chat
/// apps fetch them later, from elsewhere, without cookies).
/// </summary>
/// <param name="Video">Null for the generic preview, which names nothing.</param>
internal sealed record LinkPreview(string PageUrl, PreviewedVideo? Video);

/// <param name="Poster">The poster's absolute URL, good for <see cref="LinkPreviews.PosterLifetime"/> (or until a share ends); null before there is one.</param>
/// <param name="EmbedUrl">The player alone, for an iframe.</param>
internal sealed record PreviewedVideo(string Title, string? Poster, int PosterWidth, int PosterHeight, string EmbedUrl, int Width, int Height, double DurationSeconds);

/// <summary>
/// Link previews (Open Graph, Twitter, oEmbed) for the watch page of a public or unlisted video and for a share link
/// without a password. Private videos, locked or expired links and failed videos get the generic preview: a chat app
/// shows whatever it is given to everyone in the conversation.
/// </summary>
internal sealed class LinkPreviews(VideoStore videos, Shares shares, StreamTokens tokens, IOptions<ServerOptions> server)
{
    /// <summary>Chat apps fetch the poster when the link is pasted and again when their cache expires: a week and a day.</summary>
    public static readonly TimeSpan PosterLifetime = TimeSpan.FromDays(8);

    /// <summary>The absolute base of outgoing links: <c>Server:PublicUrl</c>, else the request's own scheme and host.</summary>
    public string BaseUrl(HttpRequest request) =>
        (string.IsNullOrWhiteSpace(server.Value.PublicUrl) ? $"{request.Scheme}://{request.Host}{request.PathBase}" : server.Value.PublicUrl).TrimEnd('/');

    public async Task<LinkPreview> ForWatchPageAsync(string baseUrl, string id, CancellationToken cancellationToken)
    {
        var page = $"{baseUrl}/watch/{Uri.EscapeDataString(id)}";
        if (!Ids.IsVideoId(id) || await videos.GetAsync(id, cancellationToken) is not { } video
            || video.Visibility == "private" || video.Status is VideoStatus.Failed or VideoStatus.Uploading)
            return new LinkPreview(page, null);
        return new LinkPreview(page, Describe(baseUrl, video, null, $"{baseUrl}/embed/{video.Id}"));
    }

    public async Task<LinkPreview> ForSharePageAsync(string baseUrl, string key, CancellationToken cancellationToken)
    {
        var page = $"{baseUrl}{ShareUrls.Page(Uri.EscapeDataString(key))}";
        var (share, video, _) = await shares.FindAsync(key, cancellationToken);
        if (share is not { PasswordHash: null } || video!.Status is VideoStatus.Failed or VideoStatus.Uploading)
            return new LinkPreview(page, null);
        return new LinkPreview(page, Describe(baseUrl, video, Shares.GrantOf(share), $"{baseUrl}/embed/v/{share.ShareKey}"));
    }

    /// <summary>The preview of a page of this server named by an absolute URL (oEmbed's <c>url</c>); null for anything else.</summary>
    public async Task<LinkPreview?> ForUrlAsync(string baseUrl, string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || !Uri.TryCreate(baseUrl + "/", UriKind.Absolute, out var home)
            || !string.Equals(target.GetLeftPart(UriPartial.Authority), home.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            return null;
        var segments = target.AbsolutePath[home.AbsolutePath.Length..].Trim('/').Split('/');
        return segments switch
        {
            ["watch", var id] => await ForWatchPageAsync(baseUrl, id, cancellationToken),
            ["embed", var id] when id != "v" => await ForWatchPageAsync(baseUrl, id, cancellationToken),
            ["v", var key] => await ForSharePageAsync(baseUrl, key, cancellationToken),
            ["embed", "v", var key] => await ForSharePageAsync(baseUrl, key, cancellationToken),
            _ => null,
        };
    }

    private PreviewedVideo Describe(string baseUrl, VideoRecord video, ShareGrant? share, string embedUrl)
    {
        var (posterWidth, posterHeight) = video.Width > 0 ? VideoProcessor.PosterSize(video.Width, video.Height) : (1280, 720);
        var poster = MediaUrls.Poster(tokens.Issue(MediaOf.Of(video), video.LinksGeneration, share, PosterLifetime, out _), video) is { } path ? baseUrl + path : null;
        return new PreviewedVideo(video.Title, poster, posterWidth, posterHeight, embedUrl, posterWidth, posterHeight, video.DurationSeconds);
    }
}
