using Npgsql;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;

namespace Reel.Server.Data;

/// <summary>
/// On PostgreSQL, carries what other nodes must hear of at once: a job was queued (wakes this node's idle workers)
/// a video's links were revoked (this stream node re-reads revocations), and an account's roles changed or it was
/// deleted (this node forgets what it knew of the account). All are only hints; the polls and the account cache's
/// lifetime stay as the safety net, and after a lost connection everything is treated as changed.
/// </summary>
internal sealed class ClusterNotifications(
    Database database, WorkSignal signal, LinkRevocations revocations, AccountRights accounts, NodeSettings node, ILogger<ClusterNotifications> logger) : BackgroundService
{
    public const string JobsChannel = "reel_jobs";
    public const string RevocationsChannel = "reel_revocations";
    public const string AccountsChannel = "reel_accounts";
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenListenerAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {JobsChannel}; LISTEN {RevocationsChannel}; LISTEN {AccountsChannel};", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                // Whatever was sent while we were not listening is caught by acting as if everything changed.
                await CatchUpAsync(stoppingToken);
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
        if (channel == JobsChannel && node.Has("worker") && JobKind.All.Contains(payload))
            signal.Wake(payload);
        else if (channel == RevocationsChannel && node.Has("stream"))
            _ = RefreshRevocationsAsync();
        else if (channel == AccountsChannel)
            accounts.Forget(payload);
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        accounts.ForgetAll();
        if (node.Has("worker"))
        {
            foreach (var kind in JobKind.All) signal.Wake(kind);
        }
        if (node.Has("stream")) await revocations.RefreshAsync(cancellationToken);
    }

    private async Task RefreshRevocationsAsync()
    {
        try
        {
            await revocations.RefreshAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not read revoked playback links after a notification; the poll catches up");
        }
    }
}
