using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Tests.Support;

/// <summary>
/// The real <see cref="Database"/>, migrated, in a temp folder of its own (SQLite, or a database of the throwaway
/// PostgreSQL cluster when REEL_TEST_DATABASE=postgres), with a clock the test moves: for store-level tests that need
/// no server.
/// </summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly string _dataDir;

    private TestStore(Database database, string dataDir)
    {
        _dataDir = dataDir;
        Database = database;
        Queue = new JobQueue(database, Clock);
        Videos = new VideoStore(database, Clock);
    }

    public ManualClock Clock { get; } = new();

    public Database Database { get; }

    public JobQueue Queue { get; }

    public VideoStore Videos { get; }

    public static async Task<TestStore> CreateAsync()
    {
        // What Program.cs sets for the whole process before any query: snake_case columns map to properties.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var dataDir = TempDirs.Create("reel-store");
        var settings = new Dictionary<string, string?> { ["DataDir"] = dataDir };
        var options = new DatabaseOptions();
        if (Postgres.Selected)
        {
            options.Provider = "postgres";
            options.ConnectionString = await Postgres.DatabaseForAsync(dataDir);
        }
        var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var database = new Database(Options.Create(options), node, TimeProvider.System);
        await database.MigrateAsync(CancellationToken.None);
        return new TestStore(database, dataDir);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (Postgres.Selected) await Postgres.DropDatabaseForAsync(_dataDir);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempDirs.Delete(_dataDir);
    }
}

/// <summary>
/// A clock that stands still until the test moves it. Its timers (Task.Delay, CancellationTokenSource with this clock)
/// fire only when the test moves it past their time, on the test's thread.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    /// <summary>Timers waiting to fire: what the code under test is waiting for.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate) return _timers.Count(t => t.Due is not null);
        }
    }

    public void Advance(TimeSpan by)
    {
        DateTimeOffset until;
        lock (_gate) until = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due <= until).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = until;
                    return;
                }
                if (next.Due > _now) _now = next.Due.Value;
                next.Due = next.Period is { } period ? _now + period : null;
            }
            next.Fire();
        }
    }

    /// <summary>Moves the clock to the earliest pending timer and fires it (and whatever else is due then).</summary>
    public void AdvanceToNextTimer()
    {
        DateTimeOffset? due;
        lock (_gate) due = _timers.Min(t => t.Due);
        if (due is { } at) Advance(at > GetUtcNow() ? at - GetUtcNow() : TimeSpan.Zero);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_gate) _timers.Add(timer);
        return timer;
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan? Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }
            return true;
        }

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
