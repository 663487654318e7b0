using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reel.Server.Tests.Support;

/// <summary>
/// The server hosted in the test process itself, on a free loopback port with real Kestrel, its own container and its
/// log in a file. A boot here costs a fraction of a new process's (whose JIT, start-up and first requests took about
/// 3 s of CPU each), so every test that needs no process to kill runs on one of these.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FileLog _log;
    private bool _stopped;

    private InProcessServer(WebApplication app, FileLog log, int port)
    {
        _app = app;
        _log = log;
        Port = port;
    }

    public int Port { get; }

    public string LogPath => _log.Path;

    public bool HasExited => _stopped;

    /// <summary>Starts a server; with <paramref name="clock"/> it tells time by that clock (a test's fake one) instead of the system's.</summary>
    public static async Task<InProcessServer> StartAsync(string dataDir, IReadOnlyDictionary<string, string> settings, TimeProvider? clock = null)
    {
        List<string> args = ["--urls", "http://127.0.0.1:0", "--DataDir", dataDir, "--environment", "Production"];
        // The built web UI sits beside the server binary, not beside the tests.
        if (!settings.ContainsKey("Web:Root")) args.AddRange(["--Web:Root", Path.Combine(Path.GetDirectoryName(ReelServer.ServerDll())!, "wwwroot")]);
        foreach (var (key, value) in settings) args.AddRange([$"--{key}", value]);
        var log = new FileLog(Path.Combine(Path.GetTempPath(), $"reel-server-{Guid.NewGuid():N}.log"));
        WebApplication? app = null;
        try
        {
            app = await ReelApp.BuildAsync([.. args], builder =>
            {
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(log);
                if (clock is not null) builder.Services.AddSingleton(clock);
            });
            await app.StartAsync();
            return new InProcessServer(app, log, new Uri(app.Urls.Single()).Port);
        }
        catch (Exception e)
        {
            if (app is not null) await app.DisposeAsync();
            var tail = log.Tail(60);
            log.Dispose();
            File.Delete(log.Path);
            throw new InvalidOperationException($"The server did not start: {e.Message}\n{tail}", e);
        }
    }

    public string LogTail(int lines) => _log.Tail(lines);

    /// <summary>What SIGTERM does to the process: the host stops (workers hand their jobs back), nothing is killed.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (_stopped) return;
        _stopped = true;
        using var deadline = new CancellationTokenSource(timeout);
        await _app.StopAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopGracefullyAsync(TimeSpan.FromSeconds(20));
        await _app.DisposeAsync();
        _log.Dispose();
        File.Delete(_log.Path);
    }

    /// <summary>Log lines as the console logger's first line would have them, in the <see cref="LogFile"/> the process launcher uses too.</summary>
    private sealed class FileLog(string path) : ILoggerProvider
    {
        private readonly LogFile _file = new(path);

        public string Path => path;

        public ILogger CreateLogger(string categoryName) => new Logger(_file, categoryName);

        public string Tail(int lines) => LogFile.Tail(path, lines);

        public void Dispose() => _file.Dispose();

        private sealed class Logger(LogFile file, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{logLevel}: {category}: {formatter(state, exception)}";
                file.Write(exception is null ? line : line + "\n" + exception);
            }
        }
    }
}
