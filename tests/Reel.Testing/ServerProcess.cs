using System.Diagnostics;
using System.Globalization;

namespace Reel.Testing;

/// <summary>How to start a <see cref="ServerProcess"/>.</summary>
/// <param name="ServerDll">The built Reel.Server.dll, run with <c>dotnet</c>.</param>
/// <param name="DataDir">Passed as <c>--DataDir</c>; the caller owns it.</param>
internal sealed record ServerStart(string ServerDll, string DataDir)
{
    /// <summary>Configuration keys and values, passed as <c>--Key value</c> arguments.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the server's output goes. Null: a temp file, deleted when the server is disposed.</summary>
    public string? LogPath { get; init; }

    /// <summary>When set, every log line starts with this clock's reading (<see cref="ServerProcess.Stamp"/>), so a caller
    /// can set the server's lines against its own events.</summary>
    public Func<TimeSpan>? LogClock { get; init; }

    /// <summary>Called with the process the moment it has started, before anything can fail: a caller that must kill
    /// whatever it started even if it dies itself (the bench's pid file) records it here.</summary>
    public Action<Process>? Started { get; init; }

    /// <summary>The path polled until it answers 2xx: <c>/healthz</c> (alive), or <c>/readyz</c> (database, storage and ffmpeg usable).</summary>
    public string ReadyPath { get; init; } = "/healthz";

    /// <summary>From process start until <see cref="ReadyPath"/> answers.</summary>
    // Generous: it costs nothing when the server is healthy, and on a loaded machine a cold start takes tens of seconds.
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>
/// The real server binary as a process of its own, on a loopback port it picks itself, with its output in a log file.
/// Tests kill it like a crash would and start it again on the same data; the bench measures it.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const string ListeningMarker = "Now listening on: http://127.0.0.1:";

    private readonly Process _process;
    private readonly LogFile _log;
    private readonly bool _ownsLog;
    private bool _disposed;

    private ServerProcess(Process process, LogFile log, string logPath, bool ownsLog)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        _ownsLog = ownsLog;
    }

    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:PORT/</c></summary>
    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; }

    /// <summary>How <see cref="ServerStart.LogClock"/> readings are written at the start of each line: <c>[sss.sss] </c>.</summary>
    public static string Stamp(TimeSpan elapsed) => "[" + elapsed.TotalSeconds.ToString("000.000", CultureInfo.InvariantCulture) + "] ";

    /// <summary>
    /// Starts the server and returns once it answers <see cref="ServerStart.ReadyPath"/>. It is started on port 0, takes a
    /// free port itself and logs which: nothing can take the port between a choice and the bind.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(ServerStart start, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(start.ServerDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.ArgumentList.Add("--DataDir");
        info.ArgumentList.Add(start.DataDir);
        foreach (var (key, value) in start.Settings)
        {
            info.ArgumentList.Add($"--{key}");
            info.ArgumentList.Add(value);
        }
        // The server as it is deployed, whatever the caller's shell has set.
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var ownsLog = start.LogPath is null;
        var logPath = start.LogPath ?? Path.Combine(Path.GetTempPath(), $"reel-server-{Guid.NewGuid():N}.log");
        var log = new LogFile(logPath, start.LogClock);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        var ended = 0;
        // The log closes when both streams have ended, so the last lines of a crash are in it; later events are dropped.
        void Ended()
        {
            if (Interlocked.Increment(ref ended) == 2) log.Dispose();
        }
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                Ended();
                return;
            }
            log.Write(e.Data);
            var at = e.Data.IndexOf(ListeningMarker, StringComparison.Ordinal);
            if (at >= 0 && int.TryParse(e.Data.AsSpan(at + ListeningMarker.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bound))
                listening.TrySetResult(bound);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) Ended();
            else log.Write(e.Data);
        };
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }
        var server = new ServerProcess(process, log, logPath, ownsLog);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(start.StartTimeout);
        try
        {
            start.Started?.Invoke(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync(deadline.Token);
            if (await Task.WhenAny(listening.Task, exited) != listening.Task)
            {
                await exited; // throws when the deadline passed rather than the process ending
                throw new InvalidOperationException($"The server exited at start (code {process.ExitCode}).\n{server.LogTail()}");
            }
            server.Port = await listening.Task;
            using var probe = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"The server exited at start (code {process.ExitCode}).\n{server.LogTail()}");
                try
                {
                    using var response = await probe.GetAsync(new Uri(start.ReadyPath.TrimStart('/'), UriKind.Relative), deadline.Token);
                    if (response.IsSuccessStatusCode) return server;
                }
                catch (HttpRequestException)
                {
                    // Listening, but not answering yet.
                }
                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var tail = server.LogTail();
            await server.DisposeAsync();
            throw new TimeoutException($"The server did not answer {start.ReadyPath} within {start.StartTimeout.TotalSeconds:0} s.\n{tail}");
        }
        catch (Exception)
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a line of the caller's into the log, between the server's own.</summary>
    public void WriteLog(string line) => _log.Write(line);

    /// <summary>The last lines of the log, for failure messages: a test's data directory is gone once it ends.</summary>
    public string LogTail(int lines = 60) => LogFile.Tail(LogPath, lines);

    /// <summary>SIGKILL to the server alone, as a crash: its ffmpeg children are left running, as they would be.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it; returns once the process has exited.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Kills the server and everything it started (its ffmpeg runs), and removes the log if it was a temp file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        _log.Dispose();
        if (_ownsLog) File.Delete(LogPath);
    }
}
