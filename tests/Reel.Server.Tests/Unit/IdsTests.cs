using Reel.Server.Infrastructure;

namespace Reel.Server.Tests.Unit;

public sealed class IdsTests
{
    private const string UrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [Fact]
    public void A_video_id_is_22_URL_safe_characters()
    {
        for (var i = 0; i < 200; i++)
        {
            var id = Ids.NewVideoId();

            Assert.Equal(22, id.Length);
            Assert.All(id, c => Assert.Contains(c, UrlSafe));
        }
    }

    [Fact]
    public void A_thousand_video_ids_are_all_different()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => Ids.NewVideoId()).ToList();

        Assert.Equal(1000, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Generated_ids_use_the_whole_alphabet_and_the_four_possible_last_characters()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => Ids.NewVideoId()).ToList();

        // 128 bits fill 21 characters and 2 bits of the 22nd, whose low 4 bits are always zero.
        Assert.Equal("AQgw", string.Concat(ids.Select(id => id[^1]).Distinct().Order()));
        Assert.Equal(UrlSafe.Length, ids.SelectMany(id => id[..^1]).Distinct().Count());
    }

    [Fact]
    public void Generated_ids_are_accepted_as_video_ids()
    {
        Assert.All(Enumerable.Range(0, 1000).Select(_ => Ids.NewVideoId()), id => Assert.True(Ids.IsVideoId(id), id));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Zz09-_Zz09-_Zz09-_Zz0Q")]
    [InlineData("_____________________w")]
    public void Well_formed_ids_are_accepted(string id)
    {
        Assert.True(Ids.IsVideoId(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAA/AAAAAAAAAAA")]
    [InlineData("..AAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAA..AAAAAAAAAA")]
    [InlineData("AAAAAAAAAA+AAAAAAAAAAA")]
    [InlineData("AAAAAAAAAA=AAAAAAAAAAA")]
    [InlineData("AAAAAAAAAA\\AAAAAAAAAAA")]
    [InlineData("AAAAAAAAAA AAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAB")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAz")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA-")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAé")]
    public void Anything_else_is_not_a_video_id(string? value)
    {
        Assert.False(Ids.IsVideoId(value));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA\n")]
    [InlineData("\nAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_valid_id_with_a_line_break_is_not_a_video_id(string value)
    {
        // Route values are URL-decoded, so "%0A" reaches the check as a real line break.
        Assert.False(Ids.IsVideoId(value));
    }

    [Fact]
    public void A_generation_tag_is_8_letters_or_digits()
    {
        var tags = Enumerable.Range(0, 500).Select(_ => Ids.NewGeneration()).ToList();

        Assert.All(tags, tag =>
        {
            Assert.Equal(8, tag.Length);
            Assert.All(tag, c => Assert.True(char.IsAsciiLetterOrDigit(c), tag));
        });
        Assert.Equal(500, tags.Distinct(StringComparer.Ordinal).Count());
    }
}
