using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Processing;

/// <summary>A job queued on another node wakes this node's idle workers at once instead of at their next poll.</summary>
internal sealed class JobWakeups(WorkSignal signal, NodeSettings node) : IClusterNotificationHandler
{
    public string Channel => ClusterNotifications.JobsChannel;

    public void OnNotification(string payload)
    {
        if (node.Has("worker") && JobKind.All.Contains(payload)) signal.Wake(payload);
    }

    public Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (node.Has("worker"))
        {
            foreach (var kind in JobKind.All) signal.Wake(kind);
        }
        return Task.CompletedTask;
    }
}
