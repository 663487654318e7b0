using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Tests.Support;

namespace Reel.Server.Tests.Unit;

/// <summary>
/// Each media limit setting, bound as the server binds it, refuses a source beyond it when the upload is judged (real
/// ffprobe through MediaTools). One server test (BadUploadTests) shows the refusal over HTTP, before any decoding.
/// </summary>
public sealed class MediaLimitSettingsTests
{
    [Theory]
    [InlineData("Processing:MaxWidth", "320")]
    [InlineData("Processing:MaxHeight", "180")]
    [InlineData("Processing:MaxPixels", "100000")]
    [InlineData("Processing:MaxDurationSeconds", "2")]
    [InlineData("Processing:MaxStreams", "1")]
    public async Task A_video_beyond_a_configured_media_limit_is_refused_and_within_the_defaults_accepted(string setting, string value)
    {
        // The 640x360, 4 s clip with a video and an audio stream: beyond each of the limits above, within the defaults.
        var source = await Clips.PathAsync(Clips.Mov);

        var refused = await ToolsWith(new() { [setting] = value }).ProbeAsync(source, CancellationToken.None);
        var accepted = await ToolsWith([]).ProbeAsync(source, CancellationToken.None);

        Assert.Equal("media_limits_exceeded", refused.Problem?.Code);
        Assert.Null(accepted.Problem);
    }

    private static MediaTools ToolsWith(Dictionary<string, string?> settings)
    {
        var options = new ProcessingOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ProcessingOptions.Section).Bind(options);
        return new MediaTools(Options.Create(options), NullLogger<MediaTools>.Instance);
    }
}
