using System.Security.Cryptography;
using System.Text;
using Reel.Server.Features.Uploads;

namespace Reel.Server.Tests.Unit;

public sealed class TusHeaderTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Metadata_pairs_are_decoded_and_a_key_may_have_no_value()
    {
        Assert.True(TusEndpoints.TryParseMetadata($"filename {B64("holiday ☀.mp4")}, title {B64("Sea")},is_confidential", out var metadata));

        Assert.Equal("holiday ☀.mp4", metadata["filename"]);
        Assert.Equal("Sea", metadata["title"]);
        Assert.Null(metadata["is_confidential"]);
    }

    [Fact]
    public void No_metadata_is_an_empty_set()
    {
        Assert.True(TusEndpoints.TryParseMetadata(null, out var none));
        Assert.Empty(none);
        Assert.True(TusEndpoints.TryParseMetadata("  ", out var blank));
        Assert.Empty(blank);
    }

    [Theory]
    [InlineData("filename not-base64!")]
    [InlineData("filename a b")]
    [InlineData(",title aGk=")]
    [InlineData("title aGk=,title aGk=")]
    [InlineData("title //79")]
    public void Malformed_metadata_is_refused(string header) =>
        Assert.False(TusEndpoints.TryParseMetadata(header, out _));

    [Fact]
    public void A_checksum_names_a_known_algorithm_and_its_base64_digest()
    {
        var body = "some bytes"u8.ToArray();
        Assert.True(TusEndpoints.TryParseChecksum("sha256 " + Convert.ToBase64String(SHA256.HashData(body)), out var checksum));

        checksum!.Value.Hash.AppendData(body);
        Assert.Equal(SHA256.HashData(body), checksum.Value.Hash.GetHashAndReset());
        Assert.Equal(SHA256.HashData(body), checksum.Value.Expected);
    }

    [Theory]
    [InlineData("crc32 AAAAAA==")]
    [InlineData("sha1")]
    [InlineData("sha1 !!!")]
    [InlineData("sha1 AAAA extra")]
    public void An_unknown_or_malformed_checksum_is_refused(string header) =>
        Assert.False(TusEndpoints.TryParseChecksum(header, out _));

    [Fact]
    public void No_checksum_header_means_none()
    {
        Assert.True(TusEndpoints.TryParseChecksum(null, out var checksum));
        Assert.Null(checksum);
    }
}
