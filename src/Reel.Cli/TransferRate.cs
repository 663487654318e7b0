namespace Reel.Cli;

/// <summary>
/// The speed and time left of one upload run. The first position reported is where this run starts (0, or the
/// offset an earlier run left on the server): only bytes past it count, over the time since, so a resumed upload
/// shows the speed it is sent at now rather than the bytes it skipped. Positions come from the sending thread and are
/// read by the progress display's.
/// </summary>
internal sealed class TransferRate(long total, TimeProvider time)
{
    // Below this the speed is noise (the first buffer leaves at memory speed), so none is shown.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private readonly Lock _lock = new();
    private long? _startPosition;
    private long _startTimestamp;
    private long _position;

    /// <summary>Where the upload stands: the bytes the server has, or has been sent so far.</summary>
    public void Report(long position)
    {
        lock (_lock)
        {
            if (_startPosition is null)
            {
                _startPosition = position;
                _startTimestamp = time.GetTimestamp();
            }
            _position = position;
        }
    }

    /// <summary>Bytes this run has added (never negative, even if a retry found fewer on the server than it began with).</summary>
    public long SentThisRun
    {
        get
        {
            lock (_lock) return _startPosition is { } start ? Math.Max(0, _position - start) : 0;
        }
    }

    /// <summary>Where this run started: the bytes an earlier run had sent.</summary>
    public long StartedAt
    {
        get
        {
            lock (_lock) return _startPosition ?? 0;
        }
    }

    public TimeSpan Elapsed
    {
        get
        {
            lock (_lock) return _startPosition is null ? TimeSpan.Zero : time.GetElapsedTime(_startTimestamp);
        }
    }

    /// <summary>The average speed of this run, or null while too little time has passed to tell.</summary>
    public double? BytesPerSecond
    {
        get
        {
            var elapsed = Elapsed;
            return elapsed < Settle ? null : SentThisRun / elapsed.TotalSeconds;
        }
    }

    /// <summary>The rest of the file at this run's speed, or null while there is no speed yet.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            if (BytesPerSecond is not { } rate || rate <= 0) return null;
            long left;
            lock (_lock) left = Math.Max(0, total - _position);
            return TimeSpan.FromSeconds(Math.Ceiling(left / rate));
        }
    }
}
