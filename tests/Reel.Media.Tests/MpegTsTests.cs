using System.Globalization;
using Reel.Media.Tests.Support;

namespace Reel.Media.Tests;

/// <summary>Where a segment's timestamps start, read from its first bytes, is what ffprobe says of the whole segment.</summary>
public sealed class MpegTsTests
{
    [Theory]
    [InlineData("mpegts")]
    [InlineData("hls")]
    public async Task The_first_timestamp_read_from_a_segments_head_is_the_start_ffprobe_reports(string muxer)
    {
        using var dir = new TempDirectory();
        var output = muxer == "hls" ? dir.File("index.m3u8") : dir.File("segment.ts");
        await Ffmpeg.RunAsync([
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-c:a", "aac",
            .. muxer == "hls" ? ["-f", "hls", "-hls_time", "1", "-hls_segment_filename", dir.File("seg-%d.ts"), output] : new[] { "-f", "mpegts", output },
        ]);
        var segment = muxer == "hls" ? dir.File("seg-0.ts") : output;
        var bytes = await File.ReadAllBytesAsync(segment);

        var pts = MpegTs.FirstPts(bytes.AsSpan(0, Math.Min(bytes.Length, MpegTs.HeadBytes)));

        var run = await MediaProcess.RunAsync(Ffmpeg.FfprobePath, ["-v", "error", "-show_entries", "format=start_time", "-of", "csv=p=0", segment],
            new MediaRunOptions { Timeout = TimeSpan.FromSeconds(30), CaptureOutput = true }, CancellationToken.None);
        var start = double.Parse(run.Output.Trim(), CultureInfo.InvariantCulture);
        Assert.NotNull(pts);
        Assert.Equal(start * 90_000, pts.Value, precision: 0);
    }

    [Fact]
    public void Bytes_that_are_not_a_transport_stream_have_no_timestamp()
    {
        Assert.Null(MpegTs.FirstPts("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"u8));
        Assert.Null(MpegTs.FirstPts(new byte[MpegTs.PacketSize * 3]));
    }
}
