using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Reel.Server.Features.Videos;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Web;

/// <summary>
/// The single-page web UI built from <c>web/</c>: its two pages answer with <c>index.html</c>, and the hashed
/// bundle under <c>/assets</c> is cached for ever because a new build gets new names.
/// </summary>
internal static class WebEndpoints
{
    private const string ImmutableCache = "public, max-age=31536000, immutable";

    /// <summary>The app's own routes; it shows its own page for anything else it is sent to.</summary>
    private static readonly string[] Pages = ["/", "/signin", "/register", "/my", "/admin"];

    /// <summary>The player alone, for other sites to frame.</summary>
    private static readonly string[] EmbedPages = ["/embed/{id}", "/embed/v/{key}"];

    // Only the app's own scripts run; media may come from blob: (hls.js feeds the element through MediaSource).
    // With redirect delivery, media, posters and segments come from the object store's public origin as well.
    // Pages may be framed by Reel itself; the embed pages by the origins Embed:AllowedOrigins lists (default any).
    private static string ContentSecurityPolicy(string? mediaOrigin, string frameAncestors = "'self'")
    {
        var media = mediaOrigin is null ? "" : " " + mediaOrigin;
        return $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{media}; media-src 'self' blob:{media}; "
            + $"connect-src 'self'{media}; worker-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frameAncestors}";
    }

