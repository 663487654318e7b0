using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Features.Videos;

namespace Reel.Server.Features.Operations;

/// <summary>
/// Makes /openapi/v1.json exact enough to generate the web client's types from (web/src/lib/api-types.ts): the
/// closed sets of strings become enums, numbers are numbers, every API call says it fails with problem+json, and the
/// document is the same whichever address it was fetched from, so the copy kept in the repository can be compared.
/// </summary>
internal static class OpenApiContract
{
    public const string ProblemSchema = "Problem";

    /// <summary>Hooks the transformers into <c>AddOpenApi</c>.</summary>
    public static void Describe(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            NumbersAreNumbers(schema);
            NameTheClosedSets(schema, context.JsonTypeInfo.Type);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            // The server list would hold the address this copy was fetched from: a test server's random port.
            document.Servers?.Clear();
            AddProblemResponses(document);
            return Task.CompletedTask;
        });
    }

    // The web defaults read numbers from strings too, so the generator writes `number | string` with a pattern; every
    // answer writes them as numbers, and clients should send numbers.
    private static void NumbersAreNumbers(OpenApiSchema schema)
    {
        if (schema.Type is not { } type || !type.HasFlag(JsonSchemaType.String)) return;
        if (!type.HasFlag(JsonSchemaType.Integer) && !type.HasFlag(JsonSchemaType.Number)) return;
        schema.Type = type & ~JsonSchemaType.String;
        schema.Pattern = null;
    }

    // The DTOs carry these as strings (they are stored as text); the values are the ones the code writes.
    private static readonly Dictionary<(Type Owner, string Property), string[]> ClosedSets = new()
    {
        [(typeof(VideoDto), "status")] = [VideoStatus.Uploading, VideoStatus.Queued, VideoStatus.Processing, VideoStatus.Ready, VideoStatus.Failed],
        // As VideoEndpoints validates a PATCH.
        [(typeof(VideoDto), "visibility")] = ["public", "unlisted", "private"],
        [(typeof(PatchVideoRequest), "visibility")] = ["public", "unlisted", "private"],
        // As SourceInfo.Describe names them.
        [(typeof(SourceVideoInfo), "hdr")] = ["hlg", "pq", "dolby-vision"],
        [(typeof(SourceAudioInfo), "fate")] = [SourceInfo.Played, SourceInfo.Alternate, SourceInfo.Dropped],
        [(typeof(SourceSubtitleInfo), "fate")] = [SourceInfo.Dropped],
    };

    private static void NameTheClosedSets(OpenApiSchema schema, Type type)
    {
        if (schema.Properties is null) return;
        foreach (var (name, property) in schema.Properties)
        {
            if (!ClosedSets.TryGetValue((type, name), out var values) || property is not OpenApiSchema inline) continue;
            var nullable = inline.Type?.HasFlag(JsonSchemaType.Null) == true;
            inline.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            // A nullable enum lists null among its values too, or the schema would refuse the null it allows.
            if (nullable) inline.Enum.Add(null!);
        }
    }

    // Every refusal of the API is problem+json with a machine-readable code (Problems, and the framework's own answers
    // as Program customises them).
    private static void AddProblemResponses(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An error (RFC 9457 problem details) with a machine-readable code.",
            Required = new HashSet<string> { "status", "title", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short, fixed summary of the kind of error." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, as a sentence a person can read." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable, machine-readable, e.g. not_found, quota_exceeded." },
            },
        };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Responses ??= [];
                operation.Responses["default"] = new OpenApiResponse
                {
                    Description = "Refused or failed: problem+json with a machine-readable code.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
                    },
                };
            }
        }
    }
}
