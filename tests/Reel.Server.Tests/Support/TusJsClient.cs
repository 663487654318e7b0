using System.Diagnostics;
using System.Text.Json;

namespace Reel.Server.Tests.Support;

/// <summary>
/// tus-js-client, the reference tus client, run by node (Integration/tus-upload.mjs) against a server. Its state file
/// keeps the upload URL between runs, so a second run resumes the upload.
/// </summary>
internal sealed class TusJsClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<JsonElement> _events = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _stderrPath;

    private TusJsClient(Process process, string stderrPath)
    {
        _process = process;
        _stderrPath = stderrPath;
    }

    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (_events) return _events.ToList();
        }
    }

    /// <summary>
    /// Starts an upload (or resumes the one <paramref name="stateFile"/> names). With <paramref name="stock"/>, tus-js-client
    /// runs with its own defaults and no request hook: no header but tus's own, whatever else is passed.
    /// </summary>
    public static TusJsClient Start(
        string endpoint, string file, string stateFile, string? accessToken = null, long? chunkSize = null, int delayMs = 0, bool withCreationUpload = false, bool stock = false)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(ReelServer.RepoRoot(), "tests", "Reel.Server.Tests", "Integration", "tus-upload.mjs"));
        foreach (var (name, value) in new[] { ("endpoint", endpoint), ("file", file), ("state", stateFile), ("token", accessToken), ("chunk-size", chunkSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("delay-ms", delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture)) })
        {
            if (value is null) continue;
            start.ArgumentList.Add($"--{name}");
            start.ArgumentList.Add(value);
        }
        if (withCreationUpload) start.ArgumentList.Add("--with-creation-upload");
        if (stock) start.ArgumentList.Add("--stock");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var client = new TusJsClient(process, stateFile + ".stderr");
        var stderr = new StreamWriter(client._stderrPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (client._events) client._events.Add(JsonDocument.Parse(e.Data).RootElement.Clone());
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.WriteLine(e.Data); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => client._exited.TrySetResult();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Waits for the client to end and returns its last event (success or error).</summary>
    public async Task<JsonElement> FinishAsync(TimeSpan timeout)
    {
        await _exited.Task.WaitAsync(timeout);
        _process.WaitForExit();
        var events = Events;
        var last = events.Count > 0 ? events[^1] : default;
        Assert.True(last.ValueKind == JsonValueKind.Object, $"tus-js-client printed nothing; stderr: {File.ReadAllText(_stderrPath)}");
        return last;
    }

    /// <summary>Waits until the client reports at least <paramref name="share"/> of the file sent.</summary>
    public async Task WaitForProgressAsync(double share, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Events.Any(e => Is(e, "progress") && e.GetProperty("bytes").GetDouble() >= share * e.GetProperty("total").GetDouble()))
        {
            Assert.False(_exited.Task.IsCompleted, $"tus-js-client ended early: {string.Join('\n', Events)}; stderr: {File.ReadAllText(_stderrPath)}");
            Assert.True(clock.Elapsed < timeout, $"tus-js-client did not reach {share:P0}: {string.Join('\n', Events)}");
            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL, as a crash or a closed laptop: nothing of the client's own clean-up runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _exited.Task;
    }

    public static bool Is(JsonElement e, string name) => e.GetProperty("event").GetString() == name;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
        File.Delete(_stderrPath);
    }
}
