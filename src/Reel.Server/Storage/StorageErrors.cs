using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Reel.Server.Storage;

/// <summary>
/// The one place that decides whether a failed storage request is worth trying again. Only the store being away or
/// busy is: no connection, a timeout that is not the caller's cancellation, a 5xx, throttling. Everything else S3
/// answers (403, 404, 400…) will be answered the same way next time, so it is a real failure (ADR 14).
/// </summary>
internal static class StorageErrors
{
    // Error codes S3 and S3-compatible stores use for "slow down" or "try again", some of them on a 4xx status.
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException", "SlowDown",
        "TooManyRequestsException", "RequestLimitExceeded", "BandwidthLimitExceeded", "RequestTimeout", "RequestTimeoutException",
        "PriorRequestNotComplete", "ServiceUnavailable", "InternalError", "OperationAborted", "IncompleteBody",
    };

    public static bool IsTransient(Exception error)
    {
        // A store that answered is judged by its answer, not by how the SDK wrapped it.
        if (error is AmazonServiceException { StatusCode: var status } service && status != 0)
        {
            return (int)status >= 500
                || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
                || TransientCodes.Contains(service.ErrorCode ?? "");
        }
        // No answer: the transport failed, or a timeout (HttpClient's carries a TimeoutException; the caller's own
        // cancellation carries none and is not an outage).
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or HttpIOException or SocketException or TimeoutException) return true;
        }
        return false;
    }

    /// <summary>
    /// What a person reads in a video's error for a refusal: no key, no raw SDK text (those go to the log). The error
    /// code is S3's fixed vocabulary; anything odd in it is dropped.
    /// </summary>
    public static string Reason(AmazonServiceException error)
    {
        var code = new string((error.ErrorCode ?? "").Where(char.IsAsciiLetterOrDigit).Take(64).ToArray());
        return (error.StatusCode, code) switch
        {
            (_, "NoSuchBucket") => "the object storage bucket does not exist (check the server's S3 settings).",
            (_, "NoSuchUpload") => "an unfinished upload was no longer in object storage.",
            (_, "NoSuchKey") or (HttpStatusCode.NotFound, _) => "a file it needs is missing from object storage.",
            (_, "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch") or (HttpStatusCode.Forbidden, _) =>
                "object storage refused access (check the server's S3 credentials and permissions).",
            (_, "") => $"object storage refused a request (HTTP {(int)error.StatusCode}).",
            _ => $"object storage refused a request ({code}).",
        };
    }
}
