using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Reel.Server.Tests.Support;

/// <summary>
/// The real server binary, started as its own process on a free loopback port with its own data directory,
/// so tests can kill it like a crash would and start it again on the same data.
/// </summary>
internal sealed class ReelServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly bool _ownsDataDir;
    private bool _inSharedBucket;

    private ReelServer(Process process, string dataDir, bool ownsDataDir)
    {
        _process = process;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    public string DataDir { get; }

    /// <summary>Whether this server keeps its files in S3 (the shared test object store, or one a test gave it).</summary>
    public bool OnObjectStore { get; private init; }

    public int Port { get; private set; }

    public HttpClient Client { get; private set; } = new();

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; } = Path.Combine(Path.GetTempPath(), $"reel-server-{Guid.NewGuid():N}.log");

    /// <summary>
    /// Starts the server. Unless <paramref name="signIn"/> is false, <see cref="Client"/> acts as the first account
    /// (an admin, made on first start), so tests about media need not care who may do what.
    /// <paramref name="backend"/> picks the database and storage; by default SQLite on local disk, or what the
    /// REEL_TEST_DATABASE / REEL_TEST_STORAGE variables ask for.
    /// </summary>
    public static async Task<ReelServer> StartAsync(string? dataDir = null, IReadOnlyDictionary<string, string>? settings = null, bool signIn = true, Backend backend = Backend.Default)
    {
        var owns = dataDir is null;
        dataDir ??= TempDirs.Create("reel-data");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerDll());
        start.ArgumentList.Add("--urls");
        // Port 0: the server takes a free port itself and says which; no race between tests picking ports.
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.ArgumentList.Add("--DataDir");
        start.ArgumentList.Add(dataDir);
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
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        var server = new ReelServer(process, dataDir, owns) { OnObjectStore = all.GetValueOrDefault("Storage:Provider") == "s3", _inSharedBucket = inSharedBucket };
        var log = new StreamWriter(server.LogPath, append: true) { AutoFlush = true };
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = false;
        // Output events can still arrive after Exited has closed the log: drop them rather than crash the test host.
        void Log(string line)
        {
            lock (log)
            {
                if (!closed) log.WriteLine(line);
            }
        }
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Log(e.Data);
            const string marker = "Now listening on: http://127.0.0.1:";
            var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && int.TryParse(e.Data.AsSpan(at + marker.Length).Trim(), out var bound)) listening.TrySetResult(bound);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log(e.Data); };
        process.Exited += (_, _) =>
        {
            lock (log)
            {
                closed = true;
                log.Dispose();
            }
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        // A deadline, not a wait: a boot takes 1.5 s on an idle machine but over 30 s on a 2-core one running other suites.
        if (await Task.WhenAny(listening.Task, process.WaitForExitAsync(), Task.Delay(StartDeadline)) != listening.Task)
        {
            var tail = server.LogTail();
            await server.DisposeAsync();
            throw new InvalidOperationException($"The server did not start listening.\n{tail}");
        }
        server.Port = await listening.Task;
        server.Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromMinutes(2) };
        while (deadline.Elapsed < StartDeadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The server exited at start (code {process.ExitCode}). Log: {server.LogPath}");
            try
            {
                using var response = await server.Client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    if (signIn) server.Client.DefaultRequestHeaders.Authorization = new("Bearer", (await server.SessionAsync(AdminEmail)).AccessToken);
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"The server did not answer /healthz within {StartDeadline.TotalSeconds} s.");
    }

    /// <summary>SIGKILL to the server alone, as a crash: its ffmpeg children are left running, as they would be.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it; returns once the process has exited.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

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
    public string LogTail(int lines = 60)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return "Server log (tail):\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no server log: {e.Message})";
        }
    }

    public Task<VideoJson> WaitUntilReadyAsync(string id, int seconds = 90) =>
        WaitForAsync(id, v => v.Status == "ready", TimeSpan.FromSeconds(seconds), 100);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_ownsDataDir)
        {
            TempDirs.Delete(DataDir);
            await Postgres.DropDatabaseForAsync(DataDir);
            if (_inSharedBucket) await (await ObjectStore.SharedAsync()).DeleteBucketAsync(ObjectStore.BucketFor(DataDir));
        }
        File.Delete(LogPath);
    }

    private static string ServerDll()
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
