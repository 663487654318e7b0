using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Cluster;

/// <summary>
/// A delete is done once the video's row is gone: with S3 away it is still answered 204, and the files go once S3
/// answers again (recorded with the delete, removed by the worker's sweep).
/// </summary>
public sealed class DeleteDuringStorageOutageTests : IAsyncLifetime
{
    private const string Bucket = "reel-delete-outage";
    private ObjectStore _store = null!;
    private ReelServer _server = null!;

    public async Task InitializeAsync()
    {
        _store = await ObjectStore.StartAsync();
        _server = await ReelServer.StartAsync(settings: new Dictionary<string, string>(_store.SettingsFor(Bucket)) { ["Processing:FileSweepSeconds"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Deletes_during_an_S3_outage_are_answered_204_and_the_files_go_once_S3_is_back()
    {
        var clip = await Clips.PathAsync(Clips.Tiny);
        var ready = await _server.WaitUntilReadyAsync((await _server.UploadAsync(clip)).Id);
        var bytes = await File.ReadAllBytesAsync(clip);
        var (terminated, terminatedUrl) = await StartResumableAsync(bytes);
        var (uploading, _) = await StartResumableAsync(bytes);
        Assert.NotEmpty(await _store.KeysAsync(Bucket, $"videos/{ready.Id}/"));
        Assert.NotEmpty(await _store.KeysAsync(Bucket, $"originals/{terminated}/"));

        await _store.StopProxyAsync();
        try
        {
            using (var request = Tus(HttpMethod.Delete, terminatedUrl))
            using (var response = await _server.Client.SendAsync(request))
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            foreach (var id in new[] { ready.Id, uploading })
            {
                using var response = await _server.Client.DeleteAsync($"/api/videos/{id}");
                Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            // Deleted is deleted: a retry finds nothing, as the first answer said.
            foreach (var id in new[] { ready.Id, terminated, uploading })
                Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        }
        finally
        {
            await _store.StartProxyAsync();
        }

        await Eventually.FoundAsync(async () =>
            (await _store.KeysAsync(Bucket)).Count == 0 && (await _store.UnfinishedUploadsAsync(Bucket)).Count == 0 ? "gone" : null);
    }

    private async Task<(string VideoId, string Url)> StartResumableAsync(byte[] bytes)
    {
        string id, url;
        using (var request = Tus(HttpMethod.Post, "/api/uploads"))
        {
            request.Headers.Add("Upload-Length", bytes.Length.ToString(CultureInfo.InvariantCulture));
            using var created = await _server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            (id, url) = (created.Headers.GetValues("Reel-Video-Id").Single(), created.Headers.Location!.OriginalString);
        }
        // Half of it: on S3, a tail object beside an unfinished multipart upload.
        using (var request = Tus(HttpMethod.Patch, url))
        {
            request.Headers.Add("Upload-Offset", "0");
            request.Content = new ByteArrayContent(bytes[..(bytes.Length / 2)]);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            using var patched = await _server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        }
        return (id, url);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }
}
