using System.Text.Json.Nodes;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Integration;

/// <summary>
/// The web client's types are generated from the copy of /openapi/v1.json kept in web/src/lib (npm run check holds
/// the types to that copy); this holds the copy to what the server serves, so neither can drift unnoticed.
/// </summary>
public sealed class OpenApiContractTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Regenerate = "scripts/openapi.sh";

    [Fact]
    public async Task The_committed_openapi_document_is_the_one_the_server_serves()
    {
        var server = shared.Server;
        var served = JsonNode.Parse(await server.Client.GetStringAsync("/openapi/v1.json"))!;
        var committedPath = Path.Combine(ReelServer.RepoRoot(), "web", "src", "lib", "openapi.json");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(committedPath))!;

        var difference = FirstDifference(served, committed, "$");
        Assert.True(difference is null,
            $"web/src/lib/openapi.json differs from the server's /openapi/v1.json at {difference}. Run `{Regenerate}` to regenerate it and web/src/lib/api-types.ts, and commit both.");
    }

    [Fact]
    public async Task The_document_names_the_video_statuses_and_the_problem_answers()
    {
        var server = shared.Server;
        var document = JsonNode.Parse(await server.Client.GetStringAsync("/openapi/v1.json"))!;

        var video = document["components"]!["schemas"]!["VideoDto"]!;
        Assert.Equal(["uploading", "queued", "processing", "ready", "failed"], video["properties"]!["status"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("integer", video["properties"]!["sizeBytes"]!["type"]!.GetValue<string>());
        Assert.Null(document["servers"]);
        var failure = document["paths"]!["/api/videos/{id}"]!["get"]!["responses"]!["default"]!["content"]!["application/problem+json"]!;
        Assert.Equal("#/components/schemas/Problem", failure["schema"]!["$ref"]!.GetValue<string>());
        Assert.Contains("code", document["components"]!["schemas"]!["Problem"]!["required"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    /// <summary>The JSON path of the first place the two differ (object members in any order), or null when they agree.</summary>
    private static string? FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        if (a is JsonObject x && b is JsonObject y)
        {
            foreach (var (name, value) in x)
            {
                if (!y.ContainsKey(name)) return $"{path}.{name} (only in the served document)";
                if (FirstDifference(value, y[name], $"{path}.{name}") is { } inner) return inner;
            }
            return y.Select(p => p.Key).FirstOrDefault(name => !x.ContainsKey(name)) is { } extra ? $"{path}.{extra} (only in the committed copy)" : null;
        }
        if (a is JsonArray p && b is JsonArray q)
        {
            for (var i = 0; i < Math.Max(p.Count, q.Count); i++)
            {
                if (i >= p.Count || i >= q.Count) return $"{path}[{i}] (the arrays differ in length)";
                if (FirstDifference(p[i], q[i], $"{path}[{i}]") is { } inner) return inner;
            }
            return null;
        }
        return JsonNode.DeepEquals(a, b) ? null : $"{path} (served {a?.ToJsonString() ?? "null"}, committed {b?.ToJsonString() ?? "null"})";
    }
}
