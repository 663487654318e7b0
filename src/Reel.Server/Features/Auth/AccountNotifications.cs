using Reel.Server.Data;

namespace Reel.Server.Features.Auth;

/// <summary>An account whose roles changed, or that was deleted, on another node is forgotten here at once.</summary>
internal sealed class AccountNotifications(AccountRights accounts) : IClusterNotificationHandler
{
    public string Channel => ClusterNotifications.AccountsChannel;

    public void OnNotification(string payload) => accounts.Forget(payload);

    public Task CatchUpAsync(CancellationToken cancellationToken)
    {
        accounts.ForgetAll();
        return Task.CompletedTask;
    }
}
