using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reel.Server.Tests.Support;

/// <summary>
/// A real server on a free loopback port with its own data directory: hosted in the test process
/// (<see cref="InProcessServer"/>), or, for tests that kill it like a crash would and start it again on the same data,
/// the built binary as its own process (Reel.Testing's <see cref="ServerProcess"/>, shared with the bench). This adds
/// the test backends, a signed-in client and the API calls tests make.
/// </summary>
internal sealed class ReelServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ServerProcess? _process;
    private readonly InProcessServer? _inProcess;
    private readonly bool _ownsDataDir;
    private bool _inSharedBucket;

    private ReelServer(ServerProcess? process, InProcessServer? inProcess, string dataDir, bool ownsDataDir)
    {
        _process = process;
        _inProcess = inProcess;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Port = process?.Port ?? inProcess!.Port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromMinutes(2) };
    }

    public string DataDir { get; }

    /// <summary>Whether this server keeps its files in S3 (the shared test object store, or one a test gave it).</summary>
    public bool OnObjectStore { get; private init; }

    public int Port { get; }

    public HttpClient Client { get; }

    public bool HasExited => _process?.HasExited ?? _inProcess!.HasExited;

    public string LogPath => _process?.LogPath ?? _inProcess!.LogPath;

    /// <summary>
    /// Starts the server. Unless <paramref name="signIn"/> is false, <see cref="Client"/> acts as the first account
    /// (an admin, made on first start), so tests about media need not care who may do what.
    /// <paramref name="backend"/> picks the database and storage; by default SQLite on local disk, or what the
    /// REEL_TEST_DATABASE / REEL_TEST_STORAGE variables ask for. With <paramref name="ownProcess"/> the server is the built
    /// binary in a process of its own, which <see cref="CrashAsync"/> can kill; otherwise <paramref name="clock"/> may
    /// replace the server's clock.
    /// </summary>
    public static async Task<ReelServer> StartAsync(
        string? dataDir = null, IReadOnlyDictionary<string, string>? settings = null, bool signIn = true, Backend backend = Backend.Default,
        bool ownProcess = false, TimeProvider? clock = null)
    {
        var owns = dataDir is null;
        dataDir ??= TempDirs.Create("reel-data");
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        // Every test client comes from 127.0.0.1: the per-address pace of new uploads is off unless a test is about it.
        all.TryAdd("Upload:RateLimitPerMinute", "0");
        var onPostgresAndS3 = backend == Backend.PostgresS3;
        if ((onPostgresAndS3 || (backend == Backend.Default && Postgres.Selected)) && !all.ContainsKey("Database:Provider"))
        {
            all["Database:Provider"] = "postgres";
            all["Database:ConnectionString"] = await Postgres.DatabaseForAsync(dataDir);
        }
        var inSharedBucket = (onPostgresAndS3 || (backend == Backend.Default && ObjectStore.Selected)) && !all.ContainsKey("Storage:Provider");
        if (inSharedBucket)
        {
            ObjectStore.NoteSharedBucketOf(dataDir);
            foreach (var (key, value) in (await ObjectStore.SharedAsync()).SettingsFor(ObjectStore.BucketFor(dataDir)))
                all[key] = value;
        }

        ServerProcess? process = null;
        InProcessServer? inProcess = null;
        try
        {
            if (ownProcess) process = await ServerProcess.StartAsync(new ServerStart(ServerDll(), dataDir) { Settings = all });
            else inProcess = await InProcessServer.StartAsync(dataDir, all, clock);
        }
        catch
        {
            // What a started server would have removed on disposal.
            if (owns) await RemoveDataAsync(dataDir, inSharedBucket);
            throw;
        }
        var server = new ReelServer(process, inProcess, dataDir, owns) { OnObjectStore = all.GetValueOrDefault("Storage:Provider") == "s3", _inSharedBucket = inSharedBucket };
        if (!signIn) return server;
        try
        {
            server.Client.DefaultRequestHeaders.Authorization = new("Bearer", (await server.SessionAsync(AdminEmail)).AccessToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL to the server alone, as a crash: its ffmpeg children are left running, as they would be.</summary>
    public Task CrashAsync() =>
        _process?.CrashAsync() ?? throw new InvalidOperationException("Only a server started with ownProcess: true can crash.");

    /// <summary>SIGTERM, as a service manager stops it (or the same stop of an in-process host); returns once it has stopped.</summary>
    public Task StopGracefullyAsync(TimeSpan timeout) => _process?.StopGracefullyAsync(timeout) ?? _inProcess!.StopGracefullyAsync(timeout);

    /// <summary>ffmpeg processes whose command line points into this data directory's work folder.</summary>
    public static List<int> EncodersWorkingIn(string dataDir)
    {
        var marker = Path.Combine(dataDir, "work") + "/";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (Path.GetFileName(commandLine.Split('\0')[0]) == "ffmpeg" && commandLine.Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
                // Gone already.
            }
        }
        return found;
    }

    public const string AdminEmail = "admin@reel.test";
    public const string Password = "correct horse battery";

    /// <summary>Signs in, creating the account first when it does not exist (the first account becomes admin).</summary>
    public async Task<SessionJson> SessionAsync(string email, string password = Password)
    {
        using var anonymous = AnonymousClient();
        using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password });
        if (login.StatusCode == HttpStatusCode.Unauthorized)
        {
            using var register = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password });
            Assert.True(register.StatusCode == HttpStatusCode.Created, $"Register {email}: {(int)register.StatusCode} {await register.Content.ReadAsStringAsync()}");
            return (await register.Content.ReadFromJsonAsync<SessionJson>(Json))!;
        }
        Assert.True(login.IsSuccessStatusCode, $"Login {email}: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        return (await login.Content.ReadFromJsonAsync<SessionJson>(Json))!;
    }

    /// <summary>A client of this server that sends no credentials.</summary>
    public HttpClient AnonymousClient() => new() { BaseAddress = Client.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>A client of this server signed in with <paramref name="accessToken"/>.</summary>
    public HttpClient ClientWith(string accessToken)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        return client;
    }

    public Task<VideoJson> UploadAsync(string path, string contentType = "video/mp4", string? title = null) =>
        UploadAsAsync(Client, path, contentType, title);

    /// <summary>Uploads as whoever <paramref name="client"/> is, and expects a 201.</summary>
    public static async Task<VideoJson> UploadAsAsync(HttpClient client, string path, string contentType = "video/mp4", string? title = null)
    {
        using var response = await PostVideoAsync(client, path, contentType, title);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Upload of {Path.GetFileName(path)} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<VideoJson>(body, Json)!;
    }

    /// <summary>POST /api/videos with the file as the raw body, whatever the answer.</summary>
    public static async Task<HttpResponseMessage> PostVideoAsync(HttpClient client, string path, string contentType = "video/mp4", string? title = null)
    {
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return await client.PostAsync(title is null ? "/api/videos" : $"/api/videos?title={Uri.EscapeDataString(title)}", content);
    }

    public async Task<VideoJson> GetVideoAsync(string id)
    {
        var video = await Client.GetFromJsonAsync<VideoJson>($"/api/videos/{id}", Json);
        return video!;
    }

    /// <summary>Polls the video until <paramref name="done"/> holds; fails fast when it failed.</summary>
    public async Task<VideoJson> WaitForAsync(string id, Func<VideoJson, bool> done, TimeSpan timeout, int pollMs = 50)
    {
        var clock = Stopwatch.StartNew();
        VideoJson video;
        do
        {
            video = await GetVideoAsync(id);
            if (done(video)) return video;
            Assert.False(video.Status == "failed", $"Video {id} failed: {video.Error?.Code} {video.Error?.Message}.\n{LogTail()}");
            await Task.Delay(pollMs);
        }
        while (clock.Elapsed < timeout);
        throw new TimeoutException($"Video {id} still {video.Status} (progress {video.Progress}) after {timeout.TotalSeconds} s.\n{LogTail()}");
    }

    /// <summary>The server's last log lines, for failure messages: the data directory is gone once the test ends.</summary>
    public string LogTail(int lines = 60) => _process?.LogTail(lines) ?? _inProcess!.LogTail(lines);

    public Task<VideoJson> WaitUntilReadyAsync(string id, int seconds = 90) =>
        WaitForAsync(id, v => v.Status == "ready", TimeSpan.FromSeconds(seconds), 100);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_process is not null) await _process.DisposeAsync();
        if (_inProcess is not null) await _inProcess.DisposeAsync();
        if (_ownsDataDir) await RemoveDataAsync(DataDir, _inSharedBucket);
    }

    private static async Task RemoveDataAsync(string dataDir, bool inSharedBucket)
    {
        TempDirs.Delete(dataDir);
        await Postgres.DropDatabaseForAsync(dataDir);
        if (inSharedBucket) await (await ObjectStore.SharedAsync()).DeleteBucketAsync(ObjectStore.BucketFor(dataDir));
    }

    public static string ServerDll()
    {
        // The test build builds the server in the same configuration; run that binary.
        var testDir = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testDir.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RepoRoot(), "src", "Reel.Server", "bin", configuration, "net10.0", "Reel.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the server first.", dll);
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Reel.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root.");
    }

}

/// <summary>Where a test server keeps its rows and files.</summary>
public enum Backend
{
    /// <summary>SQLite and local disk, unless REEL_TEST_DATABASE=postgres / REEL_TEST_STORAGE=s3 say otherwise.</summary>
    Default,

    /// <summary>SQLite on local disk, whatever the environment says.</summary>
    SqliteLocal,

    /// <summary>The run's throwaway PostgreSQL cluster and its shared S3 server.</summary>
    PostgresS3,
}
