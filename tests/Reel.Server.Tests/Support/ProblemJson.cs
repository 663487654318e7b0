using System.Net;
using System.Text.Json;

namespace Reel.Server.Tests.Support;

internal static class ProblemJson
{
    /// <summary>Asserts a problem+json answer of the status and machine-readable code; returns its body.</summary>
    public static async Task<string> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        return body;
    }
}
