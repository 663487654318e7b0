namespace Reel.Server.Data;

/// <summary>
/// What this node does when another node's change reaches it through PostgreSQL <c>NOTIFY</c> on one channel. The
/// parts that care (workers, stream nodes, the account cache) implement it, so the database layer knows none of them.
/// </summary>
internal interface IClusterNotificationHandler
{
    /// <summary>The channel listened to; one of the <see cref="ClusterNotifications"/> constants.</summary>
    string Channel { get; }

    /// <summary>A notification arrived; called on the listener's connection, so it must return at once and never throw.</summary>
    void OnNotification(string payload);

    /// <summary>
    /// The node (re)connected: whatever was sent while it was not listening is caught by acting as if everything
    /// changed.
    /// </summary>
    Task CatchUpAsync(CancellationToken cancellationToken);
}
