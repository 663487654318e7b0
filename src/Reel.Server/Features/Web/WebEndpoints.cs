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

    public static WebApplication MapWebUi(this WebApplication app)
    {
        var root = app.Services.GetRequiredService<IOptions<WebOptions>>().Value.ResolvedRoot;
        if (Directory.Exists(root))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(root),
                OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                    file.Context.Request.Path.StartsWithSegments("/assets") ? ImmutableCache : "no-cache",
            });
        }

        var index = Path.Combine(root, "index.html");
        app.MapGet("/", (HttpResponse response) => Page(response, index)).ExcludeFromDescription();
        app.MapGet("/watch/{id}", (HttpResponse response) => Page(response, index)).ExcludeFromDescription();
        return app;
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Page(HttpResponse response, string index)
    {
        if (!File.Exists(index))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "web_ui_missing", "The web UI is not built",
                $"{index} is missing. Run `make run`, or `npm ci && npm run build` in web/ and build the server again.");
        }
        // The page names the current bundle, so it must be revalidated; the bundle itself is immutable.
        response.Headers.CacheControl = "no-cache";
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
