using Reel.Server.Features.Streaming;

namespace Reel.Server.Tests.Unit;

public sealed class ByteRangeTests
{
    private const long FileLength = 1000;

    private static void AssertPartial(string header, long start, long end, long fileLength = FileLength)
    {
        var range = ByteRange.Parse(header, fileLength);

        Assert.Equal(new ByteRange(RangeKind.Partial, start, end), range);
        Assert.Equal(end - start + 1, range.Length);
    }

    private static void AssertKind(string? header, long fileLength, string kind) =>
        Assert.Equal(Enum.Parse<RangeKind>(kind), ByteRange.Parse(header, fileLength).Kind);

    [Fact]
    public void A_closed_range_is_served_as_it_is()
    {
        AssertPartial("bytes=0-499", 0, 499);
        AssertPartial("bytes=500-999", 500, 999);
        AssertPartial("bytes=7-7", 7, 7);
    }

    [Fact]
    public void An_open_range_runs_to_the_end_of_the_file()
    {
        AssertPartial("bytes=500-", 500, 999);
        AssertPartial("bytes=0-", 0, 999);
        AssertPartial("bytes=999-", 999, 999);
    }

    [Fact]
    public void A_suffix_range_is_the_last_bytes_of_the_file()
    {
        AssertPartial("bytes=-500", 500, 999);
        AssertPartial("bytes=-1", 999, 999);
    }

    [Fact]
    public void A_suffix_longer_than_the_file_is_the_whole_file_as_a_partial_response()
    {
        AssertPartial("bytes=-5000", 0, 999);
    }

    [Fact]
    public void An_end_beyond_the_file_is_clamped_to_the_last_byte()
    {
        AssertPartial("bytes=900-5000", 900, 999);
    }

    [Theory]
    [InlineData("bytes=-0")]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1200")]
    [InlineData("bytes=5000-6000")]
    [InlineData("bytes=500-499")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=1-x")]
    [InlineData("bytes=-")]
    [InlineData("bytes=")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=--5")]
    [InlineData("bytes")]
    public void A_malformed_or_unsatisfiable_range_is_unsatisfiable(string header)
    {
        var range = ByteRange.Parse(header, FileLength);

        Assert.Equal(RangeKind.Unsatisfiable, range.Kind);
        Assert.Equal(0, range.Length);
    }

    [Theory]
    [InlineData("items=0-1")]
    [InlineData("pages=2-")]
    [InlineData("bytes=0-1,5-9")]
    [InlineData("bytes=0-99, 200-299")]
    public void Another_unit_or_several_ranges_get_the_whole_file(string header)
    {
        Assert.Equal(new ByteRange(RangeKind.Whole, 0, 999), ByteRange.Parse(header, FileLength));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Without_a_range_header_the_whole_file_is_served(string? header)
    {
        var range = ByteRange.Parse(header, FileLength);

        Assert.Equal(new ByteRange(RangeKind.Whole, 0, 999), range);
        Assert.Equal(FileLength, range.Length);
    }

    [Fact]
    public void An_empty_file_is_served_whole_and_no_byte_of_it_can_be_asked_for()
    {
        var whole = ByteRange.Parse(null, 0);
        Assert.Equal(RangeKind.Whole, whole.Kind);
        Assert.Equal(0, whole.Length);

        AssertKind("bytes=0-", 0, "Unsatisfiable");
        AssertKind("bytes=0-0", 0, "Unsatisfiable");
        AssertKind("bytes=-1", 0, "Unsatisfiable");
    }

    [Theory]
    [InlineData(" bytes=0-499 ")]
    [InlineData("bytes = 0 - 499")]
    [InlineData("Bytes=0-499")]
    [InlineData("BYTES= 0-499")]
    public void Whitespace_and_the_case_of_the_unit_are_tolerated(string header)
    {
        AssertPartial(header, 0, 499);
    }

    [Fact]
    public void Ranges_of_files_beyond_4_GiB_are_read_as_64_bit_offsets()
    {
        const long big = 10L * 1024 * 1024 * 1024;

        AssertPartial("bytes=5368709120-", 5368709120, big - 1, big);
        AssertPartial("bytes=-100", big - 100, big - 1, big);
    }
}