    /// <summary>Headers every answer carries; a playback token or share key in a path must never travel on in a Referer.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            var path = context.Request.Path;
            var media = path.StartsWithSegments(MediaUrls.Prefix) || path.StartsWithSegments("/watch") || path.StartsWithSegments("/v")
                || path.StartsWithSegments("/embed") || path.StartsWithSegments("/api/shares");
            headers["Referrer-Policy"] = media ? "no-referrer" : "same-origin";
            return next(context);
        });
        return app;
    }

    public static WebApplication MapWebUi(this WebApplication app)
    {
        var root = app.Services.GetRequiredService<IOptions<WebOptions>>().Value.ResolvedRoot;
        var index = Path.Combine(root, "index.html");
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var policy = ContentSecurityPolicy(storage.Redirects ? storage.S3.MediaOrigin : null);
        if (!File.Exists(index))
            app.Logger.LogWarning("No web UI at {WebRoot}: its pages answer 503 web_ui_missing until it is built (make run).", root);
        if (Directory.Exists(root))
        {
            var files = new PhysicalFileProvider(root);
            var contentTypes = new FileExtensionContentTypeProvider();
            // The brotli and gzip copies asked for by their own names are opaque bytes, never the script they encode.
            contentTypes.Mappings[PrecompressedFiles.Brotli.Suffix] = "application/octet-stream";
            contentTypes.Mappings[PrecompressedFiles.Gzip.Suffix] = "application/octet-stream";
            app.UsePrecompressedFiles(files, contentTypes);
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = contentTypes,
                OnPrepareResponse = file =>
                {
                    var headers = file.Context.Response.Headers;
                    headers.CacheControl = file.Context.Request.Path.StartsWithSegments("/assets") ? ImmutableCache : "no-cache";
                    // /index.html itself renders the whole app: without the page's policy it could be framed.
                    var name = PrecompressedFiles.FileName(file);
                    if (name.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".htm", StringComparison.OrdinalIgnoreCase))
                        headers.ContentSecurityPolicy = policy;
                    PrecompressedFiles.PrepareResponse(file);
                },
            });
        }

        foreach (var page in Pages)
            app.MapMethods(page, [HttpMethods.Get, HttpMethods.Head], (HttpResponse response) => Page(response, index, policy)).ExcludeFromDescription();
        var framers = app.Services.GetRequiredService<IOptions<EmbedOptions>>().Value.AllowedOrigins;
        var embedPolicy = ContentSecurityPolicy(storage.Redirects ? storage.S3.MediaOrigin : null,
            framers.Length == 0 || framers.Contains("*") ? "*" : string.Join(' ', framers));
        foreach (var page in EmbedPages)
            app.MapMethods(page, [HttpMethods.Get, HttpMethods.Head], (HttpResponse response) => Page(response, index, embedPolicy)).ExcludeFromDescription();

        // Chat apps read the HTML the server sends and run no script: the watch and share pages carry their previews.
        var template = new PageTemplate(index);
        app.MapMethods("/watch/{id}", [HttpMethods.Get, HttpMethods.Head], (string id, HttpContext context, LinkPreviews previews, CancellationToken cancellationToken) =>
            PreviewPageAsync(context, template, policy, previews, baseUrl => previews.ForWatchPageAsync(baseUrl, id, cancellationToken)))
            .ExcludeFromDescription();
        app.MapMethods("/v/{key}", [HttpMethods.Get, HttpMethods.Head], (string key, HttpContext context, LinkPreviews previews, CancellationToken cancellationToken) =>
            PreviewPageAsync(context, template, policy, previews, baseUrl => previews.ForSharePageAsync(baseUrl, key, cancellationToken)))
            .ExcludeFromDescription();

        // An address the app does not have (/watch, /library…): a browser gets the app's own not-found page, still a
        // 404; API clients, files and other methods get the problem+json the status code pages write. GET and HEAD
        // only, so a known route asked with another method is still a 405.
        app.MapFallback((HttpContext context) => NotFoundPage(context, template, policy))
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult NotFoundPage(HttpContext context, PageTemplate template, string contentSecurityPolicy)
    {
        var request = context.Request;
        var api = request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments(MediaUrls.Prefix) || request.Path.StartsWithSegments("/openapi");
        var browser = request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
        if (api || !browser || template.Read() is not { } html) return Results.StatusCode(StatusCodes.Status404NotFound);
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> PreviewPageAsync(
        HttpContext context, PageTemplate template, string contentSecurityPolicy, LinkPreviews previews, Func<string, Task<LinkPreview>> previewFor)
    {
        if (template.Read() is not { } html) return WebUiMissing();
        var baseUrl = previews.BaseUrl(context.Request);
        var preview = await previewFor(baseUrl);
        var response = context.Response;
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        var tags = PreviewTags(preview, baseUrl);
        var title = WebUtility.HtmlEncode(preview.Video is { } v ? $"{v.Title} · Reel" : "Reel");
        html = html.Replace("<title>Reel</title>", $"<title>{title}</title>", StringComparison.Ordinal)
            .Replace("</head>", tags + "</head>", StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>Open Graph and Twitter tags, and oEmbed discovery; for the generic preview only what names nothing.</summary>
    private static string PreviewTags(LinkPreview preview, string baseUrl)
    {
        var tags = new StringBuilder();
        void Meta(string attribute, string name, string value) =>
            tags.Append("    <meta ").Append(attribute).Append("=\"").Append(name).Append("\" content=\"").Append(WebUtility.HtmlEncode(value)).Append("\" />\n");
        Meta("property", "og:site_name", "Reel");
        Meta("property", "og:url", preview.PageUrl);
        if (preview.Video is not { } video)
        {
            Meta("property", "og:type", "website");
            Meta("property", "og:title", "A video on Reel");
            Meta("name", "twitter:card", "summary");
            return tags.ToString();
        }
        var size = (Width: video.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), Height: video.Height.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Meta("property", "og:type", "video.other");
        Meta("property", "og:title", video.Title);
        if (video.Poster is { } poster)
        {
            Meta("property", "og:image", poster);
            Meta("property", "og:image:width", video.PosterWidth.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Meta("property", "og:image:height", video.PosterHeight.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Meta("name", "twitter:image", poster);
        }
        Meta("property", "og:video", video.EmbedUrl);
        if (video.EmbedUrl.StartsWith("https:", StringComparison.Ordinal)) Meta("property", "og:video:secure_url", video.EmbedUrl);
        Meta("property", "og:video:type", "text/html");
        Meta("property", "og:video:width", size.Width);
        Meta("property", "og:video:height", size.Height);
        Meta("name", "twitter:card", "player");
        Meta("name", "twitter:title", video.Title);
        Meta("name", "twitter:player", video.EmbedUrl);
        Meta("name", "twitter:player:width", size.Width);
        Meta("name", "twitter:player:height", size.Height);
        var oembed = $"{baseUrl}/api/oembed?url={Uri.EscapeDataString(preview.PageUrl)}&format=json";
        tags.Append("    <link rel=\"alternate\" type=\"application/json+oembed\" href=\"").Append(WebUtility.HtmlEncode(oembed))
            .Append("\" title=\"").Append(WebUtility.HtmlEncode(video.Title)).Append("\" />\n");
        return tags.ToString();
    }

    private static ProblemHttpResult WebUiMissing() =>
        Problems.Create(StatusCodes.Status503ServiceUnavailable, "web_ui_missing", "The web UI is not built",
            // The operator finds the folder in the log written at start; a client is never told server paths.
            "The server has no built web UI. Run `make run`, or `npm ci && npm run build` in the web folder of the source and build the server again.");

    /// <summary>index.html as text, read again only when the file changed (a new build).</summary>
    private sealed class PageTemplate(string path)
    {
        private Snapshot? _cached;

        public string? Read()
        {
            if (!File.Exists(path)) return null;
            var written = File.GetLastWriteTimeUtc(path);
            if (_cached is { } cached && cached.Written == written) return cached.Html;
            var html = File.ReadAllText(path);
            _cached = new Snapshot(written, html);
            return html;
        }

        private sealed record Snapshot(DateTime Written, string Html);
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Page(HttpResponse response, string index, string contentSecurityPolicy)
    {
        if (!File.Exists(index)) return WebUiMissing();
        // The page names the current bundle, so it must be revalidated; the bundle itself is immutable.
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
        return TypedResults.PhysicalFile(index, "text/html; charset=utf-8", lastModified: File.GetLastWriteTimeUtc(index));
    }
}

/// <summary>Where the built web UI lives; by default the copy the build places beside the server binary.</summary>
internal sealed class WebOptions
{
    public const string Section = "Web";

    public string? Root { get; set; }

    public string ResolvedRoot => Path.GetFullPath(string.IsNullOrWhiteSpace(Root) ? Path.Combine(AppContext.BaseDirectory, "wwwroot") : Root);
}
