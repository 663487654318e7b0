using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

public sealed partial class WebUiServingTests
{
    [Fact]
    public async Task Both_pages_answer_with_the_app_and_its_hashed_bundle_is_cached_for_ever()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api,stream" });

        using var home = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
        Assert.True(home.Headers.CacheControl?.NoCache, "The page must be revalidated: it names the current bundle.");
        var html = await home.Content.ReadAsStringAsync();
        Assert.Equal(html, await server.Client.GetStringAsync("/watch/AAAAAAAAAAAAAAAAAAAAAA"));

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
    public async Task The_upload_limits_a_client_checks_come_from_the_server_settings()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Roles"] = "api", ["Upload:MaxBytes"] = "5000000" });
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
            Assert.Contains("\"code\":\"web_ui_missing\"", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            TempDirs.Delete(empty);
        }
    }

    [GeneratedRegex("<script type=\"module\"[^>]* src=\"(?<src>/assets/[^\"]+\\.js)\"")]
    private static partial Regex ModuleScript();
}
