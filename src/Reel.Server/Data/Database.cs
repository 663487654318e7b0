using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using Reel.Server.Infrastructure;

namespace Reel.Server.Data;

/// <summary>
/// Opens connections and applies the schema, on SQLite (one machine) or PostgreSQL (a cluster). The SQL elsewhere is
/// written to run on both; the few places that differ ask <see cref="IsPostgres"/>.
/// </summary>
internal sealed class Database : IAsyncDisposable
{
    // Any fixed number: every node that migrates takes this PostgreSQL advisory lock first.
    private const long MigrationLock = 7_262_835_401_337;
    private readonly string _connectionString = "";
    private readonly NpgsqlDataSource? _postgres;
    private readonly TimeProvider _clock;

    public Database(IOptions<DatabaseOptions> options, NodeSettings node, TimeProvider clock)
    {
        _clock = clock;
        if (options.Value.Provider == "postgres")
        {
            _postgres = NpgsqlDataSource.Create(options.Value.ConnectionString
                ?? throw new InvalidOperationException("Database:ConnectionString is required for PostgreSQL."));
            return;
        }
        SQLitePCL.Batteries_V2.Init();
        var builder = new SqliteConnectionStringBuilder(options.Value.ConnectionString ?? $"Data Source={Path.Combine(node.DataDir, "reel.db")}")
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        CreatePrivately(builder);
    }

    /// <summary>
    /// Creates the SQLite file readable by this user only: it holds password and token hashes. SQLite gives its -wal
    /// and -shm companions the mode of the database file, so they follow.
    /// </summary>
    private static void CreatePrivately(SqliteConnectionStringBuilder builder)
    {
        if (OperatingSystem.IsWindows() || builder.Mode == SqliteOpenMode.Memory) return;
        var path = builder.DataSource;
        if (string.IsNullOrEmpty(path) || path == ":memory:" || path.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return;
        path = Path.GetFullPath(path);
        if (File.Exists(path) || !Directory.Exists(Path.GetDirectoryName(path))) return;
        // An empty file is a valid new database; OpenOrCreate leaves a file another process made meanwhile as it is.
        new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }).Dispose();
    }

    public bool IsPostgres => _postgres is not null;

    /// <summary>What a read adds to lock its row until the transaction ends (SQLite's write transaction already excludes others).</summary>
    public string ForUpdate => IsPostgres ? " FOR UPDATE" : "";

    /// <summary>What a claim adds to its row lookup so concurrent workers skip rows another one is taking.</summary>
    public string SkipLocked => IsPostgres ? " FOR UPDATE SKIP LOCKED" : "";

    /// <summary>As <see cref="SkipLocked"/> for a lookup that joins other tables: locks the rows of <paramref name="alias"/> only.</summary>
    public string SkipLockedOf(string alias) => IsPostgres ? $" FOR UPDATE OF {alias} SKIP LOCKED" : "";

    /// <summary>"Is one of the list <paramref name="parameter"/>": Npgsql takes an array as it is, SQLite needs Dapper to expand it.</summary>
    public string InList(string parameter) => IsPostgres ? $"= ANY(@{parameter})" : $"IN @{parameter}";

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // busy_timeout is per connection: writers queue instead of failing. synchronous=FULL: a commit survives power loss.
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
        return connection;
    }

    /// <summary>A PostgreSQL connection of its own for LISTEN, held for as long as the caller listens.</summary>
    public async Task<NpgsqlConnection> OpenListenerAsync(CancellationToken cancellationToken) =>
        _postgres is null
            ? throw new InvalidOperationException("Notifications need PostgreSQL.")
            : await _postgres.OpenConnectionAsync(cancellationToken);

    /// <summary>Runs one statement on its own connection; returns the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    /// <summary>Applies pending migrations of this dialect in order, each in its own transaction, recording the schema version.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (IsPostgres) await connection.ExecuteAsync("SELECT pg_advisory_lock(@MigrationLock)", new { MigrationLock });
        else await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)");

        var assembly = typeof(Database).Assembly;
        var prefix = $"Reel.Server.Data.Migrations.{(IsPostgres ? "postgres" : "sqlite")}.";
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => (Name: n, Version: int.Parse(n[prefix.Length..].Split('_')[0], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Version);

        foreach (var (name, version) in scripts)
        {
            // SQLite: BEGIN IMMEDIATE takes the write lock first, so two processes on one file apply each script once.
            // PostgreSQL: the advisory lock above does that for every node.
            await using var transaction = await connection.BeginTransactionAsync(IsPostgres ? System.Data.IsolationLevel.ReadCommitted : System.Data.IsolationLevel.Serializable, cancellationToken);
            var applied = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, transaction);
            if (applied > 0) continue;
            await using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            await connection.ExecuteAsync(await reader.ReadToEndAsync(cancellationToken), transaction: transaction);
            await connection.ExecuteAsync("INSERT INTO schema_version (version, applied_at) VALUES (@version, @now)",
                new { version, now = _clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
        if (IsPostgres) await connection.ExecuteAsync("SELECT pg_advisory_unlock(@MigrationLock)", new { MigrationLock });
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
