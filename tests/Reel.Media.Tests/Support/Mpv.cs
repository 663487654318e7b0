using System.Diagnostics;

namespace Reel.Media.Tests.Support;

/// <summary>mpv without a picture or sound: its exit code says whether a URL played, its status lines where.</summary>
internal static class Mpv
{
    public static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/mpv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--no-config", "--vo=null", "--ao=null", .. args])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
