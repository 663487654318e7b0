using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Reel.Server.Tests.Support;

/// <summary>Direct access to the database of a server's data folder, for states only a crash at one exact moment leaves.</summary>
internal static class TestDatabase
{
    public static async Task ExecuteAsync(string dataDir, string sql, string videoId)
    {
        await using var connection = await OpenAsync(dataDir);
        await using var command = CommandFor(connection, sql, videoId);
        Assert.True(await command.ExecuteNonQueryAsync() > 0, $"The statement changed nothing: {sql}");
    }

    /// <summary>The first column of the first row the query finds, or null.</summary>
    public static async Task<object?> ScalarAsync(string dataDir, string sql, string videoId)
    {
        await using var connection = await OpenAsync(dataDir);
        await using var command = CommandFor(connection, sql, videoId);
        return await command.ExecuteScalarAsync() is var value and not DBNull ? value : null;
    }

    private static DbCommand CommandFor(DbConnection connection, string sql, string videoId)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "videoId";
        parameter.Value = videoId;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>Who the video's jobs take their turn as: stored, never shown by the API.</summary>
    public static async Task<string?> UploaderOfAsync(string dataDir, string videoId)
    {
        await using var connection = await OpenAsync(dataDir);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uploader FROM videos WHERE id = @videoId";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "videoId";
        parameter.Value = videoId;
        command.Parameters.Add(parameter);
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task<DbConnection> OpenAsync(string dataDir)
    {
        DbConnection connection;
        // A server on SQLite keeps reel.db in its data folder; one on PostgreSQL has a database named after the folder.
        if (!File.Exists(Path.Combine(dataDir, "reel.db")))
        {
            connection = new NpgsqlConnection(await Postgres.DatabaseForAsync(dataDir));
        }
        else
        {
            SQLitePCL.Batteries_V2.Init();
            connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "reel.db")}");
        }
        await connection.OpenAsync();
        return connection;
    }
}
