using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>A stream node re-reads revoked playback links as soon as another node revokes some.</summary>
internal sealed class RevocationNotifications(LinkRevocations revocations, NodeSettings node, ILogger<RevocationNotifications> logger) : IClusterNotificationHandler
{
    public string Channel => ClusterNotifications.RevocationsChannel;

    public void OnNotification(string payload)
    {
        if (node.Has("stream")) _ = RefreshAsync();
    }

    public Task CatchUpAsync(CancellationToken cancellationToken) =>
        node.Has("stream") ? revocations.RefreshAsync(cancellationToken) : Task.CompletedTask;

    private async Task RefreshAsync()
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
