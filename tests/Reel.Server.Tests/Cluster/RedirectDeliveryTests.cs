using System.Net;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>Redirect delivery: the node checks the playback token, then sends the client to a presigned S3 URL.</summary>
public sealed class RedirectDeliveryTests : IAsyncLifetime
{
    private readonly string _bucket = $"reel-redirect-{Guid.NewGuid():N}"[..32];
    private ObjectStore _store = null!;
    private ReelServer _server = null!;

    public async Task InitializeAsync()
    {
        _store = await ObjectStore.SharedAsync();
        var settings = _store.SettingsFor(_bucket);
        settings["Storage:Delivery"] = "redirect";
        _server = await ReelServer.StartAsync(settings: settings);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DeleteBucketAsync(_bucket);
    }

    [Fact]
    public async Task Files_redirect_to_presigned_urls_playlists_stay_on_the_node_and_revoked_links_redirect_nowhere()
    {
        var video = await _server.WaitUntilReadyAsync((await _server.UploadAsync(await Clips.PathAsync(Clips.Tiny))).Id);
        using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.Client.BaseAddress };

        using (var master = await direct.GetAsync(video.StreamUrl))
        {
            Assert.Equal(HttpStatusCode.OK, master.StatusCode);
            Assert.Equal("application/vnd.apple.mpegurl", master.Content.Headers.ContentType?.MediaType);
        }

        using var download = await direct.GetAsync(video.DownloadUrl);
        Assert.Equal(HttpStatusCode.Redirect, download.StatusCode);
        var presigned = download.Headers.Location!;
        Assert.StartsWith(_store.ServiceUrl, presigned.ToString(), StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature=", presigned.Query, StringComparison.Ordinal);
        Assert.True(download.Headers.CacheControl?.NoStore, "a redirect with a short-lived URL is not cached");

        using var s3 = new HttpClient();
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, presigned))
        {
            ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
            using var part = await s3.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(100, (await part.Content.ReadAsByteArrayAsync()).Length);
            Assert.Equal("video/mp4", part.Content.Headers.ContentType?.MediaType);
        }
        var probe = await Hls.ProbeBytesAsync(await s3.GetByteArrayAsync(presigned));
        Assert.Equal("h264", probe.Video!.Codec);
        var tampered = presigned.ToString().Replace("download.mp4", "thumbnail.jpg", StringComparison.Ordinal);
        using (var forged = await s3.GetAsync(tampered))
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        var (code, output) = await Mpv.RunAsync("--length=2", $"http://127.0.0.1:{_server.Port}{video.StreamUrl}");
        Assert.True(code == 0, $"mpv could not play through redirected segments:\n{output}");

        using (var page = await direct.GetAsync("/"))
            Assert.Contains(new Uri(_store.ServiceUrl).GetLeftPart(UriPartial.Authority), page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        (await _server.Client.PostAsync($"/api/videos/{video.Id}/revoke-links", null)).EnsureSuccessStatusCode();
        using var revoked = await direct.GetAsync(video.DownloadUrl);
        Assert.Equal(HttpStatusCode.NotFound, revoked.StatusCode);
        Assert.Null(revoked.Headers.Location);
    }
}
