using System.Diagnostics;

namespace Reel.Testing;

/// <summary>Runs ffmpeg/ffprobe for the tests' and the bench's own checks (not Reel's runner: that is what they test).</summary>
internal static class Ffmpeg
{
    public static Task<string> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken = default) =>
        ExecAsync("ffmpeg", args, cancellationToken);

    public static Task<string> ProbeJsonAsync(string path, CancellationToken cancellationToken = default) =>
        ExecAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path], cancellationToken);

    /// <summary>Runs <paramref name="exe"/> to its end and returns its standard output; a non-zero exit throws with its standard error.</summary>
    public static async Task<string> ExecAsync(string exe, IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A run given up on must not outlive its caller.
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {string.Join(' ', start.ArgumentList)} failed: {await stderr}");
        return await stdout;
    }
}
