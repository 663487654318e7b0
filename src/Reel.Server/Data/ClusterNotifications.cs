using Npgsql;

namespace Reel.Server.Data;

/// <summary>
/// On PostgreSQL, carries what other nodes must hear of at once: a job was queued (wakes this node's idle workers)
/// a video's links were revoked (this stream node re-reads revocations), and an account's roles changed or it was
/// deleted (this node forgets what it knew of the account). All are only hints; the polls and the account cache's
/// lifetime stay as the safety net, and after a lost connection everything is treated as changed. What each channel
/// means to this node is up to its <see cref="IClusterNotificationHandler"/>s.
/// </summary>
internal sealed class ClusterNotifications(
    Database database, IEnumerable<IClusterNotificationHandler> handlers, ILogger<ClusterNotifications> logger) : BackgroundService
{
    public const string JobsChannel = "reel_jobs";
    public const string RevocationsChannel = "reel_revocations";
    public const string AccountsChannel = "reel_accounts";
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);
    private readonly IReadOnlyList<IClusterNotificationHandler> _handlers = [.. handlers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Channel names are constants of ours (above), never input: safe to write into the statement.
        var listen = string.Concat(_handlers.Select(h => h.Channel).Distinct(StringComparer.Ordinal).Select(c => $"LISTEN {c}; "));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenListenerAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Channel, e.Payload);
                await using (var command = new NpgsqlCommand(listen, connection))
                    await command.ExecuteNonQueryAsync(stoppingToken);
                // Whatever was sent while we were not listening is caught by acting as if everything changed.
                foreach (var handler in _handlers) await handler.CatchUpAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet connection is checked now and then, so one dropped by the network is noticed and replaced.
                    if (!await connection.WaitAsync(Idle, stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Lost the notification connection to PostgreSQL; reconnecting");
                await Task.Delay(Reconnect, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void OnNotification(string channel, string payload)
    {
        foreach (var handler in _handlers)
        {
            if (handler.Channel == channel) handler.OnNotification(payload);
        }
    }
}
