using Dapper;
using Reel.Server.Data;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Operations;

/// <summary>One dependency and whether it is usable: names and states only, never an exception's text.</summary>
internal sealed record ReadinessCheck(string Name, string State);

internal sealed record Readiness(string Status, IReadOnlyList<ReadinessCheck> Checks);

/// <summary>
/// Whether this node can serve: the database answers, storage takes a write, ffmpeg runs. /readyz is public and polled
/// by load balancers, so a result is reused for a few seconds (one check at a time, whoever asks), and ffmpeg, which
/// does not change under a running server, is started only until it has run once.
/// </summary>
internal sealed class ReadinessProbe(Database database, IMediaStorage storage, MediaTools media, TimeProvider clock, ILogger<ReadinessProbe> logger) : IDisposable
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private Readiness? _last;
    private long _lastAt;
    private bool _ffmpegRan;

    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } known) return known;
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } justChecked) return justChecked;
            List<ReadinessCheck> checks =
            [
                await CheckAsync("database", async () =>
                {
                    await using var connection = await database.OpenAsync(cancellationToken);
                    await connection.ExecuteScalarAsync<long>("SELECT 1");
                }),
                await CheckAsync("storage", () => storage.CheckWritableAsync(cancellationToken)),
                await CheckAsync("ffmpeg", async () =>
                {
                    if (!_ffmpegRan && !await media.AreUsableAsync(cancellationToken)) throw new InvalidOperationException("ffmpeg or ffprobe does not run.");
                    _ffmpegRan = true;
                }),
            ];
            _last = new Readiness(checks.All(c => c.State == "ok") ? "ready" : "unavailable", checks);
            _lastAt = clock.GetTimestamp();
            return _last;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public void Dispose() => _oneAtATime.Dispose();

    private Readiness? Fresh() => _last is { } last && clock.GetElapsedTime(_lastAt) < ReuseFor ? last : null;

    private async Task<ReadinessCheck> CheckAsync(string name, Func<Task> probe)
    {
        try
        {
            await probe();
            return new ReadinessCheck(name, "ok");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The reason goes to the log, where operators look; the public answer says only what failed.
            logger.LogWarning(e, "Readiness check {Check} failed", name);
            return new ReadinessCheck(name, "failed");
        }
    }
}
