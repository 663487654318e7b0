using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Reel.Server.Infrastructure;

namespace Reel.Server.Data;

/// <summary>Opens connections and applies the schema. SQLite now; the dialect seam is where PostgreSQL will plug in.</summary>
internal sealed class Database
{
    private readonly string _connectionString;
    private readonly TimeProvider _clock;

    public Database(IOptions<DatabaseOptions> options, NodeSettings node, TimeProvider clock)
    {
        _clock = clock;
        SQLitePCL.Batteries_V2.Init();
        var builder = new SqliteConnectionStringBuilder(options.Value.ConnectionString ?? $"Data Source={Path.Combine(node.DataDir, "reel.db")}")
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // busy_timeout is per connection: writers queue instead of failing. synchronous=FULL: a commit survives power loss.
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
        return connection;
    }

    /// <summary>Runs one statement on its own connection; returns the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    /// <summary>Applies pending migrations in order, each in its own transaction, recording the schema version.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)");

        var assembly = typeof(Database).Assembly;
        const string prefix = "Reel.Server.Data.Migrations.sqlite.";
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => (Name: n, Version: int.Parse(n[prefix.Length..].Split('_')[0], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Version);

        foreach (var (name, version) in scripts)
        {
            // BEGIN IMMEDIATE takes the write lock first, so two processes starting on one file apply each script once.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
            var applied = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version WHERE version = @version", new { version }, transaction);
            if (applied > 0) continue;
            await using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            await connection.ExecuteAsync(await reader.ReadToEndAsync(cancellationToken), transaction: transaction);
            await connection.ExecuteAsync("INSERT INTO schema_version (version, applied_at) VALUES (@version, @now)",
                new { version, now = _clock.GetUtcNow().ToUnixTimeMilliseconds() }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }
}
