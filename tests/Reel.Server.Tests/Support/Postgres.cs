using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Reel.Server.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for this test run, started on first use and stopped when the run ends; each Reel
/// data folder gets its own database in it. Used when REEL_TEST_DATABASE=postgres.
/// </summary>
internal static class Postgres
{
    private static readonly Lazy<Task<Cluster>> Running = new(StartAsync);

    public static bool Selected => Environment.GetEnvironmentVariable("REEL_TEST_DATABASE") == "postgres";

    /// <summary>A connection string to the database of <paramref name="dataDir"/>, made when missing.</summary>
    public static async Task<string> DatabaseForAsync(string dataDir)
    {
        var cluster = await Running.Value;
        var name = DatabaseName(dataDir);
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = name } } };
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }
        }
        return cluster.ConnectionString(name);
    }

    public static async Task DropDatabaseForAsync(string dataDir)
    {
        if (!Running.IsValueCreated) return;
        var cluster = await Running.Value;
        var name = DatabaseName(dataDir);
        await using var admin = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    // A server restarted on the same data folder finds its database again.
    private static string DatabaseName(string dataDir) =>
        "reel_" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDir)))[..16].ToLowerInvariant();

    private static async Task<Cluster> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL is missing: `make test` installs Debian's postgresql package.");
        var dir = TempDirs.Create("reel-postgres");
        await RunAsync("chown", "postgres:postgres", dir);
        await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        var port = FreePort();
        await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"), "-w",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c fsync=off -c max_connections=300", "start");
        var cluster = new Cluster(port);
        // The run's processes are stopped by the run.
        HostExit.Run($"runuser -u postgres -- {Path.Combine(bin, "pg_ctl")} -D {Path.Combine(dir, "data")} -m immediate stop >/dev/null 2>&1; rm -rf {dir}");
        return cluster;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<string> RunAsync(string exe, params string[] args) => Ffmpeg.ExecAsync(exe, args);

    private sealed record Cluster(int Port)
    {
        public string ConnectionString(string database) =>
            $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=30";
    }
}
