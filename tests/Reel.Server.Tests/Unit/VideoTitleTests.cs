using Reel.Server.Features.Videos;

namespace Reel.Server.Tests.Unit;

public sealed class VideoTitleTests
{
    [Theory]
    [InlineData("clip.mp4", "clip")]
    [InlineData("my.holiday.mov", "my.holiday")]
    [InlineData("no extension", "no extension")]
    [InlineData(".mp4", ".mp4")]
    [InlineData("  Our  holiday.webm", "Our holiday")]
    public void A_title_taken_from_the_file_name_drops_its_extension(string fileName, string expected)
    {
        Assert.Null(VideoIntake.NewTitle(null, fileName, out var title));
        Assert.Equal(expected, title);
    }

    [Fact]
    public void A_title_the_client_chose_is_kept_with_its_dots()
    {
        Assert.Null(VideoIntake.NewTitle("final.cut.mp4", "other.mp4", out var title));
        Assert.Equal("final.cut.mp4", title);
    }

    [Fact]
    public void Without_a_title_or_a_file_name_the_video_is_untitled_and_a_blank_chosen_title_is_refused()
    {
        Assert.Null(VideoIntake.NewTitle(null, null, out var untitled));
        Assert.Equal("Untitled video", untitled);
        Assert.NotNull(VideoIntake.NewTitle("   ", "clip.mp4", out _));
    }
}
