extern alias ReelCli;

using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ReelCli::Reel.Cli;

namespace Reel.Server.Tests.Unit;

/// <summary>What the <c>reel</c> command works out without a server: which video an argument names, speeds, sizes, expiries.</summary>
public sealed class CliLogicTests
{
    private const string Id = "q3V7nH2xT0eYl8dF4bK9wA";

    [Theory]
    [InlineData("http://127.0.0.1:8080/watch/" + Id, "http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8080/watch/" + Id + "?t=42", "http://127.0.0.1:8080")]
    [InlineData("https://reel.example.com/watch/" + Id + "/#top", "https://reel.example.com")]
    [InlineData("  https://example.com/reel/watch/" + Id + "\n", "https://example.com/reel")]
    public void A_watch_url_as_reel_upload_prints_it_names_the_video_and_its_server(string text, string server)
    {
        var target = VideoTarget.Parse(text);

        Assert.Equal(new VideoTarget(Id, server), target);
    }

    [Fact]
    public void A_bare_id_names_the_video_on_the_chosen_server()
    {
        Assert.Equal(new VideoTarget(Id, null), VideoTarget.Parse(Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an id")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://127.0.0.1:8080/videos/" + Id)]
    [InlineData("http://127.0.0.1:8080/watch/a/b")]
    [InlineData("ftp://127.0.0.1/watch/" + Id)]
    public void Text_that_is_neither_an_id_nor_a_watch_url_is_a_usage_error(string text)
    {
        var error = Assert.Throws<CliException>(() => VideoTarget.Parse(text));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("watch URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watch_url_on_another_server_than_server_names_is_a_usage_error()
    {
        var config = new CliConfig(Path.Combine(Path.GetTempPath(), "reel-cli-unused"));

        Assert.Equal("http://a.test:8080", ReelApi.ResolveServer(null, config, "http://a.test:8080"));
        Assert.Equal("http://a.test:8080", ReelApi.ResolveServer("http://a.test:8080/", config, "http://a.test:8080"));
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => ReelApi.ResolveServer("http://b.test", config, "http://a.test:8080")).ExitCode);
    }

    [Fact]
    public void After_a_resume_the_speed_and_time_left_count_only_the_bytes_sent_in_this_run()
    {
        const long MiB = 1 << 20;
        var clock = new ManualClock();
        var rate = new TransferRate(1000 * MiB, clock);

        // An earlier run left 800 MiB on the server; this one sends 4 MiB a second for 10 s.
        rate.Report(800 * MiB);
        Assert.Null(rate.BytesPerSecond);
        Assert.Null(rate.Remaining);
        clock.Advance(TimeSpan.FromSeconds(10));
        rate.Report(840 * MiB);

        Assert.Equal(4.0 * MiB, rate.BytesPerSecond!.Value, precision: 6);
        Assert.Equal(TimeSpan.FromSeconds(40), rate.Remaining);
        Assert.Equal(40 * MiB, rate.SentThisRun);
        Assert.Equal(800 * MiB, rate.StartedAt);
        Assert.Equal("4.0 MiB/s", Units.Rate(rate.BytesPerSecond.Value));
        Assert.Equal("0:00:40", Units.TimeLeft(rate.Remaining));
    }

    [Fact]
    public void A_retry_that_finds_fewer_bytes_on_the_server_never_makes_the_speed_negative()
    {
        var clock = new ManualClock();
        var rate = new TransferRate(100_000, clock);
        rate.Report(50_000);
        clock.Advance(TimeSpan.FromSeconds(2));
        rate.Report(40_000);

        Assert.Equal(0, rate.SentThisRun);
        Assert.Equal(0.0, rate.BytesPerSecond!.Value);
        Assert.Null(rate.Remaining);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L << 20, "5.0 MiB")]
    [InlineData(3L << 29, "1.5 GiB")]
    public void Sizes_are_labelled_in_binary_units(long bytes, string text)
    {
        Assert.Equal(text, Units.Bytes(bytes));
    }

    [Fact]
    public void The_progress_shows_done_and_total_in_the_binary_unit_of_the_total()
    {
        Assert.Equal("12.0/45.5 MiB", Units.Done(12L << 20, (45L << 20) + (1L << 19)));
        Assert.Equal("0.5/2.0 GiB", Units.Done(1L << 29, 2L << 30));
        Assert.Equal("10/900 B", Units.Done(10, 900));
        Assert.Equal("-:--:--", Units.TimeLeft(null));
        Assert.Equal("2:03:04", Units.TimeLeft(new TimeSpan(2, 3, 4)));
    }

