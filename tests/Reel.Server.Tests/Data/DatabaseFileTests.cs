using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Data;

/// <summary>The SQLite file holds password and token hashes: no other local user may read it.</summary>
public sealed class DatabaseFileTests
{
    [Fact]
    public async Task The_SQLite_database_and_its_companions_are_readable_by_the_server_user_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var dataDir = TempDirs.Create("reel-db-mode");
        try
        {
            var node = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = dataDir }).Build());
            await using (var database = new Database(Options.Create(new DatabaseOptions()), node, TimeProvider.System))
            {
                await database.MigrateAsync(CancellationToken.None);
                // A write while a connection stays open: the -wal and -shm files exist now.
                await database.ExecuteAsync("INSERT INTO schema_version (version, applied_at) VALUES (999999, 0)", new { }, CancellationToken.None);

                var files = Directory.GetFiles(dataDir, "reel.db*");
                Assert.Contains(Path.Combine(dataDir, "reel.db"), files);
                Assert.Contains(Path.Combine(dataDir, "reel.db-wal"), files);
                foreach (var file in files)
                    Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirs.Delete(dataDir);
        }
    }
}
