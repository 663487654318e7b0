using System.Diagnostics;

namespace Reel.Server.Tests.Support;

/// <summary>Runs a clean-up command once the test host is gone, however it ends: a crash skips ProcessExit handlers.</summary>
internal static class HostExit
{
    public static void Run(string bashCommand)
    {
        using var watcher = Process.Start(new ProcessStartInfo("setsid",
            ["bash", "-c", $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {bashCommand}"])
        { UseShellExecute = false })!;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            using var now = Process.Start("bash", ["-c", bashCommand]);
            now.WaitForExit(15_000);
        };
    }
}
