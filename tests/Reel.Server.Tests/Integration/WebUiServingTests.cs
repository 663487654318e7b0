using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>One server for the pages, their policy and the settings a client reads; none of it needs a worker.</summary>
public sealed class WebUiServer : SharedServer
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Roles"] = "api,stream", ["Upload:MaxBytes"] = "5000000" };
}

public sealed partial class WebUiServingTests(WebUiServer shared) : IClassFixture<WebUiServer>
{
    [Fact]
    public async Task Both_pages_answer_with_the_app_and_its_hashed_bundle_is_cached_for_ever()
    {
        var server = shared.Server;

        using var home = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        Assert.True(home.Headers.CacheControl?.NoCache, "The page must be revalidated: it names the current bundle.");
        var html = await home.Content.ReadAsStringAsync();
        // A watch page is the same app, with the link preview (here the generic one of an unknown video) in its head.
        Assert.Equal(html, PreviewTag().Replace(await server.Client.GetStringAsync("/watch/AAAAAAAAAAAAAAAAAAAAAA"), ""));

        var script = ModuleScript().Match(html);
        Assert.True(script.Success, "index.html loads no module script from /assets/:\n" + html);
        using var asset = await server.Client.GetAsync(script.Groups["src"].Value);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        var cache = asset.Headers.CacheControl!;
        Assert.True(cache.Public);
        Assert.Equal(TimeSpan.FromDays(365), cache.MaxAge);
        Assert.Contains(cache.Extensions, e => e.Name == "immutable");

        using var missing = await server.Client.GetAsync("/assets/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task An_unknown_address_gives_a_browser_the_apps_not_found_page_and_an_api_client_a_problem()
    {
        var server = shared.Server;
        var app = await server.Client.GetStringAsync("/");

        foreach (var path in new[] { "/watch", "/library", "/upload/", "/watch/a/b" })
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, path);
            page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
            using var browser = await server.Client.SendAsync(page);
            Assert.Equal(HttpStatusCode.NotFound, browser.StatusCode);
            Assert.Equal("text/html", browser.Content.Headers.ContentType?.MediaType);
            Assert.Equal(app, await browser.Content.ReadAsStringAsync());
            Assert.EndsWith("frame-ancestors 'self'", Assert.Single(browser.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

            await ProblemJson.AssertAsync(await server.Client.GetAsync(path), HttpStatusCode.NotFound, "not_found");
        }
        // API addresses answer as an API does, whatever the client accepts; a known route keeps its 405.
        using (var api = new HttpRequestMessage(HttpMethod.Get, "/api/nothing-here"))
        {
            api.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
            await ProblemJson.AssertAsync(await server.Client.SendAsync(api), HttpStatusCode.NotFound, "not_found");
        }
        await ProblemJson.AssertAsync(await server.Client.PutAsync("/api/config", null), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task The_bundle_goes_out_brotli_or_gzip_compressed_to_clients_that_take_it_and_plain_to_the_others()
    {
        var client = shared.Server.Client;
        var script = ModuleScript().Match(await client.GetStringAsync("/")).Groups["src"].Value;
        Assert.NotEqual("", script);

        // A client that names no coding (HttpClient's default) gets the file itself, which still varies by encoding.
        using var plain = await client.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", plain.Headers.Vary);
        var contentType = plain.Content.Headers.ContentType?.MediaType;
        Assert.Equal("text/javascript", contentType);
        var bytes = await plain.Content.ReadAsByteArrayAsync();

        foreach (var (acceptEncoding, coding) in new[] { ("gzip, deflate, br, zstd", "br"), ("gzip, br;q=0", "gzip") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, script) { Headers = { { "Accept-Encoding", acceptEncoding } } };
            using var compressed = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, compressed.StatusCode);
            Assert.Equal(coding, Assert.Single(compressed.Content.Headers.ContentEncoding));
            Assert.Equal(contentType, compressed.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
            Assert.Contains(compressed.Headers.CacheControl!.Extensions, e => e.Name == "immutable");
            var body = await compressed.Content.ReadAsByteArrayAsync();
            Assert.True(body.Length < bytes.Length * 0.5, $"{coding}: {body.Length} bytes of {bytes.Length}");
            await using Stream decoder = coding == "br"
                ? new BrotliStream(new MemoryStream(body), CompressionMode.Decompress)
                : new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            using var decoded = new MemoryStream();
            await decoder.CopyToAsync(decoded);
            Assert.Equal(bytes, decoded.ToArray());

            using var headRequest = new HttpRequestMessage(HttpMethod.Head, script) { Headers = { { "Accept-Encoding", acceptEncoding } } };
            using var head = await client.SendAsync(headRequest);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(coding, Assert.Single(head.Content.Headers.ContentEncoding));
            Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        }

        // A range is a range of the file itself, whatever the client accepts.
        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, script) { Headers = { { "Accept-Encoding", "br, gzip" }, { "Range", "bytes=10-19" } } };
        using var range = await client.SendAsync(rangeRequest);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Empty(range.Content.Headers.ContentEncoding);
        Assert.Equal(bytes[10..20], await range.Content.ReadAsByteArrayAsync());

        // Asked for by its own name, a copy is opaque bytes: never run as a script.
        using var byName = await client.GetAsync(script + ".br");
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);
        Assert.Equal("application/octet-stream", byName.Content.Headers.ContentType?.MediaType);
        Assert.Empty(byName.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Index_html_asked_for_by_name_carries_the_pages_framing_and_script_policy()
    {
        var server = shared.Server;

        using var home = await server.Client.GetAsync("/");
        var policy = Assert.Single(home.Headers.GetValues("Content-Security-Policy"));
        Assert.EndsWith("frame-ancestors 'self'", policy, StringComparison.Ordinal);

        using var byName = await server.Client.GetAsync("/index.html");
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);
        Assert.Equal("text/html", byName.Content.Headers.ContentType?.MediaType);
        Assert.True(byName.Headers.TryGetValues("Content-Security-Policy", out var byNamePolicy), "/index.html renders the app without a Content-Security-Policy: it can be framed.");
        Assert.Equal(policy, Assert.Single(byNamePolicy));
        Assert.True(byName.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task The_upload_limits_a_client_checks_come_from_the_server_settings()
    {
        // The server's upload limit is 5000000 bytes, not the default.
        var server = shared.Server;
        using var config = JsonDocument.Parse(await server.Client.GetStringAsync("/api/config"));
        var upload = config.RootElement.GetProperty("upload");
        Assert.Equal(5_000_000, upload.GetProperty("maxBytes").GetInt64());
        var extensions = upload.GetProperty("acceptedExtensions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Superset(new HashSet<string?> { ".mp4", ".mov", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".mpg", ".vob", ".wmv", ".flv", ".3gp", ".mxf", ".ogv", ".gif" }, extensions.ToHashSet());
        Assert.Contains("video/*", upload.GetProperty("acceptedMimeTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.All(upload.GetProperty("formats").EnumerateArray(), f => Assert.NotEmpty(f.GetProperty("extensions").EnumerateArray()));
    }

    [Fact]
    public async Task A_server_without_a_built_web_ui_says_how_to_build_it()
    {
        var empty = TempDirs.Create("reel-no-web");
        try
        {
            await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api", ["Web:Root"] = empty });
            using var home = await server.Client.GetAsync("/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, home.StatusCode);
            Assert.Equal("application/problem+json", home.Content.Headers.ContentType?.MediaType);
            var body = await home.Content.ReadAsStringAsync();
            Assert.Contains("\"code\":\"web_ui_missing\"", body, StringComparison.Ordinal);
            var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains("npm run build", detail, StringComparison.Ordinal);
            // How to build it, without telling a client where the server keeps its files.
            Assert.DoesNotContain(empty, detail, StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/'), detail, StringComparison.Ordinal);
            Assert.DoesNotContain("/", detail, StringComparison.Ordinal);
        }
        finally
        {
            TempDirs.Delete(empty);
        }
    }

    [GeneratedRegex("<script type=\"module\"[^>]* src=\"(?<src>/assets/[^\"]+\\.js)\"")]
    private static partial Regex ModuleScript();

    [GeneratedRegex("    <meta (property|name)=\"(og|twitter):[^\n]*\n")]
    private static partial Regex PreviewTag();
}
