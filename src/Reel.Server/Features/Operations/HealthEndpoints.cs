using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Reel.Server.Data;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Operations;

internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" })).WithTags("Operations").WithSummary("The process is alive");
        app.MapGet("/readyz", ReadyAsync).WithTags("Operations").WithSummary("Database, storage and ffmpeg are usable");
        return app;
    }

    internal sealed record Check(string Name, bool Ok, string? Error);

    internal sealed record Readiness(string Status, IReadOnlyList<Check> Checks);

    private static async Task<Results<Ok<Readiness>, JsonHttpResult<Readiness>>> ReadyAsync(
        Database database, IMediaStorage storage, MediaTools media, ILogger<Readiness> logger, CancellationToken cancellationToken)
    {
        var checks = new List<Check>
        {
            await CheckAsync("database", async () =>
            {
                await using var connection = await database.OpenAsync(cancellationToken);
                await connection.ExecuteScalarAsync<long>("SELECT 1");
            }),
            await CheckAsync("storage", () => storage.CheckWritableAsync(cancellationToken)),
            await CheckAsync("ffmpeg", async () =>
            {
                if (!await media.AreUsableAsync(cancellationToken)) throw new InvalidOperationException("ffmpeg or ffprobe does not run.");
            }),
        };
        var ready = checks.All(c => c.Ok);
        var body = new Readiness(ready ? "ready" : "unavailable", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);

        async Task<Check> CheckAsync(string name, Func<Task> probe)
        {
            try
            {
                await probe();
                return new Check(name, true, null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Readiness check {Check} failed", name);
                return new Check(name, false, e.Message);
            }
        }
    }
}
