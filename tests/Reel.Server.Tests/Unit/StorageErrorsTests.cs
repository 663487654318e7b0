using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Reel.Server.Storage;

namespace Reel.Server.Tests.Unit;

public sealed class StorageErrorsTests
{
    private static AmazonS3Exception Answer(HttpStatusCode status, string code) =>
        new($"{code} from the store", ErrorType.Sender, code, "request-1", status);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError")]
    [InlineData(HttpStatusCode.BadGateway, "")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequests")]
    [InlineData(HttpStatusCode.BadRequest, "RequestTimeout")]
    [InlineData(HttpStatusCode.BadRequest, "Throttling")]
    [InlineData(HttpStatusCode.Conflict, "OperationAborted")]
    public void An_answer_that_says_the_store_is_busy_or_broken_is_worth_trying_again(HttpStatusCode status, string code) =>
        Assert.True(StorageErrors.IsTransient(Answer(status, code)));

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.Forbidden, "SignatureDoesNotMatch")]
    [InlineData(HttpStatusCode.NotFound, "NoSuchKey")]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket")]
    [InlineData(HttpStatusCode.BadRequest, "InvalidArgument")]
    [InlineData(HttpStatusCode.BadRequest, "EntityTooSmall")]
    public void A_refusal_that_would_be_answered_the_same_next_time_is_not_retried(HttpStatusCode status, string code) =>
        Assert.False(StorageErrors.IsTransient(Answer(status, code)));

    [Fact]
    public void No_connection_a_broken_transfer_and_a_timeout_are_worth_trying_again()
    {
        Assert.True(StorageErrors.IsTransient(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(StorageErrors.IsTransient(new IOException("reset", new SocketException((int)SocketError.ConnectionReset))));
        Assert.True(StorageErrors.IsTransient(new HttpIOException(HttpRequestError.ResponseEnded)));
        Assert.True(StorageErrors.IsTransient(new TaskCanceledException("timed out", new TimeoutException())));
        // The SDK wraps some transport failures in a service exception that carries no answer.
        Assert.True(StorageErrors.IsTransient(new AmazonS3Exception("send failed", new HttpRequestException("down"))));
    }

    [Fact]
    public void The_callers_own_cancellation_a_full_disk_and_a_bad_client_setting_are_not_outages()
    {
        Assert.False(StorageErrors.IsTransient(new OperationCanceledException()));
        Assert.False(StorageErrors.IsTransient(new IOException("No space left on device")));
        Assert.False(StorageErrors.IsTransient(new AmazonClientException("No credentials")));
    }

    [Fact]
    public void The_reason_people_read_names_what_went_wrong_without_keys_or_raw_text()
    {
        var missing = StorageErrors.Reason(new AmazonS3Exception("The specified key does not exist: originals/abc/source.bin", ErrorType.Sender, "NoSuchKey", "r", HttpStatusCode.NotFound));
        Assert.Equal("a file it needs is missing from object storage.", missing);
        Assert.Contains("refused access", StorageErrors.Reason(Answer(HttpStatusCode.Forbidden, "AccessDenied")), StringComparison.Ordinal);
        Assert.Equal("object storage refused a request (InvalidArgument).", StorageErrors.Reason(Answer(HttpStatusCode.BadRequest, "Invalid<>Argument")));
    }
}
