using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Infrastructure;

namespace Reel.Server.Features.Videos;

/// <summary>Captions (uploaded SRT or WebVTT, or from the source) and chapters of a video (issue 17).</summary>
internal static class CaptionEndpoints
{
    internal sealed record CaptionChange(string? Language, string? Label, bool? Default);

    public static IEndpointRouteBuilder MapCaptions(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos/{id}").WithTags("Captions");
        videos.MapPost("/captions", AddAsync)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = MultipartBody(new Dictionary<string, IOpenApiSchema>
                {
                    ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                    ["language"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["label"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["default"] = new OpenApiSchema { Type = JsonSchemaType.Boolean },
                }, "file", "language");
                return Task.CompletedTask;
            })
            .WithSummary("Add captions (multipart: file as SRT or WebVTT, language, optional label and default); a second upload in a language replaces its file");
        videos.MapGet("/captions", ListAsync).WithSummary("The video's captions");
        videos.MapPatch("/captions/{captionId}", ChangeAsync).WithSummary("Change a caption's language, label or default flag");
        videos.MapDelete("/captions/{captionId}", RemoveAsync).WithSummary("Remove a caption");
        videos.MapPut("/chapters", SetChaptersAsync)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = MultipartBody(new Dictionary<string, IOpenApiSchema>
                {
                    ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                }, "file");
                return Task.CompletedTask;
            })
            .WithSummary("Chapters from a WebVTT chapters file (multipart: file), in place of the source's");
        videos.MapDelete("/chapters", ResetChaptersAsync).WithSummary("Back to the source's chapters");
        return app;
    }

    private static async Task<Results<Created<CaptionDto>, ProblemHttpResult>> AddAsync(
        string id, HttpRequest request, Caller caller, VideoStore videos, Captions captions, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (form, refused) = await ReadFormAsync(request, cancellationToken);
        if (form is null) return refused!;
        var isDefault = form.Fields["default"].FirstOrDefault();
        if (isDefault is not (null or "" or "true" or "false"))
            return Problems.BadRequest("invalid_request", "default is true or false.");
        var (caption, failed) = await captions.AddAsync(video, new CaptionUpload(
            form.File, form.Fields["language"].FirstOrDefault(), form.Fields["label"].FirstOrDefault(), isDefault is "true" ? true : isDefault is "false" ? false : null),
            cancellationToken);
        if (caption is null) return failed!;
        return TypedResults.Created($"/api/videos/{id}/captions/{caption.Id}", await views.CaptionAsync(caption, cancellationToken));
    }

    private static async Task<Results<Ok<CaptionList>, ProblemHttpResult>> ListAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken) =>
        await VideoAccess.VisibleAsync(id, caller, videos, cancellationToken) is { } video
            ? TypedResults.Ok(new CaptionList(await views.CaptionsAsync(video, cancellationToken)))
            : Problems.NotFound();

    private static async Task<Results<Ok<CaptionDto>, ProblemHttpResult>> ChangeAsync(
        string id, string captionId, CaptionChange body, Caller caller, VideoStore videos, Captions captions, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (caption, failed) = await captions.ChangeAsync(video, captionId, body.Language, body.Label, body.Default, cancellationToken);
        return caption is null ? failed! : TypedResults.Ok(await views.CaptionAsync(caption, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string id, string captionId, Caller caller, VideoStore videos, Captions captions, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        return await captions.RemoveAsync(video, captionId, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("caption");
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> SetChaptersAsync(
        string id, HttpRequest request, Caller caller, VideoStore videos, Captions captions, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (form, refused) = await ReadFormAsync(request, cancellationToken);
        if (form is null) return refused!;
        var (changed, failed) = await captions.SetChaptersAsync(video, form.File, cancellationToken);
        return changed is null ? failed! : TypedResults.Ok(await views.RenderAsync(changed, caller, cancellationToken));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> ResetChaptersAsync(
        string id, Caller caller, VideoStore videos, Captions captions, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (video is null) return problem!;
        var (changed, failed) = await captions.SetChaptersAsync(video, null, cancellationToken);
        return changed is null ? failed! : TypedResults.Ok(await views.RenderAsync(changed, caller, cancellationToken));
    }

    private sealed record CaptionForm(byte[] File, IFormCollection Fields);

    /// <summary>A multipart form with one <c>file</c> of at most <see cref="Captions.MaxFileBytes"/>, read whole.</summary>
    private static async Task<(CaptionForm? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_type", "Unsupported content type",
                "Send multipart/form-data with the file in a part named 'file'."));
        // The server-wide 1 MiB limit on bodies is for JSON; a caption file may have 2 MiB, with room for the form around it.
        const long limit = Captions.MaxFileBytes + (64 * 1024);
        if (request.ContentLength > limit) return (null, TooLarge());
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } ? TooLarge()
                : Problems.BadRequest("invalid_multipart", "The form could not be read as multipart/form-data."));
        }
        if (form.Files.GetFile("file") is not { } file) return (null, Problems.BadRequest("missing_file", "Send the file in a part named 'file'."));
        if (file.Length > Captions.MaxFileBytes) return (null, TooLarge());
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return (new CaptionForm(buffer.ToArray(), form), null);
    }

    private static OpenApiRequestBody MultipartBody(Dictionary<string, IOpenApiSchema> properties, params string[] required) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.Object, Required = new HashSet<string>(required), Properties = properties },
            },
        },
    };

    private static ProblemHttpResult TooLarge() =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "file_too_large", "File too large", $"A caption or chapters file has at most {Captions.MaxFileBytes / (1024 * 1024)} MiB.");
}
