using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// The roles each account holds now. An access token carries the roles of the moment it was signed, for up to
/// 15 minutes; requests are authorised with these instead, so a demotion or a deletion takes effect at once.
/// Each account is read from the database at most once per <c>Auth:AccountCacheSeconds</c>; the node that changes an
/// account forgets it at once, and on PostgreSQL every other node hears of the change by NOTIFY.
/// </summary>
internal sealed class AccountRights(AccountStore accounts, IOptions<AuthOptions> options, TimeProvider clock)
{
    // Signed-in accounts only ever get here (the key is a validated token's subject), so this holds the active
    // accounts; expired entries are swept once it grows past this.
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _changes;

    /// <summary>The account's roles now; null when it no longer exists.</summary>
    public async ValueTask<IReadOnlyList<string>?> CurrentRolesAsync(string userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_entries.TryGetValue(userId, out var cached) && cached.ExpiresAt > now) return cached.Roles;

        var seen = Interlocked.Read(ref _changes);
        var roles = (await accounts.RolesOfAsync(userId, cancellationToken))?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var lifetime = (long)(options.Value.AccountCacheSeconds * 1000);
        if (lifetime <= 0) return roles;
        var entry = new Entry(roles, now + lifetime);
        _entries[userId] = entry;
        // A change forgotten while we were reading may have come after our read: then what we read is not kept.
        // (Stored first, checked second: a change that comes after the check removes the entry itself.)
        if (Interlocked.Read(ref _changes) != seen) _entries.TryRemove(new KeyValuePair<string, Entry>(userId, entry));
        if (_entries.Count > SweepAbove) Sweep(now);
        return roles;
    }

    /// <summary>Called once a change to the account's roles or its deletion is committed.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref _changes);
        _entries.TryRemove(userId, out _);
    }

    /// <summary>After a lost notification connection, when any account may have changed unheard.</summary>
    public void ForgetAll()
    {
        Interlocked.Increment(ref _changes);
        _entries.Clear();
    }

    private void Sweep(long now)
    {
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now) _entries.TryRemove(pair);
        }
    }

    private sealed record Entry(IReadOnlyList<string>? Roles, long ExpiresAt);
}
