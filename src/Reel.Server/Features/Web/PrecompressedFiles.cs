using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Reel.Server.Features.Web;

/// <summary>
/// The brotli and gzip copies the web build writes beside the bundle's text files (<c>x.js.br</c>, <c>x.js.gz</c>,
/// by <c>web/scripts/compress.mjs</c>): a client that accepts one gets it in place of the file, compressed once at
/// the highest level instead of on every request.
/// </summary>
internal static class PrecompressedFiles
{
    /// <summary>A copy of a file in one content coding, kept under the file's name plus <see cref="Suffix"/>.</summary>
    public sealed record Copy(string Coding, string Suffix);

    public static readonly Copy Brotli = new("br", ".br");
    public static readonly Copy Gzip = new("gzip", ".gz");

    /// <summary>Brotli first: for the same preference it is the smaller (the bundle's scripts 15 % below gzip).</summary>
    private static readonly Copy[] Copies = [Brotli, Gzip];

    /// <summary>What the build compresses (compress.mjs has the same list); only these paths cost a look for copies.</summary>
    private static readonly HashSet<string> Compressible = new(StringComparer.OrdinalIgnoreCase) { ".js", ".css", ".html", ".svg", ".json", ".webmanifest", ".txt" };

    private static readonly object ServedKey = new();

    /// <summary>
    /// The copy to send for a request's Accept-Encoding, of those that <paramref name="exists"/>: the coding the
    /// client weighs highest, brotli on a tie; none when the header is missing, unreadable or refuses both (q=0).
    /// </summary>
    public static Copy? Choose(StringValues acceptEncoding, Func<Copy, bool> exists)
    {
        if (StringValues.IsNullOrEmpty(acceptEncoding) || !StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var offered))
            return null;
        Copy? best = null;
        var bestQuality = 0.0;
        foreach (var copy in Copies)
        {
            var quality = Quality(offered, copy.Coding);
            if (quality > bestQuality && exists(copy))
                (best, bestQuality) = (copy, quality);
        }
        return best;
    }

    /// <summary>The client's weight for a coding (RFC 9110 §12.5.3): its own entry, else <c>*</c>'s, else not acceptable.</summary>
    private static double Quality(IList<StringWithQualityHeaderValue> offered, string coding)
    {
        double? wildcard = null;
        foreach (var entry in offered)
        {
            var name = entry.Value.AsSpan();
            // x-gzip is the old name of gzip, which recipients are to treat alike.
            if (name.Equals(coding, StringComparison.OrdinalIgnoreCase) || (coding == Gzip.Coding && name.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)))
                return entry.Quality ?? 1;
            if (name.SequenceEqual("*")) wildcard ??= entry.Quality ?? 1;
        }
        return wildcard ?? 0;
    }

    /// <summary>
    /// Ahead of the static files: points a request for a file that has copies at the one the client takes best. A
    /// Range request gets the file itself (ranges of a copy would be ranges of different bytes); asked for by its own
    /// name, a copy is sent as application/octet-stream (the content type provider's mapping), never as the file.
    /// </summary>
    public static IApplicationBuilder UsePrecompressedFiles(this IApplicationBuilder app, IFileProvider files, IContentTypeProvider contentTypes) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
                || request.Path.Value is not { } path || !Compressible.Contains(Path.GetExtension(path))
                // A page route's id may end in .js; the static files do not answer routed requests either.
                || context.GetEndpoint() is not null)
            {
                await next(context);
                return;
            }
            var available = Copies.Where(copy => files.GetFileInfo(path + copy.Suffix).Exists).ToList();
            if (available.Count == 0 || !files.GetFileInfo(path).Exists || !contentTypes.TryGetContentType(path, out var contentType))
            {
                await next(context);
                return;
            }
            var copy = StringValues.IsNullOrEmpty(request.Headers.Range) ? Choose(request.Headers.AcceptEncoding, available.Contains) : null;
            context.Items[ServedKey] = new Served(path, contentType, copy);
            if (copy is not null) request.Path = path + copy.Suffix;
            try
            {
                await next(context);
            }
            finally
            {
                request.Path = path;
            }
        });

    /// <summary>
    /// In the static files' OnPrepareResponse: a file that has copies varies by Accept-Encoding whichever is sent,
    /// and a copy goes out as the file it encodes.
    /// </summary>
    public static void PrepareResponse(StaticFileResponseContext file)
    {
        if (!file.Context.Items.TryGetValue(ServedKey, out var item) || item is not Served served) return;
        var response = file.Context.Response;
        response.Headers.Vary = StringValues.Concat(response.Headers.Vary, HeaderNames.AcceptEncoding);
        if (served.Copy is null) return;
        response.Headers.ContentEncoding = served.Copy.Coding;
        response.ContentType = served.ContentType;
    }

    /// <summary>The name of the file a response stands for: the original's, when a copy of it is sent.</summary>
    public static string FileName(StaticFileResponseContext file) =>
        file.Context.Items.TryGetValue(ServedKey, out var item) && item is Served served ? Path.GetFileName(served.Path) : file.File.Name;

    private sealed record Served(string Path, string ContentType, Copy? Copy);
}
