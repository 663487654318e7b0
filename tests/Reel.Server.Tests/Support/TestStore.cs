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

/// <summary>A clock that stands still until the test moves it.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
