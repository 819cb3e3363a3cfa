using System.Globalization;

namespace VoucherRules;

/// <summary>
/// A wall-clock time of day in a campaign's zone. 24:00 is allowed and means the end of the day
/// (00:00 of the next day), because bureaus write deadlines as "24:00 on 03-31".
/// </summary>
public readonly record struct WallClock
{
    public WallClock(int hour, int minute)
    {
        if (hour is < 0 or > 24 || minute is < 0 or > 59 || (hour == 24 && minute != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(hour), $"{hour}:{minute} is not a wall-clock time between 00:00 and 24:00.");
        }

        Hour = hour;
        Minute = minute;
    }

    public int Hour { get; }

    public int Minute { get; }

    public static WallClock Midnight { get; } = new(0, 0);

    public static WallClock EndOfDay { get; } = new(24, 0);

    public int MinutesSinceMidnight => (Hour * 60) + Minute;

    /// <summary>Parses "HH:mm" (also "24:00").</summary>
    public static WallClock Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
            || parts[1].Length != 2)
        {
            throw new FormatException($"'{text}' is not a time of day written as HH:mm.");
        }

        return new WallClock(hour, minute);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Hour:00}:{Minute:00}");
}

/// <summary>A half-open span of instants [Start, End); a null end is open-ended.</summary>
public readonly record struct TimeWindow(DateTimeOffset Start, DateTimeOffset? End)
{
    public bool Contains(DateTimeOffset instant) => instant >= Start && (End is null || instant < End.Value);

    public bool IsEmpty => End is { } end && end <= Start;

    /// <summary>This window with its end pulled in to <paramref name="latestEnd"/> when that is earlier.</summary>
    public TimeWindow ClippedTo(DateTimeOffset? latestEnd) =>
        latestEnd is { } limit && (End is null || limit < End.Value) ? this with { End = limit } : this;
}

/// <summary>Conversions between instants and the campaign zone's wall clock.</summary>
public static class CampaignClock
{
    /// <summary>
    /// The UTC instant of a local date and time. A local time that does not exist (spring-forward
    /// gap) or exists twice (fall-back overlap) resolves to the later instant, as voucher.v1 states;
    /// for a gap that is the wall time read with the offset before the jump (02:30 → 03:30).
    /// </summary>
    public static DateTimeOffset ToInstant(DateOnly date, WallClock time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue).AddMinutes(time.MinutesSinceMidnight);
        return ToInstant(local, zone);
    }

    /// <inheritdoc cref="ToInstant(DateOnly, WallClock, TimeZoneInfo)"/>
    public static DateTimeOffset ToInstant(DateTime localDateTime, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var localTicks = localDateTime.Ticks;
        var probe = new DateTimeOffset(localTicks, TimeSpan.Zero) - zone.BaseUtcOffset;

        // Offsets in force around the instant; a zone changes offset at most once in a day here.
        var candidates = new[] { probe.AddDays(-1), probe, probe.AddDays(1) }
            .Select(zone.GetUtcOffset)
            .Distinct()
            .ToList();
        var consistent = candidates
            .Where(offset => zone.GetUtcOffset(new DateTimeOffset(localTicks - offset.Ticks, TimeSpan.Zero)) == offset)
            .ToList();
        var pool = consistent.Count > 0 ? consistent : candidates;
        var smallestOffset = pool.Min();
        return new DateTimeOffset(localTicks - smallestOffset.Ticks, TimeSpan.Zero);
    }

    public static DateTime ToLocal(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return TimeZoneInfo.ConvertTime(instant, zone).DateTime;
    }

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(ToLocal(instant, zone));

    public static TimeOnly LocalTimeOfDay(DateTimeOffset instant, TimeZoneInfo zone) => TimeOnly.FromDateTime(ToLocal(instant, zone));
}
