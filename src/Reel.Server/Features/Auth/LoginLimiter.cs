using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// Slows password guessing: every attempt from one address, and every failed attempt on one account, counts within a
/// fixed window. Kept per node, in memory: a guesser spread over nodes gets at most the limit times the node count.
/// </summary>
internal sealed class LoginLimiter(IOptions<AuthOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Window> _byAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Window> _byAccount = new(StringComparer.OrdinalIgnoreCase);

    private TimeSpan Length => TimeSpan.FromMinutes(options.Value.LoginWindowMinutes);

    /// <summary>Counts an attempt from <paramref name="address"/>; returns how long to wait when it or the account is over its limit.</summary>
    public TimeSpan? Attempt(string address, string account)
    {
        var now = clock.GetUtcNow();
        var byAddress = Count(_byAddress, address, now);
        if (byAddress.Count > options.Value.LoginAttemptsPerIp) return byAddress.Start + Length - now;
        if (_byAccount.TryGetValue(account, out var failures) && failures.Start + Length > now && failures.Count >= options.Value.LoginAttemptsPerAccount)
            return failures.Start + Length - now;
        return null;
    }

    public void Failed(string account) => Count(_byAccount, account, clock.GetUtcNow());

    public void Succeeded(string account) => _byAccount.TryRemove(account, out _);

    private Window Count(ConcurrentDictionary<string, Window> windows, string key, DateTimeOffset now)
    {
        if (windows.Count > 100_000) Forget(windows, now);
        return windows.AddOrUpdate(key, _ => new Window(now, 1), (_, w) => w.Start + Length > now ? w with { Count = w.Count + 1 } : new Window(now, 1));
    }

    private void Forget(ConcurrentDictionary<string, Window> windows, DateTimeOffset now)
    {
        foreach (var (key, window) in windows)
            if (window.Start + Length <= now) windows.TryRemove(key, out _);
    }

    private sealed record Window(DateTimeOffset Start, int Count);
}
