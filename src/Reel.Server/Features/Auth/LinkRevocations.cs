using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Auth;

/// <summary>
/// The current link generation of every video whose links were ever revoked, and of every share link that was revoked
/// or changed, read from the database every couple of seconds, so a stream node checks a token against them in memory.
/// A video or share missing here was never revoked (generation 0).
/// </summary>
internal sealed class LinkRevocations(VideoStore videos, ShareStore shares) : IDisposable
{
    // Revocations committed out of order (two nodes, a slow transaction) are caught by re-reading a trailing window.
    private static readonly long OverlapMs = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;
    private readonly ConcurrentDictionary<string, int> _generations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _shareGenerations = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private long _since;
    private long _sharesSince;

    /// <summary>Whether the token's video links and, when it came through a share, that share's are still current.</summary>
    public bool IsCurrent(StreamGrant grant) =>
        grant.Generation >= (_generations.TryGetValue(grant.VideoId, out var video) ? video : 0)
        && (grant.ShareId is not { } share || grant.ShareGeneration >= (_shareGenerations.TryGetValue(share, out var current) ? current : 0));

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var rows = await videos.RevokedSinceAsync(Math.Max(0, _since - OverlapMs), cancellationToken);
            foreach (var (id, generation, revokedAt) in rows)
            {
                _generations.AddOrUpdate(id, generation, (_, known) => Math.Max(known, generation));
                _since = Math.Max(_since, revokedAt);
            }
            foreach (var (id, generation, changedAt) in await shares.ChangedSinceAsync(Math.Max(0, _sharesSince - OverlapMs), cancellationToken))
            {
                _shareGenerations.AddOrUpdate(id, generation, (_, known) => Math.Max(known, generation));
                _sharesSince = Math.Max(_sharesSince, changedAt);
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose() => _refreshing.Dispose();
}

/// <summary>Keeps <see cref="LinkRevocations"/> current on a stream node.</summary>
internal sealed class LinkRevocationPoller(LinkRevocations revocations, IOptions<AuthOptions> options, ILogger<LinkRevocationPoller> logger) : BackgroundService
{
    // The first read happens at start-up, before the node serves anything; this keeps it current afterwards.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RevocationPollSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await revocations.RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not read revoked playback links; trying again");
            }
        }
    }
}
