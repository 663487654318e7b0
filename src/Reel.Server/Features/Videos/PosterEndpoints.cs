using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>A poster of the owner's choice, and back to the generated one.</summary>
internal static class PosterEndpoints
{
    internal sealed record PosterFrameRequest(double? AtSeconds);

    public static IEndpointRouteBuilder MapPosters(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos/{id}").WithTags("Videos");
        // The body is judged by its bytes (an image) or is JSON (a frame): described to OpenAPI only, as uploads are.
        videos.MapPut("/poster", SetAsync)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                var image = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["image/jpeg"] = image,
                        ["image/png"] = image,
                        ["image/webp"] = image,
                        ["application/json"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "atSeconds" },
                                Properties = new Dictionary<string, IOpenApiSchema> { ["atSeconds"] = new OpenApiSchema { Type = JsonSchemaType.Number } },
                            },
                        },
                    },
                };
                return Task.CompletedTask;
            })
            .WithSummary("Choose the poster: an image (JPEG, PNG or WebP, at most 10 MiB, made into a JPEG) or the frame at atSeconds");
        videos.MapDelete("/poster", ResetAsync).WithSummary("Go back to the generated poster");
        return app;
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> SetAsync(
        string id, HttpRequest request, Caller caller, VideoStore videos, Posters posters, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        VideoRecord? changed;
        if (request.HasJsonContentType())
        {
            PosterFrameRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<PosterFrameRequest>(cancellationToken);
            }
            catch (JsonException)
            {
                body = null;
            }
            if (body?.AtSeconds is not { } at) return Problems.BadRequest("invalid_position", "Send { \"atSeconds\": 12.5 } to pick a frame, or the image itself.");
            (changed, problem) = await posters.FromFrameAsync(video, at, cancellationToken);
        }
        else
        {
            // The server-wide 1 MiB limit on bodies is for JSON; an image may have up to 10 MiB.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = Posters.MaxImageBytes + 1;
            (changed, problem) = await posters.FromImageAsync(video, request.Body, request.ContentLength, cancellationToken);
        }
        return changed is null ? problem! : TypedResults.Ok(await views.RenderAsync(changed, caller, cancellationToken));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> ResetAsync(
        string id, Caller caller, VideoStore videos, Posters posters, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        return await posters.ResetAsync(video, cancellationToken) is { } reset
            ? TypedResults.Ok(await views.RenderAsync(reset, caller, cancellationToken))
            : Problems.NotFound();
    }
}
