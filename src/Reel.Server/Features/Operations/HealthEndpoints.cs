using Microsoft.AspNetCore.Http.HttpResults;

namespace Reel.Server.Features.Operations;

internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" })).WithTags("Operations").WithSummary("The process is alive");
        app.MapGet("/readyz", ReadyAsync).WithTags("Operations").WithSummary("Database, storage and ffmpeg are usable");
        return app;
    }

    private static async Task<Results<Ok<Readiness>, JsonHttpResult<Readiness>>> ReadyAsync(ReadinessProbe probe, CancellationToken cancellationToken)
    {
        var readiness = await probe.CheckAsync(cancellationToken);
        return readiness.Status == "ready" ? TypedResults.Ok(readiness) : TypedResults.Json(readiness, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
