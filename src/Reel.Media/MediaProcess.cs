using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Reel.Media;

/// <summary>How one ffmpeg/ffprobe run is supervised.</summary>
public sealed record MediaRunOptions
{
    /// <summary>The run is stopped and fails after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Receives ffmpeg's position in the output (from <c>-progress pipe:1</c>).</summary>
    public Action<TimeSpan>? OnProgress { get; init; }

    /// <summary>When set, the command line and everything the process writes to stderr go to this file.</summary>
    public string? LogPath { get; init; }

    /// <summary>Keep stdout (ffprobe's JSON) instead of reading it as progress.</summary>
    public bool CaptureOutput { get; init; }

    /// <summary>Receives every stdout line, for output too long to keep (a packet listing).</summary>
    public Action<string>? OnOutputLine { get; init; }

    /// <summary>
    /// The scheduling priority: below the server by default; <see cref="ProcessPriorityClass.Normal"/> for work a
    /// viewer waits for, <see cref="ProcessPriorityClass.Idle"/> for background encodes that must yield to it.
    /// </summary>
    public ProcessPriorityClass Priority { get; init; } = ProcessPriorityClass.BelowNormal;
}

/// <summary>What a finished run left behind.</summary>
public sealed record MediaRunResult(int ExitCode, string Output, string ErrorTail)
{
    /// <summary>Throws <see cref="MediaProcessException"/> unless the process exited with 0.</summary>
    public MediaRunResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new MediaProcessException($"{what} failed (exit code {ExitCode}).", ExitCode, ErrorTail);
}

/// <summary>An ffmpeg or ffprobe run that did not succeed.</summary>
public sealed class MediaProcessException(string message, int exitCode, string errorTail) : Exception(message)
{
    /// <summary>The exit code, or -1 when the process was stopped.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>The last lines the process wrote to stderr.</summary>
    public string ErrorTail { get; } = errorTail;
}

/// <summary>Runs ffmpeg/ffprobe with an argument list (never a shell), at a chosen priority, with a timeout.</summary>
public static class MediaProcess
{
    /// <summary>
    /// Whether the processes started here are killed when this process dies, even by SIGKILL (needs util-linux
    /// <c>setpriv</c>); when false, a crash leaves them running until something stops them.
    /// </summary>
    public static bool ChildrenDieWithParent => ChildSpawner.ChildrenDieWithParent;

    private const int MaxOutputChars = 4 * 1024 * 1024;
    private const int ErrorTailLines = 30;

    /// <summary>
    /// Runs the program to its end. Cancellation and timeout first ask ffmpeg to stop (<c>q</c> on stdin, so it
    /// closes its outputs) and kill it if it does not within two seconds.
    /// </summary>
    public static async Task<MediaRunResult> RunAsync(string executable, IReadOnlyList<string> arguments, MediaRunOptions options, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        // Shared for writing: a job may run two ffmpeg processes at once that log to the same file.
        await using var log = options.LogPath is null ? null : new StreamWriter(new FileStream(options.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8);
        if (log is not null)
            await log.WriteLineAsync(executable + " " + string.Join(' ', arguments.Select(Quote))).ConfigureAwait(false);

        Process started;
        try
        {
            started = await ChildSpawner.StartAsync(start).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new MediaProcessException($"Cannot start {executable}: {e.Message}", -1, "");
        }
        using var process = started;
        SetPriority(process, options.Priority);

        var output = new StringBuilder();
        var errorTail = new Queue<string>();
        var stdout = ReadOutputAsync(process.StandardOutput, output, options);
        var stderr = ReadErrorsAsync(process.StandardError, errorTail, log);

        using var timeout = new CancellationTokenSource(options.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new MediaProcessException($"{Path.GetFileName(executable)} did not finish within {options.Timeout.TotalSeconds:0} s.", -1, string.Join('\n', errorTail));
        }
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        return new MediaRunResult(process.ExitCode, output.ToString(), string.Join('\n', errorTail));
    }

    private static void SetPriority(Process process, ProcessPriorityClass priority)
    {
        if (priority == ProcessPriorityClass.Normal) return;
        try
        {
            process.PriorityClass = priority;
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // The process already exited (a quick ffprobe) or the OS refused: either way there is nothing to lower.
        }
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            await process.StandardInput.WriteAsync("q").ConfigureAwait(false);
            await process.StandardInput.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // stdin is closed once ffmpeg is on its way out; the kill below covers it.
        }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task ReadOutputAsync(StreamReader reader, StringBuilder output, MediaRunOptions options)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            options.OnOutputLine?.Invoke(line);
            if (options.CaptureOutput)
            {
                if (output.Length < MaxOutputChars) output.Append(line).Append('\n');
            }
            else if (options.OnProgress is { } report
                && line.StartsWith("out_time_us=", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                && micros >= 0)
            {
                report(TimeSpan.FromTicks(micros * 10));
            }
        }
    }

    private static async Task ReadErrorsAsync(StreamReader reader, Queue<string> tail, StreamWriter? log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (log is not null) await log.WriteLineAsync(line).ConfigureAwait(false);
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > ErrorTailLines) tail.Dequeue();
            }
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+%".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
