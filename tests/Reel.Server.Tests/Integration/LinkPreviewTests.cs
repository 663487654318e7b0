using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reel.Server.Features.Videos;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// What a link shows where it is pasted: Open Graph and Twitter tags in the HTML the server sends (chat apps run no
/// script), oEmbed, and an embed page other sites may frame. Locked, private and expired links preview as nothing.
/// </summary>
public sealed partial class LinkPreviewTests(LinkPreviewTests.Server shared) : IClassFixture<LinkPreviewTests.Server>
{
    private const string PublicUrl = "https://videos.example.org";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ReelServer _server = shared.Server;

    /// <summary>Behind a proxy: links that leave the server start with <c>Server:PublicUrl</c>.</summary>
    public sealed class Server : SharedServer
    {
        protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Server:PublicUrl"] = PublicUrl };
    }

    [Fact]
    public async Task The_watch_page_of_an_unlisted_video_and_an_open_share_carry_preview_tags_with_a_poster_that_needs_no_cookie()
    {
        var video = await ReadyVideoAsync("Beach <day> & night");
        using var chatApp = new HttpClient { BaseAddress = _server.Client.BaseAddress };

        var watch = await TagsAsync(chatApp, $"/watch/{video.Id}");
        Assert.Equal("Beach <day> & night", watch["og:title"]);
        Assert.Equal(("video.other", $"{PublicUrl}/watch/{video.Id}", "player"), (watch["og:type"], watch["og:url"], watch["twitter:card"]));
        Assert.Equal((PublicUrl + $"/embed/{video.Id}", "text/html"), (watch["og:video"], watch["og:video:type"]));
        Assert.Equal(("320", "180"), (watch["og:image:width"], watch["og:image:height"]));
        Assert.Equal(PublicUrl + $"/embed/{video.Id}", watch["twitter:player"]);
        Assert.StartsWith(PublicUrl + "/s/", watch["og:image"], StringComparison.Ordinal);
        Assert.Equal($"{PublicUrl}/api/oembed?url={Uri.EscapeDataString($"{PublicUrl}/watch/{video.Id}")}&format=json", watch["oembed"]);
        // The poster answers a client without cookies or tokens, from the URL alone.
        using (var poster = await chatApp.GetAsync(watch["og:image"][PublicUrl.Length..]))
        {
            Assert.Equal(HttpStatusCode.OK, poster.StatusCode);
            Assert.Equal("image/jpeg", poster.Content.Headers.ContentType?.MediaType);
        }

        (await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        var share = await CreateShareAsync(video.Id, new { });
        var shared = await TagsAsync(chatApp, share.Url);
        Assert.Equal(("Beach <day> & night", PublicUrl + share.Url), (shared["og:title"], shared["og:url"]));
        Assert.Equal(PublicUrl + "/embed" + share.Url, shared["og:video"]);
        Assert.Equal(HttpStatusCode.OK, (await chatApp.GetAsync(shared["og:image"][PublicUrl.Length..])).StatusCode);
    }

    [Fact]
    public async Task Private_videos_locked_or_revoked_links_and_unknown_ids_get_a_generic_preview_that_names_nothing()
    {
        var video = await ReadyVideoAsync("Do not show this title");
        (await _server.Client.PatchAsJsonAsync($"/api/videos/{video.Id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        var locked = await CreateShareAsync(video.Id, new { password = "open sesame" });
        var revoked = await CreateShareAsync(video.Id, new { });
        (await _server.Client.DeleteAsync($"/api/videos/{video.Id}/shares/{revoked.Id}")).EnsureSuccessStatusCode();
        using var chatApp = new HttpClient { BaseAddress = _server.Client.BaseAddress };

        foreach (var path in new[] { $"/watch/{video.Id}", locked.Url, revoked.Url, "/watch/AAAAAAAAAAAAAAAAAAAAAA", "/v/nonsense" })
        {
            var html = await chatApp.GetStringAsync(path);
            Assert.DoesNotContain("Do not show", html, StringComparison.Ordinal);
            Assert.DoesNotContain("/s/", html, StringComparison.Ordinal);
            Assert.DoesNotContain("oembed", html, StringComparison.Ordinal);
            var tags = Tags(html);
            Assert.Equal(("A video on Reel", "website", "summary"), (tags["og:title"], tags["og:type"], tags["twitter:card"]));
        }
        foreach (var url in new[] { $"{PublicUrl}/watch/{video.Id}", PublicUrl + locked.Url, "https://elsewhere.example/watch/" + video.Id })
        {
            using var response = await chatApp.GetAsync($"/api/oembed?url={Uri.EscapeDataString(url)}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task OEmbed_gives_an_iframe_of_the_embed_page_sized_to_fit_and_only_embed_pages_may_be_framed_by_other_sites()
    {
        var video = await ReadyVideoAsync("Embeddable");
        using var blog = new HttpClient { BaseAddress = _server.Client.BaseAddress };
        using (var oembed = await blog.GetAsync($"/api/oembed?url={Uri.EscapeDataString($"{PublicUrl}/watch/{video.Id}")}&maxwidth=160&format=json"))
        {
            Assert.Equal(HttpStatusCode.OK, oembed.StatusCode);
            var answer = JsonDocument.Parse(await oembed.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(("1.0", "video", "Reel", "Embeddable"), (answer.GetProperty("version").GetString(), answer.GetProperty("type").GetString(),
                answer.GetProperty("provider_name").GetString(), answer.GetProperty("title").GetString()));
            Assert.Equal((160, 90), (answer.GetProperty("width").GetInt32(), answer.GetProperty("height").GetInt32()));
            Assert.Equal($"<iframe src=\"{PublicUrl}/embed/{video.Id}\" width=\"160\" height=\"90\" title=\"Embeddable\" frameborder=\"0\" allow=\"autoplay; fullscreen; picture-in-picture\" allowfullscreen></iframe>",
                answer.GetProperty("html").GetString());
            Assert.StartsWith(PublicUrl + "/s/", answer.GetProperty("thumbnail_url").GetString(), StringComparison.Ordinal);
        }
        using (var xml = await blog.GetAsync($"/api/oembed?url={Uri.EscapeDataString($"{PublicUrl}/watch/{video.Id}")}&format=xml"))
            Assert.Equal(HttpStatusCode.NotImplemented, xml.StatusCode);

        using (var embed = await blog.GetAsync($"/embed/{video.Id}"))
            Assert.EndsWith("frame-ancestors *", embed.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        foreach (var page in new[] { $"/watch/{video.Id}", "/", "/my" })
        {
            using var response = await blog.GetAsync(page);
            Assert.EndsWith("frame-ancestors 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }

    private async Task<VideoJson> ReadyVideoAsync(string title) =>
        await _server.WaitUntilReadyAsync((await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny), title: title)).Id);

    private async Task<ShareDto> CreateShareAsync(string videoId, object body)
    {
        using var response = await _server.Client.PostAsJsonAsync($"/api/videos/{videoId}/shares", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ShareDto>(Json))!;
    }

    private static async Task<Dictionary<string, string>> TagsAsync(HttpClient client, string path) => Tags(await client.GetStringAsync(path));

    /// <summary>The page's meta tags by property or name (HTML entities decoded), and the oEmbed link as "oembed".</summary>
    private static Dictionary<string, string> Tags(string html)
    {
        var tags = MetaTag().Matches(html).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["content"].Value));
        if (OEmbedLink().Match(html) is { Success: true } link) tags["oembed"] = WebUtility.HtmlDecode(link.Groups["href"].Value);
        return tags;
    }

    [GeneratedRegex("<meta (?:property|name)=\"(?<name>(?:og|twitter):[^\"]+)\" content=\"(?<content>[^\"]*)\"")]
    private static partial Regex MetaTag();

    [GeneratedRegex("<link rel=\"alternate\" type=\"application/json\\+oembed\" href=\"(?<href>[^\"]*)\"")]
    private static partial Regex OEmbedLink();
}
