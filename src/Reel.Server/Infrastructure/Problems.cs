using Microsoft.AspNetCore.Http.HttpResults;

namespace Reel.Server.Infrastructure;

/// <summary>problem+json answers with a machine-readable <c>code</c>.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(
            statusCode: status,
            title: title,
            detail: detail,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult NotFound(string what = "video") =>
        Create(StatusCodes.Status404NotFound, "not_found", "Not found", $"No such {what}.");

    /// <summary>401 for a request that needs a signed-in caller (or, for uploads, a key) and came without one.</summary>
    public static ProblemHttpResult SignInRequired(string detail) =>
        Create(StatusCodes.Status401Unauthorized, "sign_in_required", "Not signed in", detail);

    /// <summary>403 for a caller who may see the thing but not do this to it.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        Create(StatusCodes.Status403Forbidden, "forbidden", "Not allowed", detail);

    public static ProblemHttpResult BadRequest(string code, string detail) =>
        Create(StatusCodes.Status400BadRequest, code, "Bad request", detail);

    /// <summary>429 for password guessing (sign-in, share links), with the wait in <c>Retry-After</c>.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpResponse response, TimeSpan wait, string what)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status429TooManyRequests, "too_many_attempts", "Too many attempts",
            $"Too many {what}. Try again in {Math.Ceiling(seconds / 60.0)} minute(s).");
    }

    /// <summary>
    /// 503 while object storage cannot be reached: nothing was changed, and the same request can be sent again. Every
    /// 503 problem gets its Retry-After where problems are customised (Program), this one included.
    /// </summary>
    public static ProblemHttpResult StorageUnavailable(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, "storage_unavailable", "Storage unavailable", detail);

    public const string StorageRetryAfterSeconds = "10";

    /// <summary>
    /// The detail of a 415 the framework produced: a JSON endpoint was sent another type. The sent type is not echoed: a
    /// client's header has no place in an answer tools may log or show. (Uploads judge their type themselves.)
    /// </summary>
    public const string UnsupportedContentTypeDetail = "This endpoint does not take the request's Content-Type.";

    /// <summary>How to send a file to POST /api/videos, for any type the upload receiver refuses.</summary>
    public const string UploadContentTypes = "Send multipart/form-data with a 'file' part, or the video itself with Content-Type video/* (or the type of another format in GET /api/config) or application/octet-stream.";

    /// <summary>Default codes for answers the framework produces itself (unknown routes, wrong methods, crashes).</summary>
    public static string CodeFor(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "file_too_large",
        415 => "unsupported_content_type",
        429 => "too_many_attempts",
        503 => "storage_unavailable",
        _ when status >= 500 => "internal_error",
        _ => "error",
    };
}
