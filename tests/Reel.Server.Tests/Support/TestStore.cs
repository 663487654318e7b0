using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
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

    private readonly bool _onPostgres;

    private TestStore(Database database, string dataDir, bool onPostgres)
    {
        _dataDir = dataDir;
        _onPostgres = onPostgres;
        Database = database;
        Queue = new JobQueue(database, Clock);
        Videos = new VideoStore(database, Clock);
    }

    public TestClock Clock { get; } = new();

    public Database Database { get; }

    public JobQueue Queue { get; }

    public VideoStore Videos { get; }

    /// <summary>A migrated store on <paramref name="database"/>, or by default on what REEL_TEST_DATABASE says.</summary>
    public static async Task<TestStore> CreateAsync(StoreDatabase database = StoreDatabase.Default)
    {
        // What Program.cs sets for the whole process before any query: snake_case columns map to properties.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var dataDir = TempDirs.Create("reel-store");
        var settings = new Dictionary<string, string?> { ["DataDir"] = dataDir };
        var options = new DatabaseOptions();
        var onPostgres = database == StoreDatabase.Postgres || (database == StoreDatabase.Default && Postgres.Selected);
        if (onPostgres)
        {
            options.Provider = "postgres";
            options.ConnectionString = await Postgres.DatabaseForAsync(dataDir);
        }
        var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var store = new Database(Options.Create(options), node, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        return new TestStore(store, dataDir, onPostgres);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_onPostgres) await Postgres.DropDatabaseForAsync(_dataDir);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempDirs.Delete(_dataDir);
    }
}

/// <summary>The database a <see cref="TestStore"/> runs on.</summary>
public enum StoreDatabase
{
    /// <summary>SQLite, unless REEL_TEST_DATABASE=postgres.</summary>
    Default,
    Sqlite,
    Postgres,
}

/// <summary>
/// The library's <see cref="FakeTimeProvider"/>, which stands still until the test moves it and then fires the timers
/// due by then (Task.Delay, CancellationTokenSource with this clock) in order, on the test's thread; plus the two things
/// it keeps to itself: how many of its timers are waiting and when the next one is due. The lease tests need both, to
/// move the clock only once the lease keeper waits on it, and then exactly to its next timer.
/// </summary>
internal sealed class TestClock() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero))
{
    private readonly Lock _gate = new();
    private readonly List<WatchedTimer> _timers = [];

    /// <summary>Timers waiting to fire: what the code under test is waiting for.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate) return _timers.Count(t => t.Due is not null);
        }
    }

    /// <summary>Moves the clock to the earliest pending timer, which fires (and whatever else is due then).</summary>
    public void AdvanceToNextTimer()
    {
        DateTimeOffset? due;
        lock (_gate) due = _timers.Min(t => t.Due);
        if (due is { } at) Advance(at > GetUtcNow() ? at - GetUtcNow() : TimeSpan.Zero);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var watched = new WatchedTimer(this);
        lock (_gate) _timers.Add(watched);
        // Noted before the library's timer exists: one due now fires inside CreateTimer, and Fired must see it scheduled.
        watched.Schedule(dueTime, period);
        watched.Inner = base.CreateTimer(s =>
        {
            watched.Fired();
            callback(s);
        }, state, dueTime, period);
        return watched;
    }

    /// <summary>The library's timer, with the time it is due as the library computes it (a period counts from the last due time).</summary>
    private sealed class WatchedTimer(TestClock clock) : ITimer
    {
        private TimeSpan? _period;

        public ITimer? Inner { get; set; }

        public DateTimeOffset? Due { get; private set; }

        public void Schedule(TimeSpan dueTime, TimeSpan period)
        {
            var now = clock.GetUtcNow();
            lock (clock._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime;
                _period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }
        }

        public void Fired()
        {
            lock (clock._gate) Due = _period is { } period ? Due + period : null;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Schedule(dueTime, period);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
