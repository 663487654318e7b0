using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Auth;

/// <summary>Who may do what to which video, in the Accounts policy: every cell of the table is checked against the real server.</summary>
public sealed class AccessMatrixTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Actors = ["anonymous", "viewer", "uploader", "admin", "owner"];

    // Expected status per actor, in the order of Actors. 404 where the caller may not even know the video exists.
    private static readonly (string Action, string Visibility, int[] Expected)[] Table =
    [
        ("get", "public", [200, 200, 200, 200, 200]),
        ("get", "unlisted", [200, 200, 200, 200, 200]),
        ("get", "private", [404, 404, 404, 200, 200]),
        ("listed", "public", [200, 200, 200, 200, 200]),
        ("listed", "unlisted", [404, 404, 404, 404, 200]),
        ("listed", "private", [404, 404, 404, 404, 200]),
        ("thumbnail", "public", [200, 200, 200, 200, 200]),
        ("thumbnail", "unlisted", [200, 200, 200, 200, 200]),
        ("thumbnail", "private", [404, 404, 404, 200, 200]),
        ("playback", "public", [200, 200, 200, 200, 200]),
        ("playback", "private", [404, 404, 404, 200, 200]),
        ("rename", "public", [403, 403, 403, 200, 200]),
        ("rename", "unlisted", [403, 403, 403, 200, 200]),
        ("rename", "private", [404, 404, 404, 200, 200]),
        ("delete-denied", "public", [403, 403, 403, -1, -1]),
        ("delete-denied", "private", [404, 404, 404, -1, -1]),
        ("revoke", "unlisted", [403, 403, 403, 204, 204]),
        ("revoke", "private", [404, 404, 404, 204, 204]),
        ("progress", "public", [401, 204, 204, 204, 204]),
        ("progress", "private", [401, 404, 404, 204, 204]),
    ];

    private static readonly (string Action, int[] Expected)[] Global =
    [
        ("upload", [401, 403, 201, 201, 201]),
        ("list-mine", [401, 200, 200, 200, 200]),
        ("list-all", [403, 403, 403, 200, 403]),
        ("admin-users", [401, 403, 403, 200, 403]),
        ("admin-keys", [401, 403, 403, 200, 403]),
        ("admin-create-key", [401, 403, 403, 201, 403]),
        ("admin-set-roles", [401, 403, 403, 200, 403]),
        ("admin-delete-missing-user", [401, 403, 403, 404, 403]),
        ("me", [401, 200, 200, 200, 200]),
        ("jwks", [200, 200, 200, 200, 200]),
    ];

    [Fact]
    public async Task Every_actor_gets_exactly_the_access_the_table_says_for_every_visibility()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:Policy"] = "Accounts" });
        var admin = server.Client;
        var owner = await server.SessionAsync("owner@reel.test");
        var uploader = await server.SessionAsync("uploader@reel.test");
        var viewer = await server.SessionAsync("viewer@reel.test");
        var viewerId = viewer.User.Id;
        (await admin.PatchAsJsonAsync($"/api/admin/users/{viewerId}", new { roles = new[] { "viewer" } })).EnsureSuccessStatusCode();
        viewer = await server.SessionAsync("viewer@reel.test");
        Assert.Equal(["viewer"], viewer.User.Roles);

        using var ownerClient = server.ClientWith(owner.AccessToken);
        var clients = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = server.AnonymousClient(),
            ["viewer"] = server.ClientWith(viewer.AccessToken),
            ["uploader"] = server.ClientWith(uploader.AccessToken),
            ["admin"] = admin,
            ["owner"] = ownerClient,
        };
        // The tiny clip: what is checked is who gets what, not the picture. Thumbnails and playback links need the video
        // processed, so each is waited for; all three encode while the next is uploaded.
        var clip = await Clips.PathAsync(Clips.Tiny);
        var videos = new Dictionary<string, string>();
        foreach (var visibility in new[] { "public", "unlisted", "private" })
        {
            var video = (await ReelServer.UploadAsAsync(ownerClient, clip)).Id;
            (await ownerClient.PatchAsJsonAsync($"/api/videos/{video}", new { visibility })).EnsureSuccessStatusCode();
            videos[visibility] = video;
        }
        foreach (var video in videos.Values) await server.WaitUntilReadyAsync(video);

        var wrong = new List<string>();
        foreach (var (action, visibility, expected) in Table)
        {
            for (var i = 0; i < Actors.Length; i++)
            {
                if (expected[i] < 0) continue;
                var actual = await ActAsync(action, videos[visibility], clients[Actors[i]], ownerClient);
                if (actual != expected[i]) wrong.Add($"{action} {visibility} as {Actors[i]}: expected {expected[i]}, got {actual}");
            }
        }
        foreach (var (action, expected) in Global)
        {
            for (var i = 0; i < Actors.Length; i++)
            {
                var actual = await ActAsync(action, viewerId, clients[Actors[i]], ownerClient, clip);
                if (actual != expected[i]) wrong.Add($"{action} as {Actors[i]}: expected {expected[i]}, got {actual}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));

        // The allowed deletes, last: by the owner and by an admin.
        foreach (var client in new[] { ownerClient, admin })
        {
            var video = (await ReelServer.UploadAsAsync(ownerClient, clip)).Id;
            using var deleted = await client.DeleteAsync($"/api/videos/{video}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        foreach (var client in clients.Values.Where(c => c != admin && c != ownerClient)) client.Dispose();
    }

    /// <summary>Does <paramref name="action"/> to <paramref name="target"/> (a video id, or for admin actions a user id); returns the status.</summary>
    private static async Task<int> ActAsync(string action, string? target, HttpClient client, HttpClient ownerClient, string? clip = null)
    {
        switch (action)
        {
            case "listed":
                {
                    var list = await client.GetFromJsonAsync<JsonElement>("/api/videos?limit=200", Json);
                    return list.GetProperty("items").EnumerateArray().Any(v => v.GetProperty("id").GetString() == target) ? 200 : 404;
                }
            case "thumbnail":
                {
                    // Through the link the API hands this caller; a caller who may not see the video gets no link at all.
                    using var response = await client.GetAsync($"/api/videos/{target}");
                    if (!response.IsSuccessStatusCode) return (int)response.StatusCode;
                    var url = (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("thumbnailUrl").GetString()!;
                    using var file = await client.GetAsync(url);
                    return (int)file.StatusCode;
                }
            case "upload":
                {
                    using var response = await ReelServer.PostVideoAsync(client, clip!);
                    return (int)response.StatusCode;
                }
            default:
                {
                    using var response = await (action switch
                    {
                        "get" => client.GetAsync($"/api/videos/{target}"),
                        "playback" => client.PostAsync($"/api/videos/{target}/playback", null),
                        "rename" => client.PatchAsJsonAsync($"/api/videos/{target}", new { title = "renamed" }),
                        "delete-denied" => client.DeleteAsync($"/api/videos/{target}"),
                        "revoke" => client.PostAsync($"/api/videos/{target}/revoke-links", null),
                        "progress" => client.PutAsJsonAsync($"/api/videos/{target}/progress", new { positionSeconds = 2.0 }),
                        "list-mine" => client.GetAsync("/api/videos?mine=true"),
                        "list-all" => client.GetAsync("/api/videos?all=true"),
                        "admin-users" => client.GetAsync("/api/admin/users"),
                        "admin-keys" => client.GetAsync("/api/admin/api-keys"),
                        "admin-create-key" => client.PostAsJsonAsync("/api/admin/api-keys", new { name = "matrix" }),
                        "admin-set-roles" => client.PatchAsJsonAsync($"/api/admin/users/{target}", new { roles = new[] { "viewer" } }),
                        "admin-delete-missing-user" => client.DeleteAsync("/api/admin/users/AAAAAAAAAAAAAAAAAAAAAA"),
                        "me" => client.GetAsync("/api/auth/me"),
                        "jwks" => client.GetAsync("/.well-known/jwks.json"),
                        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
                    });
                    if ((int)response.StatusCode >= 400)
                    {
                        // Every refusal is problem+json with a code.
                        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                        Assert.Contains("\"code\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    }
                    return (int)response.StatusCode;
                }
        }
    }
}
