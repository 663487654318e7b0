using System.Globalization;

namespace Reel.Cli;

/// <summary>
/// When a share link made by <c>reel share --expires</c> stops working, from what a person types: a span from now
/// (<c>7d</c>, <c>12h</c>, <c>30m</c>), a day (<c>2027-01-31</c>: the link works through that day, in the local time
/// zone) or a moment (<c>2027-01-31T18:00Z</c>, with an offset, or without one in local time).
/// </summary>
internal static class ShareExpiry
{
    private const string Help = "give a span like 7d, 12h or 30m, a day like 2027-01-31 (the link works through that day), or a time like 2027-01-31T18:00Z";

    private static readonly string[] WithOffset =
    [
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
    ];

    private static readonly string[] Local = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    /// <summary>The moment the link expires, which is after <paramref name="clock"/>'s now; a usage error otherwise.</summary>
    public static DateTimeOffset Parse(string text, TimeProvider clock)
    {
        var given = text.Trim();
        var now = clock.GetUtcNow();
        var at = Span(given) is { } span ? Add(now, span, text)
            : Day(given) is { } day ? EndOfDay(day, clock.LocalTimeZone, text)
            : Moment(given, clock.LocalTimeZone, text)
              ?? throw new CliException(ExitCodes.Usage, $"--expires '{text}' is not a time; {Help}.");
        // The server refuses a past expiry too, but only after the request; a typo should cost nothing.
        return at > now ? at : throw new CliException(ExitCodes.Usage, $"--expires '{text}' is not in the future; {Help}.");
    }

    /// <summary>"7d", "12h", "30m": a whole number of days, hours or minutes.</summary>
    private static TimeSpan? Span(string text)
    {
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
        // Lower case only: "30M" could as well mean months.
        var unit = text[^1] switch { 'd' => TimeSpan.TicksPerDay, 'h' => TimeSpan.TicksPerHour, 'm' => TimeSpan.TicksPerMinute, _ => 0L };
        if (unit == 0) return null;
        return count <= TimeSpan.MaxValue.Ticks / unit ? TimeSpan.FromTicks(count * unit) : TimeSpan.MaxValue;
    }

    private static DateTimeOffset Add(DateTimeOffset now, TimeSpan span, string text) =>
        span < DateTimeOffset.MaxValue - now ? now + span
        : throw new CliException(ExitCodes.Usage, $"--expires '{text}' is too far away; leave --expires out for a link that never expires.");

    private static DateOnly? Day(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    /// <summary>
    /// Midnight after the day, in the zone: "expires 2027-01-31" reads as "works on the 31st", as a date picker's expiry
    /// does in shared-file services.
    /// </summary>
    private static DateTimeOffset EndOfDay(DateOnly day, TimeZoneInfo zone, string text)
    {
        if (day == DateOnly.MaxValue) throw new CliException(ExitCodes.Usage, $"--expires '{text}' is too far away; leave --expires out for a link that never expires.");
        var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // Where the clocks go forward at midnight, that midnight does not exist: the day ends at the first minute that does.
        while (zone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }

    private static DateTimeOffset? Moment(string text, TimeZoneInfo zone, string given)
    {
        if (DateTimeOffset.TryParseExact(text, WithOffset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var exact)) return exact;
        if (!DateTime.TryParseExact(text, Local, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return null;
        if (zone.IsInvalidTime(local))
            throw new CliException(ExitCodes.Usage, $"--expires '{given}' does not exist in your time zone (the clocks skip it); give another time, or one with an offset like 2027-01-31T18:00Z.");
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
