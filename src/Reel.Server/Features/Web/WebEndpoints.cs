using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
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
    private static readonly string[] Pages = ["/", "/watch/{id}", "/v/{key}", "/signin", "/register", "/my", "/admin"];

    // Only the app's own scripts run; media may come from blob: (hls.js feeds the element through MediaSource).
    // With redirect delivery, media, posters and segments come from the object store's public origin as well.
    private static string ContentSecurityPolicy(string? mediaOrigin)
    {
        var media = mediaOrigin is null ? "" : " " + mediaOrigin;
        return $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{media}; media-src 'self' blob:{media}; "
            + $"connect-src 'self'{media}; worker-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>Headers every answer carries; a playback token or share key in a path must never travel on in a Referer.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            var media = context.Request.Path.StartsWithSegments(Videos.MediaUrls.Prefix) || context.Request.Path.StartsWithSegments("/watch")
                || context.Request.Path.StartsWithSegments("/v") || context.Request.Path.StartsWithSegments("/api/shares");
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
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(root),
                OnPrepareResponse = file =>
                {
                    var headers = file.Context.Response.Headers;
                    headers.CacheControl = file.Context.Request.Path.StartsWithSegments("/assets") ? ImmutableCache : "no-cache";
                    // /index.html itself renders the whole app: without the page's policy it could be framed.
                    if (file.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || file.File.Name.EndsWith(".htm", StringComparison.OrdinalIgnoreCase))
                        headers.ContentSecurityPolicy = policy;
                },
            });
        }

        foreach (var page in Pages)
            app.MapMethods(page, [HttpMethods.Get, HttpMethods.Head], (HttpResponse response) => Page(response, index, policy)).ExcludeFromDescription();
        return app;
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Page(HttpResponse response, string index, string contentSecurityPolicy)
    {
        if (!File.Exists(index))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "web_ui_missing", "The web UI is not built",
                // The operator finds the folder in the log written at start; a client is never told server paths.
                "The server has no built web UI. Run `make run`, or `npm ci && npm run build` in the web folder of the source and build the server again.");
        }
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