    [Fact]
    public void Sizes_given_on_the_command_line_read_K_M_and_G_as_binary_units()
    {
        Assert.Equal(4L << 20, Units.ParseSize("4M", "--limit-rate"));
        Assert.Equal(3L << 19, Units.ParseSize("1.5m", "--limit-rate"));
        Assert.Equal(1000, Units.ParseSize("1000", "--limit-rate"));
        Assert.Null(Units.ParseSize(null, "--limit-rate"));
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => Units.ParseSize("fast", "--limit-rate")).ExitCode);
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Now, in a zone two hours ahead of UTC all year, so that local and UTC readings differ.</summary>
    private static FakeTimeProvider ClockInPlusTwo()
    {
        var clock = new FakeTimeProvider(Now);
        clock.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("Test/PlusTwo", TimeSpan.FromHours(2), "Test/PlusTwo", "Test/PlusTwo"));
        return clock;
    }

    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("30m", 30)]
    [InlineData(" 90m\n", 90)]
    public void An_expiry_given_as_a_span_counts_from_now(string text, int minutes)
    {
        Assert.Equal(Now.AddMinutes(minutes), ShareExpiry.Parse(text, ClockInPlusTwo()));
    }

    [Theory]
    // A day: the link works through it, in the local zone, so it ends at the next local midnight.
    [InlineData("2027-01-31", "2027-01-31T22:00:00Z")]
    [InlineData("2027-01-31T18:00Z", "2027-01-31T18:00:00Z")]
    [InlineData("2027-01-31T18:00:30Z", "2027-01-31T18:00:30Z")]
    [InlineData("2027-01-31T18:00+01:00", "2027-01-31T17:00:00Z")]
    // Without an offset, a time is read in the local zone.
    [InlineData("2027-01-31T18:00", "2027-01-31T16:00:00Z")]
    [InlineData("2026-12-07T12:01", "2026-12-07T10:01:00Z")]
    public void An_expiry_given_as_a_day_or_a_time_is_that_moment(string text, string utc)
    {
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), ShareExpiry.Parse(text, ClockInPlusTwo()));
    }

    [Theory]
    [InlineData("", "not a time")]
    [InlineData("7", "not a time")]
    [InlineData("d", "not a time")]
    [InlineData("7x", "not a time")]
    [InlineData("-1d", "not a time")]
    [InlineData("1.5h", "not a time")]
    [InlineData("7D", "not a time")]
    [InlineData("30M", "not a time")]
    [InlineData("next week", "not a time")]
    [InlineData("2027-13-01", "not a time")]
    [InlineData("2027-01-31T25:00Z", "not a time")]
    [InlineData("31/01/2027", "not a time")]
    [InlineData("0d", "not in the future")]
    [InlineData("2026-12-06", "not in the future")]
    // Noon local is 10:00 UTC: the very moment it is now.
    [InlineData("2026-12-07T12:00", "not in the future")]
    [InlineData("2026-12-07T09:59Z", "not in the future")]
    [InlineData("99999999999d", "too far away")]
    [InlineData("9999-12-31", "too far away")]
    public void An_expiry_that_is_no_time_to_come_is_a_usage_error_that_names_it(string text, string problem)
    {
        var error = Assert.Throws<CliException>(() => ShareExpiry.Parse(text, ClockInPlusTwo()));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains($"--expires '{text}' is {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_day_whose_midnight_the_clocks_skip_ends_when_the_next_day_begins()
    {
        // Clocks go from +02:00 to +03:00 at midnight on 1 April: 2027-04-01T00:00 local never happens.
        var forward = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), 4, 1),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), 10, 1));
        var clock = new FakeTimeProvider(Now);
        clock.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("Test/MidnightSpring", TimeSpan.FromHours(2), "Test", "Test", "Test DST", [forward]));

        Assert.Equal(new DateTimeOffset(2027, 3, 31, 22, 0, 0, TimeSpan.Zero), ShareExpiry.Parse("2027-03-31", clock));
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => ShareExpiry.Parse("2027-04-01T00:30", clock)).ExitCode);
    }

    [Theory]
    [InlineData("Sh4reId0000000000000000", true)]
    [InlineData("http://127.0.0.1:8080/v/" + ShareKey, true)]
    [InlineData(" https://reel.example.com/reel/v/" + ShareKey + "/?from=chat#t=3 ", true)]
    [InlineData("/v/" + ShareKey, true)]
    [InlineData(ShareKey, true)]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:8080/v/", false)]
    [InlineData("http://127.0.0.1:8080/watch/" + Id, false)]
    [InlineData("http://127.0.0.1:8080/v/" + ShareKey + "x", false)]
    [InlineData("Sh4reId0000000000000001", false)]
    public void A_link_to_revoke_is_named_by_its_id_its_url_or_its_key(string given, bool names)
    {
        using var share = JsonDocument.Parse($$"""{"id":"Sh4reId0000000000000000","url":"/v/{{ShareKey}}"}""");

        Assert.Equal(names, Commands.NamesShare(share.RootElement, given));
    }

    private const string ShareKey = "k3y0fThirtyTwoCharacters_base64u";

    [Fact]
    public async Task A_caption_file_of_up_to_2_MiB_is_read_and_a_missing_or_larger_one_is_a_usage_error_before_any_request()
    {
        var dir = TempDirs.Create("reel-cli-captions");
        try
        {
            var largest = Path.Combine(dir, "largest.vtt");
            await File.WriteAllBytesAsync(largest, new byte[CaptionFile.MaxBytes]);
            var larger = Path.Combine(dir, "larger.srt");
            await File.WriteAllBytesAsync(larger, new byte[CaptionFile.MaxBytes + 1]);

            Assert.Equal(2 << 20, (await CaptionFile.ReadAsync(new FileInfo(largest), CancellationToken.None)).Length);
            var tooLarge = await Assert.ThrowsAsync<CliException>(() => CaptionFile.ReadAsync(new FileInfo(larger), CancellationToken.None));
            Assert.Equal(ExitCodes.Usage, tooLarge.ExitCode);
            Assert.Contains("at most 2 MiB", tooLarge.Message, StringComparison.Ordinal);
            var missing = await Assert.ThrowsAsync<CliException>(() => CaptionFile.ReadAsync(new FileInfo(Path.Combine(dir, "missing.srt")), CancellationToken.None));
            Assert.Equal((ExitCodes.Usage, "no such file."), (missing.ExitCode, missing.Message));
        }
        finally
        {
            TempDirs.Delete(dir);
        }
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
