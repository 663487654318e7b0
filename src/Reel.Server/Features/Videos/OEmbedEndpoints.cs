using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>oEmbed 1.0 (https://oembed.com): how a site that is given a Reel link embeds its player.</summary>
internal static class OEmbedEndpoints
{
    public static IEndpointRouteBuilder MapOEmbed(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/oembed", OEmbedAsync).WithTags("Sharing")
            .WithSummary("oEmbed 1.0 for a watch page or a share link without a password (type video, an iframe of the embed page)");
        return app;
    }

    /// <summary>The oEmbed answer; its names are the specification's.</summary>
    internal sealed record OEmbedDto(
        [property: JsonPropertyName("version")] string Version,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("provider_name")] string ProviderName,
        [property: JsonPropertyName("provider_url")] string ProviderUrl,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("html")] string Html,
        [property: JsonPropertyName("width")] int Width,
        [property: JsonPropertyName("height")] int Height,
        [property: JsonPropertyName("thumbnail_url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ThumbnailUrl,
        [property: JsonPropertyName("thumbnail_width"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ThumbnailWidth,
        [property: JsonPropertyName("thumbnail_height"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ThumbnailHeight);

    private static async Task<Results<Ok<OEmbedDto>, ProblemHttpResult>> OEmbedAsync(
        HttpRequest request, LinkPreviews previews, CancellationToken cancellationToken, string? url = null, int? maxwidth = null, int? maxheight = null, string? format = null)
    {
        if (format is not (null or "json"))
            return Problems.Create(StatusCodes.Status501NotImplemented, "format_not_supported", "Only JSON", "Reel answers oEmbed in JSON only (format=json).");
        if (string.IsNullOrWhiteSpace(url)) return Problems.BadRequest("invalid_url", "url is the address of a Reel watch page or share link.");
        if (maxwidth is < 1 || maxheight is < 1) return Problems.BadRequest("invalid_size", "maxwidth and maxheight are positive numbers of pixels.");
        var baseUrl = previews.BaseUrl(request);
        if (await previews.ForUrlAsync(baseUrl, url, cancellationToken) is not { Video: { } video })
            return Problems.NotFound("video with a preview");

        // Scaled down, never up, to fit what the consumer allows, keeping the picture's shape.
        var scale = Math.Min(1.0, Math.Min((double)(maxwidth ?? int.MaxValue) / video.Width, (double)(maxheight ?? int.MaxValue) / video.Height));
        var width = Math.Max(1, (int)Math.Floor(video.Width * scale));
        var height = Math.Max(1, (int)Math.Floor(video.Height * scale));
        var html = string.Create(CultureInfo.InvariantCulture,
            $"<iframe src=\"{WebUtility.HtmlEncode(video.EmbedUrl)}\" width=\"{width}\" height=\"{height}\" title=\"{WebUtility.HtmlEncode(video.Title)}\" frameborder=\"0\" allow=\"autoplay; fullscreen; picture-in-picture\" allowfullscreen></iframe>");
        return TypedResults.Ok(new OEmbedDto("1.0", "video", "Reel", baseUrl + "/", video.Title, html, width, height,
            video.Poster, video.Poster is null ? null : video.PosterWidth, video.Poster is null ? null : video.PosterHeight));
    }
}
