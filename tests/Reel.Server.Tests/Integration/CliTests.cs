using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// The real <c>reel</c> command against a real server, each test with its own config folder. Tests under the default
/// policy share one server (each uploads its own videos, anonymously or as the admin alone); the others start their own.
/// </summary>
[RunsLong]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliTests(CliTests.KeepingOriginals shared) : IClassFixture<CliTests.KeepingOriginals>, IDisposable
{
    private readonly string _home = TempDirs.Create("reel-cli-home");

    /// <summary>The default policy; a finished upload's original is kept, so its bytes can be compared with the file.</summary>
    public sealed class KeepingOriginals : SharedServer
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Storage:KeepOriginals"] = "true" };
    }

    public void Dispose() => TempDirs.Delete(_home);

    // Not made in advance: reel makes it, readable by the user alone.
    private string ConfigDir => Path.Combine(_home, "reel");

    [Fact]
    public async Task A_signed_in_upload_prints_only_the_watch_url_and_the_video_can_be_listed_waited_for_and_removed()
    {
        var server = shared.Server;
        var clip = await Clips.PathAsync(Clips.Tiny);

        var login = await RunAsync(server, ["login", "--email", ReelServer.AdminEmail, "--password-stdin"], stdin: ReelServer.Password + "\n");
        Assert.Equal(0, login.ExitCode);
        var credentials = Path.Combine(ConfigDir, "credentials.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ConfigDir));

        var upload = await RunAsync(server, ["upload", clip, "--title", "From the terminal"]);

        Assert.Equal(0, upload.ExitCode);
        var url = Assert.Single(upload.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($"^http://127\\.0\\.0\\.1:{server.Port}/watch/[A-Za-z0-9_-]{{22}}$", url);
        var id = url[(url.LastIndexOf('/') + 1)..];
        var video = await server.GetVideoAsync(id);
        Assert.True(video.Playable);
        Assert.Equal("From the terminal", video.Title);
        Assert.Contains("tiny-180p.mp4", upload.Stderr, StringComparison.Ordinal);

        var list = await RunAsync(server, ["ls", "--json"]);
        Assert.Equal(0, list.ExitCode);
        using (var items = JsonDocument.Parse(list.Stdout))
            Assert.Equal(id, Assert.Single(items.RootElement.EnumerateArray()).GetProperty("id").GetString());
        var table = await RunAsync(server, ["ls"]);
        Assert.Contains("From the terminal", table.Stdout, StringComparison.Ordinal);

        var status = await RunAsync(server, ["status", id, "--wait", "--json"]);
        Assert.Equal(0, status.ExitCode);
        using (var ready = JsonDocument.Parse(status.Stdout))
            Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());

        var removed = await RunAsync(server, ["rm", id]);
        Assert.Equal(0, removed.ExitCode);
        var gone = await RunAsync(server, ["status", id, "--json"]);
        Assert.Equal(3, gone.ExitCode);
        using (var error = JsonDocument.Parse(gone.Stderr))
            Assert.Equal("not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());

        var logout = await RunAsync(server, ["logout"]);
        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(credentials));
    }

    [Fact]
    public async Task An_upload_interrupted_mid_way_resumes_on_the_next_run_for_the_same_file()
    {
        var server = shared.Server;
        var clip = await Clips.PathAsync(Clips.Bulky);
        var length = new FileInfo(clip).Length;
        // Only this test uploads this file to the shared server: its videos are the ones with its name.
        async Task<List<VideoJson>> ThisFilesVideosAsync() =>
            (await server.Client.GetFromJsonAsync<VideoPageJson>("/api/videos?all=true"))!.Items.Where(v => v.Title == Path.GetFileNameWithoutExtension(clip)).ToList();

        // About twelve seconds at this rate: killed once an eighth of the file is on the server's disk, which leaves
        // most of it to resume however slow the machine is to kill.
        using (var first = Start(server, ["upload", clip, "--limit-rate", $"{length / 12}"]))
        {
            var uploading = await Eventually.FoundAsync(async () => (await ThisFilesVideosAsync()).SingleOrDefault());
            Assert.Equal("uploading", uploading.Status);
            var partial = Path.Combine(server.DataDir, "media", "originals", uploading.Id, "source.partial");
            await Eventually.FoundAsync(() => Task.FromResult(File.Exists(partial) && new FileInfo(partial).Length >= length / 8 ? partial : null));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        var kept = await Eventually.FoundAsync(async () => (await ThisFilesVideosAsync()).SingleOrDefault(v => v.UploadedBytes > 0));
        Assert.InRange(kept.UploadedBytes!.Value, 1, length * 2 / 3);

        var second = await RunAsync(server, ["upload", clip]);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("Resuming the earlier upload of this file", second.Stderr, StringComparison.Ordinal);
        Assert.EndsWith($"/watch/{kept.Id}", second.Stdout.Trim(), StringComparison.Ordinal);
        Assert.NotEqual("uploading", (await server.GetVideoAsync(kept.Id)).Status);
        Assert.Equal(await StoredFiles.FileSha256Async(clip), await StoredFiles.Sha256Async(server.DataDir, $"originals/{kept.Id}/source.bin"));
        Assert.Single(await ThisFilesVideosAsync());
    }

    [Fact]
    public async Task Anonymous_uploads_are_listed_named_by_their_watch_url_and_removed_with_the_kept_or_a_given_manage_token()
    {
        var server = shared.Server;
        var notVideo = Clips.Write("notes.mp4", "shopping list\n"u8.ToArray());

        var upload = await RunAsync(server, ["upload", await Clips.PathAsync(Clips.Silent), notVideo, "--json"]);

        // The file that is not a video is refused and named; the other is uploaded all the same.
        Assert.Equal(3, upload.ExitCode);
        using (var error = JsonDocument.Parse(Assert.Single(upload.Stderr.Split('\n'), line => line.StartsWith("{\"error\"", StringComparison.Ordinal))))
        {
            Assert.Equal(Path.GetFullPath(notVideo), error.RootElement.GetProperty("error").GetProperty("file").GetString());
            Assert.Equal("unsupported_media", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        using var result = JsonDocument.Parse(Assert.Single(upload.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var id = result.RootElement.GetProperty("video").GetProperty("id").GetString()!;
        var watchUrl = result.RootElement.GetProperty("watchUrl").GetString()!;
        Assert.True(result.RootElement.GetProperty("video").GetProperty("playable").GetBoolean());
        var tokens = Path.Combine(ConfigDir, "manage-tokens.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokens));

        // Not public, not signed in: listed because reel holds its manage token.
        var list = await RunAsync(server, ["ls", "--json"]);
        Assert.Equal(0, list.ExitCode);
        using (var items = JsonDocument.Parse(list.Stdout))
            Assert.Equal(id, Assert.Single(items.RootElement.EnumerateArray()).GetProperty("id").GetString());
        var lines = await RunAsync(server, ["ls"]);
        Assert.Matches($"^{id}\t.*\tmanage token$", lines.Stdout.Trim());

        var status = await RunAsync(server, ["status", watchUrl + "?t=1", "--json"]);
        Assert.True(status.ExitCode == 0, status.Stderr);
        using (var video = JsonDocument.Parse(status.Stdout))
            Assert.Equal(id, video.RootElement.GetProperty("id").GetString());

        // A given token is used instead of the kept one: a wrong one is refused although the right one is kept.
        var wrong = await RunAsync(server, ["rm", watchUrl, "--manage-token", "not-the-token"]);
        Assert.Equal(6, wrong.ExitCode);
        using (var kept = JsonDocument.Parse(await File.ReadAllTextAsync(tokens)))
        {
            var token = Assert.Single(kept.RootElement.EnumerateObject()).Value.GetString()!;
            File.Delete(tokens);
            var removed = await RunAsync(server, ["rm", watchUrl, "--manage-token", token]);
            Assert.True(removed.ExitCode == 0, removed.Stderr);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/api/videos/{id}")).StatusCode);
        var none = await RunAsync(server, ["ls", "--json"]);
        Assert.Equal((0, "[]"), (none.ExitCode, none.Stdout.Trim()));
    }

    [Fact]
    public async Task A_private_video_gets_an_expiring_password_protected_link_without_downloads_that_is_listed_and_revoked()
    {
        var server = shared.Server;
        var upload = await RunAsync(server, ["upload", await Clips.PathAsync(Clips.Tiny), "--json"]);
        Assert.True(upload.ExitCode == 0, upload.Stderr);
        string id, watchUrl;
        using (var result = JsonDocument.Parse(upload.Stdout))
        {
            id = result.RootElement.GetProperty("video").GetProperty("id").GetString()!;
            watchUrl = result.RootElement.GetProperty("watchUrl").GetString()!;
            using var kept = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ConfigDir, "manage-tokens.json")));
            using var owner = server.AnonymousClient();
            owner.DefaultRequestHeaders.Add("Reel-Manage-Token", Assert.Single(kept.RootElement.EnumerateObject()).Value.GetString());
            (await owner.PatchAsJsonAsync($"/api/videos/{id}", new { visibility = "private" })).EnsureSuccessStatusCode();
        }
        // The video itself can be downloaded: a link without a download URL is the link's doing.
        Assert.NotNull((await server.WaitUntilReadyAsync(id)).DownloadUrl);

        var typo = await RunAsync(server, ["share", id, "--expires", "7days"]);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("--expires '7days'", typo.Stderr, StringComparison.Ordinal);

        var before = DateTimeOffset.UtcNow;
        // Through the kept manage token; the password's line ending is not part of it.
        var made = await RunAsync(server, ["share", watchUrl, "--label", "For the family", "--expires", "7d", "--password-stdin", "--no-download"], stdin: "open sesame\r\n");
        var after = DateTimeOffset.UtcNow;

        Assert.True(made.ExitCode == 0, made.Stderr);
        var url = Assert.Single(made.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($"^http://127\\.0\\.0\\.1:{server.Port}/v/[A-Za-z0-9_-]{{32}}$", url);
        var key = url[(url.LastIndexOf('/') + 1)..];
        using var viewer = server.AnonymousClient();
        using (var locked = await viewer.GetAsync($"/api/shares/{key}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
            using var problem = JsonDocument.Parse(await locked.Content.ReadAsStringAsync());
            Assert.Equal("password_required", problem.RootElement.GetProperty("code").GetString());
        }
        using (var unlocked = await viewer.PostAsJsonAsync($"/api/shares/{key}/unlock", new { password = "open sesame" }))
        {
            Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
            var seen = (await unlocked.Content.ReadFromJsonAsync<VideoJson>(new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
            Assert.Equal(id, seen.Id);
            Assert.NotNull(seen.StreamUrl);
            Assert.Null(seen.DownloadUrl);
        }

        // Listed once (the typo made nothing), with the expiry 7d gave.
        var listed = await RunAsync(server, ["share", id, "--list", "--json"]);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        DateTimeOffset expiresAt;
        using (var items = JsonDocument.Parse(listed.Stdout))
        {
            var share = Assert.Single(items.RootElement.EnumerateArray());
            Assert.Equal((url, "For the family", true, false), (share.GetProperty("url").GetString(), share.GetProperty("label").GetString(),
                share.GetProperty("hasPassword").GetBoolean(), share.GetProperty("allowDownload").GetBoolean()));
            expiresAt = share.GetProperty("expiresAt").GetDateTimeOffset();
            Assert.InRange(expiresAt, before.AddDays(7).AddSeconds(-1), after.AddDays(7).AddSeconds(1));
        }
        var lines = await RunAsync(server, ["share", watchUrl, "--list"]);
        Assert.Equal($"For the family\t{url}\t{expiresAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)}\tyes\tno\t0", lines.Stdout.Trim());

        var revoked = await RunAsync(server, ["share", id, "--revoke", url]);

        Assert.True(revoked.ExitCode == 0, revoked.Stderr);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/shares/{key}")).StatusCode);
        var again = await RunAsync(server, ["share", id, "--revoke", url]);
        Assert.Equal(3, again.ExitCode);
        // The terminal's width wraps the line: compare the words.
        Assert.Contains("is not a link of this video", System.Text.RegularExpressions.Regex.Replace(again.Stderr, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_get_a_clear_message_and_their_documented_exit_code()
    {
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string> { ["Upload:Policy"] = "Accounts" });
        var clip = await Clips.PathAsync(Clips.Silent);

        var missing = await RunAsync(server, ["upload", "/no/such/clip.mp4"]);
        Assert.Equal((2, true), (missing.ExitCode, missing.Stderr.Contains("no such file", StringComparison.Ordinal)));

        var badRate = await RunAsync(server, ["upload", clip, "--limit-rate", "fast"]);
        Assert.Equal(2, badRate.ExitCode);

        var unknownCommand = await RunAsync(server, ["frobnicate"]);
        Assert.Equal(2, unknownCommand.ExitCode);

        var anonymous = await RunAsync(server, ["upload", clip]);
        Assert.Equal(6, anonymous.ExitCode);
        Assert.Contains("reel login", anonymous.Stderr, StringComparison.Ordinal);
        Assert.Empty(anonymous.Stdout);

        var wrongPassword = await RunAsync(server, ["login", "--email", ReelServer.AdminEmail, "--password-stdin"], stdin: "not the password\n");
        Assert.Equal(6, wrongPassword.ExitCode);
        Assert.Contains("invalid_credentials", wrongPassword.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(server, ["login", "--email", ReelServer.AdminEmail, "--password-stdin"], stdin: ReelServer.Password + "\n")).ExitCode);
        var notVideoPath = Clips.Write("notes.mp4", "shopping list\n"u8.ToArray());
        var notVideo = await RunAsync(server, ["upload", notVideoPath]);
        Assert.Equal(3, notVideo.ExitCode);
        Assert.Contains("unsupported_media", notVideo.Stderr, StringComparison.Ordinal);
        // Named as given, however the terminal's width wraps the line.
        Assert.Contains($"{Path.GetFileName(notVideoPath)}:", System.Text.RegularExpressions.Regex.Replace(notVideo.Stderr, @"\s+", ""), StringComparison.Ordinal);

        var unreachable = await RunAsync(server, ["ls", "--server", "http://127.0.0.1:1"]);
        Assert.Equal(4, unreachable.ExitCode);
        Assert.Contains("Cannot reach", unreachable.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uploads_wait_their_turn_under_the_servers_pace_and_whoami_shows_the_quota_that_refuses_the_next()
    {
        var clip = await Clips.PathAsync(Clips.Silent);
        var size = new FileInfo(clip).Length;
        // One new upload at once and another every 6 s; room for one and a half of the clip.
        await using var server = await ReelServer.StartAsync(settings: new Dictionary<string, string>
        {
            ["Upload:QuotaBytes"] = (size * 3 / 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Upload:RateLimitBurst"] = "1",
            ["Upload:RateLimitPerMinute"] = "10",
        });
        await server.SessionAsync("cli-uploader@reel.test");
        // Someone else at this address starts an upload just before reel's creation reaches the server, however long
        // reel took to get there: reel's has to wait for the next turn.
        await using var gate = new CreationGate(server.Port, async () =>
        {
            using var anonymous = server.AnonymousClient();
            using var other = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
            other.Headers.Add("Tus-Resumable", "1.0.0");
            other.Headers.Add("Upload-Length", "1000");
            using var created = await anonymous.SendAsync(other);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        });
        var via = $"http://127.0.0.1:{gate.Port}";
        Assert.Equal(0, (await RunAsync(server, ["login", "--email", "cli-uploader@reel.test", "--password-stdin"], stdin: ReelServer.Password + "\n", serverUrl: via)).ExitCode);

        var paced = await RunAsync(server, ["upload", clip, "--no-wait"], serverUrl: via);
        Assert.True(gate.Opened, "reel's upload never reached the server");
        Assert.True(paced.ExitCode == 0, paced.Stderr);
        Assert.Single(paced.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("waiting", paced.Stderr, StringComparison.Ordinal);

        var whoami = await RunAsync(server, ["whoami"], serverUrl: via);
        Assert.Equal(0, whoami.ExitCode);
        Assert.Contains("cli-uploader@reel.test", whoami.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Storage: [\d.]+ KiB of [\d.]+ KiB used \(67%\)", whoami.Stdout);

        var refused = await RunAsync(server, ["upload", Clips.Write("silent-copy.mp4", await File.ReadAllBytesAsync(clip)), "--no-wait"], serverUrl: via);
        Assert.Equal(3, refused.ExitCode);
        // The terminal's width wraps the line: compare the words.
        Assert.Contains("Delete videos to make room. (quota_exceeded)", System.Text.RegularExpressions.Regex.Replace(refused.Stderr, @"\s+", " "), StringComparison.Ordinal);
        Assert.Empty(refused.Stdout);
    }

    [Fact]
    public async Task Captions_added_from_a_file_are_listed_on_the_video_replaced_in_their_language_and_removed()
    {
        var server = shared.Server;
        var upload = await RunAsync(server, ["upload", await Clips.PathAsync(Clips.Tiny)]);
        Assert.True(upload.ExitCode == 0, upload.Stderr);
        var watchUrl = upload.Stdout.Trim();
        var id = watchUrl[(watchUrl.LastIndexOf('/') + 1)..];
        var srt = Clips.Write("de.srt", "\uFEFF1\r\n00:00:00,200 --> 00:00:01,500\r\nGuten Tag\r\n\r\n2\r\n00:00:01,600 --> 00:00:02,800\r\n<i>Auf Wiedersehen</i>\r\n"u8.ToArray());

        // Anonymous: through the manage token kept at the upload, the video named by its watch URL.
        var added = await RunAsync(server, ["captions", "add", watchUrl, srt, "--language", "de", "--default"]);

        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.Equal($"Added captions de (Deutsch) to {id}.", added.Stdout.Trim());
        var listed = await RunAsync(server, ["captions", "ls", id, "--json"]);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        string captionId;
        using (var items = JsonDocument.Parse(listed.Stdout))
        {
            var caption = Assert.Single(items.RootElement.EnumerateArray());
            captionId = caption.GetProperty("id").GetString()!;
            Assert.Equal(("de", "Deutsch", true, "upload"), (caption.GetProperty("language").GetString(), caption.GetProperty("label").GetString(),
                caption.GetProperty("default").GetBoolean(), caption.GetProperty("origin").GetString()));
            Assert.StartsWith($"http://127.0.0.1:{server.Port}/s/", caption.GetProperty("url").GetString(), StringComparison.Ordinal);
        }
        var onVideo = Assert.Single((await server.GetVideoAsync(id)).Captions);
        Assert.Equal((captionId, "de", true), (onVideo.Id, onVideo.Language, onVideo.Default));

        // A second file in German takes the first one's place; a broken one is refused with its line, before the
        // server hears of a missing one.
        var replaced = await RunAsync(server, ["captions", "add", id, Clips.Write("de.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nHallo\n"u8.ToArray()), "--language", "de"]);
        Assert.True(replaced.ExitCode == 0, replaced.Stderr);
        Assert.Equal($"Replaced captions de (Deutsch) on {id}.", replaced.Stdout.Trim());
        // Still the default: the replacement did not say otherwise. A pipe gets tab-separated lines.
        var lines = await RunAsync(server, ["captions", "ls", watchUrl]);
        Assert.Equal($"{captionId}\tde\tDeutsch\tyes\tupload", lines.Stdout.Trim());
        var broken = await RunAsync(server, ["captions", "add", id, Clips.Write("broken.srt", "1\n00:00:01,000 --> soon\nHallo\n"u8.ToArray()), "--language", "de", "--json"]);
        Assert.Equal(3, broken.ExitCode);
        using (var error = JsonDocument.Parse(broken.Stderr))
        {
            Assert.Equal("invalid_captions", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("Line 2", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        var missing = await RunAsync(server, ["captions", "add", id, "/no/such/captions.srt", "--language", "de"]);
        Assert.Equal((2, true), (missing.ExitCode, missing.Stderr.Contains("no such file", StringComparison.Ordinal)));

        var removed = await RunAsync(server, ["captions", "rm", watchUrl, captionId]);

        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.Equal($"Removed captions de (Deutsch) from {id}.", removed.Stdout.Trim());
        Assert.Empty((await server.GetVideoAsync(id)).Captions);
        var none = await RunAsync(server, ["captions", "ls", id, "--json"]);
        Assert.Equal((0, "[]"), (none.ExitCode, none.Stdout.Trim()));
    }

    private sealed record CliRun(int ExitCode, string Stdout, string Stderr);

    private Process Start(ReelServer server, IEnumerable<string> args, bool redirectStdin = false, string? serverUrl = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliDll());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // --server on the command line, when a test gives one, wins over this.
        start.Environment["REEL_SERVER"] = serverUrl ?? $"http://127.0.0.1:{server.Port}";
        start.Environment["REEL_CONFIG_DIR"] = ConfigDir;
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start reel.");
    }

    private async Task<CliRun> RunAsync(ReelServer server, IEnumerable<string> args, string? stdin = null, string? serverUrl = null)
    {
        using var process = Start(server, args, redirectStdin: true, serverUrl);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    private static string CliDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(ReelServer.RepoRoot(), "src", "Reel.Cli", "bin", configuration, "net10.0", "reel.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the CLI first.", dll);
    }
    /// <summary>
    /// A loopback relay to the server that runs <c>beforeFirstCreation</c> just before it passes on the first tus
    /// creation (POST /api/uploads) through it, and holds that request until it has run.
    /// </summary>
    private sealed class CreationGate : IAsyncDisposable
    {
        private static readonly byte[] Creation = "POST /api/uploads "u8.ToArray();
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly int _targetPort;
        private readonly Func<Task> _beforeFirstCreation;
        private readonly SemaphoreSlim _once = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        public CreationGate(int targetPort, Func<Task> beforeFirstCreation)
        {
            _targetPort = targetPort;
            _beforeFirstCreation = beforeFirstCreation;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public bool Opened { get; private set; }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (!_stop.IsCancellationRequested)
                    connections.Add(RelayAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
            await Task.WhenAll(connections);
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                    var up = RelayRequestsAsync(client.GetStream(), server.GetStream());
                    var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                    await Task.WhenAny(up, down);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                {
                    // A client that hangs up ends its relay.
                }
            }
        }

        private async Task RelayRequestsAsync(Stream from, Stream to)
        {
            var buffer = new byte[64 * 1024];
            // The end of the previous read, in case a request line is split between two reads.
            byte[] carry = [];
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (!Opened)
                {
                    byte[] window = [.. carry, .. buffer.AsSpan(0, read)];
                    if (window.AsSpan().IndexOf(Creation) >= 0) await OpenAsync();
                    carry = window[Math.Max(0, window.Length - Creation.Length + 1)..];
                }
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }

        private async Task OpenAsync()
        {
            await _once.WaitAsync(_stop.Token);
            try
            {
                if (Opened) return;
                await _beforeFirstCreation();
                Opened = true;
            }
            finally
            {
                _once.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
            _once.Dispose();
        }
    }
}
