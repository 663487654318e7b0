using Reel.Server.Features.Web;

namespace Reel.Server.Tests.Unit;

public sealed class PrecompressedFilesTests
{
    private static string? Chosen(string? acceptEncoding, bool brotli = true, bool gzip = true) =>
        PrecompressedFiles.Choose(acceptEncoding, copy => copy == PrecompressedFiles.Brotli ? brotli : gzip)?.Coding;

    [Theory]
    [InlineData("gzip, deflate, br, zstd")]
    [InlineData("br")]
    [InlineData("BR;q=1.0, GZIP")]
    [InlineData("*")]
    [InlineData("gzip;q=0.8, *;q=0.9")]
    public void A_browser_that_takes_brotli_gets_brotli(string acceptEncoding) =>
        Assert.Equal("br", Chosen(acceptEncoding));

    [Theory]
    [InlineData("gzip, deflate")]
    [InlineData("x-gzip")]
    [InlineData("gzip, br;q=0")]
    [InlineData("br;q=0.5, gzip")]
    [InlineData("*, br;q=0")]
    public void A_client_that_prefers_gzip_or_refuses_brotli_gets_gzip(string acceptEncoding) =>
        Assert.Equal("gzip", Chosen(acceptEncoding));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("identity")]
    [InlineData("deflate, zstd")]
    [InlineData("br;q=0, gzip;q=0")]
    [InlineData("*;q=0")]
    [InlineData("gzip;q=0.000, br;q=0")]
    public void A_client_that_accepts_neither_gets_the_file_itself(string? acceptEncoding) =>
        Assert.Null(Chosen(acceptEncoding));

    [Fact]
    public void Only_a_copy_the_build_wrote_is_chosen()
    {
        Assert.Equal("gzip", Chosen("br, gzip", brotli: false));
        Assert.Equal("br", Chosen("br, gzip", gzip: false));
        Assert.Null(Chosen("br", brotli: false));
        Assert.Null(Chosen("br, gzip", brotli: false, gzip: false));
    }

    [Fact]
    public void Copies_are_not_looked_for_when_the_client_takes_neither()
    {
        var looked = 0;
        Assert.Null(PrecompressedFiles.Choose("identity", _ => { looked++; return true; }));
        Assert.Equal(0, looked);
    }

    [Theory]
    [InlineData("br;q=")]
    [InlineData("gzip;q=abc")]
    public void An_unreadable_header_gets_the_file_itself(string acceptEncoding) =>
        Assert.Null(Chosen(acceptEncoding));
}
