using System.Collections.Concurrent;
using System.Diagnostics;

namespace Reel.Media;

/// <summary>
/// Starts every ffmpeg/ffprobe so that it dies with the server, even a server killed with SIGKILL: through util-linux
/// <c>setpriv --pdeathsig KILL</c>, which sets PR_SET_PDEATHSIG and then execs the program (same pid, same argv).
/// Linux sends that signal when the <em>thread</em> that forked the child exits, and .NET retires idle thread-pool
/// threads, so every child is forked from one dedicated thread that lives as long as the process (ADR 14).
/// Without setpriv (not Linux, or not installed) children are started as before and may outlive a crash.
/// </summary>
internal static class ChildSpawner
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Requests = new();
    private static readonly string? Setpriv = OperatingSystem.IsLinux() ? Which("setpriv") : null;
    private static readonly Lazy<Thread> Spawner = new(() =>
    {
        var thread = new Thread(Spawn) { IsBackground = true, Name = "Reel child spawner" };
        thread.Start();
        return thread;
    });

    public static bool ChildrenDieWithParent => Setpriv is not null;

    /// <summary>
    /// Starts the process described by <paramref name="start"/> (whose FileName and ArgumentList are the real program's)
    /// on the spawner thread. Throws what <see cref="Process.Start()"/> throws when the program cannot be started.
    /// </summary>
    public static async Task<Process> StartAsync(ProcessStartInfo start)
    {
        if (Setpriv is not null)
        {
            // setpriv would report a missing program only by its exit code; keep the failure a start failure.
            if (Which(start.FileName) is null) throw new System.ComponentModel.Win32Exception(2, $"No such file: {start.FileName}");
            var program = start.FileName;
            var arguments = start.ArgumentList.ToList();
            start.FileName = Setpriv;
            start.ArgumentList.Clear();
            // argv[0] stays as given, so the child looks the same in ps and to the start-up sweep.
            foreach (var argument in (string[])["--pdeathsig", "KILL", "--", program, .. arguments]) start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Spawner.Value;
        Requests.Add((process, started));
        try
        {
            await started.Task.ConfigureAwait(false);
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return process;
    }

    private static void Spawn()
    {
        foreach (var (process, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }

    private static string? Which(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal)) return File.Exists(program) ? program : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
