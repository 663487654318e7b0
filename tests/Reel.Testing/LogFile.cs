namespace Reel.Testing;

/// <summary>The server's output as lines in a file; writes after it is closed are dropped.</summary>
internal sealed class LogFile(string path, Func<TimeSpan>? clock = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private bool _closed;

    public string Path => path;

    /// <summary>The last lines of a log file, for failure messages: a test's data directory is gone once it ends.</summary>
    public static string Tail(string path, int lines)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return "Server log (tail):\n" + string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no server log: {e.Message})";
        }
    }

    public void Write(string line)
    {
        var stamped = clock is null ? line : ServerProcess.Stamp(clock()) + line;
        lock (_gate)
        {
            if (!_closed) _writer.WriteLine(stamped);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _writer.Dispose();
        }
    }
}
