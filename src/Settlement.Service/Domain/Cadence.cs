using VoucherRules;

namespace Settlement.Service.Domain;

/// <summary>A settlement period [Start, End) in UTC.</summary>
public readonly record struct Period(DateTimeOffset Start, DateTimeOffset End)
{
    public bool Overlaps(Period other) => Start < other.End && other.Start < End;
}

/// <summary>
/// When settlement runs (DOMAIN.md "Settlement"): weekly periods that close at 24:00 local time of the
/// campaign's closing weekday, or one final run a number of local days after the campaign ends (audit).
/// </summary>
public static class Cadence
{
    /// <summary>
    /// Every weekly period of the campaign, in order: the first starts with the campaign, each ends at
    /// 24:00 (local) of the closing weekday (1 = Monday … 7 = Sunday), the last is cut at the campaign end.
    /// </summary>
    public static IReadOnlyList<Period> WeeklyPeriods(DateTimeOffset campaignStart, DateTimeOffset campaignEnd, TimeZoneInfo zone, int weekClosingDay)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (weekClosingDay is < 1 or > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(weekClosingDay), weekClosingDay, "1 = Monday … 7 = Sunday");
        }

        if (campaignEnd <= campaignStart)
        {
            return [];
        }

        var periods = new List<Period>();
        var start = campaignStart;
        var closing = (DayOfWeek)(weekClosingDay % 7);
        var date = CampaignClock.LocalDate(campaignStart, zone);
        while (start < campaignEnd)
        {
            while (date.DayOfWeek != closing)
            {
                date = date.AddDays(1);
            }

            var end = CampaignClock.ToInstant(date.AddDays(1), WallClock.Midnight, zone);
            if (end > campaignEnd)
            {
                end = campaignEnd;
            }

            if (end > start)
            {
                periods.Add(new Period(start, end));
                start = end;
            }

            date = date.AddDays(1);
        }

        return periods;
    }

    /// <summary>The weekly periods that have closed by <paramref name="now"/>.</summary>
    public static IReadOnlyList<Period> ClosedWeeklyPeriods(DateTimeOffset campaignStart, DateTimeOffset campaignEnd, TimeZoneInfo zone, int weekClosingDay, DateTimeOffset now) =>
        WeeklyPeriods(campaignStart, campaignEnd, zone, weekClosingDay).Where(p => p.End <= now).ToList();

    /// <summary>When the final run may happen: the campaign end moved on by whole local days (same wall time).</summary>
    public static DateTimeOffset FinalRunDue(DateTimeOffset campaignEnd, TimeZoneInfo zone, int daysAfterEnd)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentOutOfRangeException.ThrowIfNegative(daysAfterEnd);
        return CampaignClock.ToInstant(CampaignClock.ToLocal(campaignEnd, zone).AddDays(daysAfterEnd), zone);
    }

    /// <summary>The period of the final run: from the end of the last run (or the campaign start) to the campaign end.</summary>
    public static Period FinalPeriod(DateTimeOffset campaignStart, DateTimeOffset campaignEnd, DateTimeOffset? lastRunEnd) =>
        new(lastRunEnd is { } end && end > campaignStart ? end : campaignStart, campaignEnd);
}
