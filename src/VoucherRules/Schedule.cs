namespace VoucherRules;

/// <summary>
/// When a round takes claims, in local wall-clock terms: it opens at a time on a date (09:00,
/// 10:00) and closes at a local date and time, or never (then only sold-out or the campaign end
/// closes it).
/// </summary>
public sealed record ClaimWindowRule(DateOnly OpensOn, WallClock OpensAt, DateOnly? ClosesOn = null, WallClock? ClosesAt = null)
{
    public TimeWindow Resolve(TimeZoneInfo zone, DateTimeOffset? campaignEnd = null)
    {
        var opens = CampaignClock.ToInstant(OpensOn, OpensAt, zone);
        DateTimeOffset? closes = ClosesOn is { } date ? CampaignClock.ToInstant(date, ClosesAt ?? WallClock.EndOfDay, zone) : null;
        return new TimeWindow(opens, closes).ClippedTo(campaignEnd);
    }
}

public enum ClaimWindowStatus
{
    NotStarted,
    Open,
    /// <summary>The closing time (or the campaign end) has passed.</summary>
    Ended,
    /// <summary>Inside the window, but no stock is left (额满即止).</summary>
    SoldOut,
}

public static class ClaimWindow
{
    /// <summary>Where a round stands for a claim at <paramref name="now"/>; time is judged before stock.</summary>
    public static ClaimWindowStatus Status(TimeWindow window, DateTimeOffset now, long remainingStock)
    {
        if (now < window.Start)
        {
            return ClaimWindowStatus.NotStarted;
        }

        if (window.End is { } end && now >= end)
        {
            return ClaimWindowStatus.Ended;
        }

        return remainingStock > 0 ? ClaimWindowStatus.Open : ClaimWindowStatus.SoldOut;
    }
}

/// <summary>How "N days from claim" is counted.</summary>
public enum ValidityDayCounting
{
    /// <summary>
    /// The claim's local date is day 1 and the voucher ends at 24:00 local on day N. This is the
    /// default, because it is how the seed documents count days (乾安's round "expires 24:00 on
    /// day 5" counts the opening day as day 1), how channels display a voucher ("valid until
    /// 03-07 23:59:59"), and it expires vouchers at local midnight, when the daily expiry run and
    /// the per-date reports cut. The price is that a voucher claimed late in the evening gets a
    /// little over N − 1 days; a bureau that wants a full N × 24 hours picks RollingHours.
    /// </summary>
    CalendarDays,

    /// <summary>Exactly N × 24 hours after the claim instant, whatever the wall clock says.</summary>
    RollingHours,
}

/// <summary>How long a claimed voucher stays valid. Vouchers are valid from the claim instant.</summary>
public abstract record ValidityRule;

/// <summary>"Valid 7 days from claim" (华亭: 7).</summary>
public sealed record ValidForDaysFromClaim(int Days, ValidityDayCounting Counting = ValidityDayCounting.CalendarDays) : ValidityRule;

/// <summary>"Expires 24:00 on day 5 of the round": day 1 is the round's claim-opening date.</summary>
public sealed record ValidUntilRoundDay(int DayNumber, WallClock Time) : ValidityRule;

/// <summary>"All vouchers end 05-22" (24:00 on that date unless another time is given).</summary>
public sealed record ValidUntilFixedEnd(DateOnly Date, WallClock Time) : ValidityRule;

/// <summary>
/// A daily span [Start, End) of local wall-clock time in which vouchers may be used (友好:
/// 09:00–22:00, so 22:00 itself is outside). End may be 24:00. End before Start crosses midnight
/// (22:00–02:00). Start equal to End is refused: it would be ambiguous between never and always.
/// </summary>
public sealed record DailyUsageHours
{
    public DailyUsageHours(WallClock start, WallClock end)
    {
        if (start.MinutesSinceMidnight % (24 * 60) == end.MinutesSinceMidnight % (24 * 60) && !(start == WallClock.Midnight && end == WallClock.EndOfDay))
        {
            throw new ArgumentException($"usage hours {start}–{end} are empty or ambiguous; use 00:00–24:00 for the whole day.", nameof(end));
        }

        if (start == WallClock.EndOfDay)
        {
            throw new ArgumentException("usage hours cannot start at 24:00.", nameof(start));
        }

        Start = start;
        End = end;
    }

    public WallClock Start { get; }

    public WallClock End { get; }

    public bool ContainsLocalTime(TimeOnly localTime)
    {
        var minute = (localTime.Hour * 60) + localTime.Minute;
        var start = Start.MinutesSinceMidnight;
        var end = End.MinutesSinceMidnight;
        return start < end
            ? minute >= start && minute < end
            : minute >= start || minute < end;
    }

    /// <summary>Judged on the wall clock the instant shows in the zone, so DST days need no special case.</summary>
    public bool Contains(DateTimeOffset instant, TimeZoneInfo zone) => ContainsLocalTime(CampaignClock.LocalTimeOfDay(instant, zone));

    public override string ToString() => $"{Start}–{End}";
}

public enum VoucherTimeStatus
{
    Usable,
    NotYetValid,
    Expired,
    OutsideUsageHours,
}

public static class VoucherValidity
{
    /// <summary>
    /// The validity window of a voucher claimed at <paramref name="claimedAt"/> in a round that
    /// opened on <paramref name="roundOpensOn"/>, never reaching past the campaign's end.
    /// </summary>
    public static TimeWindow Compute(
        ValidityRule rule,
        DateTimeOffset claimedAt,
        DateOnly roundOpensOn,
        TimeZoneInfo zone,
        DateTimeOffset? campaignEnd = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var end = rule switch
        {
            ValidForDaysFromClaim { Days: < 1 } days => throw new ArgumentOutOfRangeException(nameof(rule), days.Days, "validity needs at least one day"),
            ValidForDaysFromClaim { Counting: ValidityDayCounting.RollingHours } days => claimedAt.AddDays(days.Days),
            ValidForDaysFromClaim days => CampaignClock.ToInstant(CampaignClock.LocalDate(claimedAt, zone).AddDays(days.Days - 1), WallClock.EndOfDay, zone),
            ValidUntilRoundDay { DayNumber: < 1 } day => throw new ArgumentOutOfRangeException(nameof(rule), day.DayNumber, "round days count from 1"),
            ValidUntilRoundDay day => CampaignClock.ToInstant(roundOpensOn.AddDays(day.DayNumber - 1), day.Time, zone),
            ValidUntilFixedEnd fixedEnd => CampaignClock.ToInstant(fixedEnd.Date, fixedEnd.Time, zone),
            _ => throw new ArgumentException($"unknown validity rule {rule.GetType().Name}", nameof(rule)),
        };
        return new TimeWindow(claimedAt, end).ClippedTo(campaignEnd);
    }

    /// <summary>Whether a voucher's time rules let it be used at <paramref name="now"/>.</summary>
    public static VoucherTimeStatus Check(TimeWindow validity, DailyUsageHours? usageHours, TimeZoneInfo zone, DateTimeOffset now)
    {
        if (now < validity.Start)
        {
            return VoucherTimeStatus.NotYetValid;
        }

        if (IsExpired(validity, now))
        {
            return VoucherTimeStatus.Expired;
        }

        return usageHours is null || usageHours.Contains(now, zone) ? VoucherTimeStatus.Usable : VoucherTimeStatus.OutsideUsageHours;
    }

    /// <summary>Expired from the window's end onwards: a voucher ending 24:00 is gone at 00:00.</summary>
    public static bool IsExpired(TimeWindow validity, DateTimeOffset now) => validity.End is { } end && now >= end;
}

/// <summary>Checks a round's schedule the way Campaign must before saving it.</summary>
public static class RoundScheduleValidation
{
    public sealed record ScheduledRound(string RoundId, ClaimWindowRule ClaimWindow, ValidityRule Validity);

    /// <summary>Every problem: windows that close before they open, validity that ends before
    /// claims close, and rounds out of order or overlapping.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<ScheduledRound> rounds, TimeZoneInfo zone, DateTimeOffset? campaignStart = null, DateTimeOffset? campaignEnd = null)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var problems = new List<string>();
        TimeWindow? previous = null;
        string? previousId = null;
        foreach (var round in rounds)
        {
            var window = round.ClaimWindow.Resolve(zone);
            if (window.IsEmpty)
            {
                problems.Add($"round '{round.RoundId}': claims close at {window.End:u} before they open at {window.Start:u}");
            }

            if (campaignStart is { } start && window.Start < start)
            {
                problems.Add($"round '{round.RoundId}': claims open at {window.Start:u}, before the campaign starts at {start:u}");
            }

            if (campaignEnd is { } end && window.Start >= end)
            {
                problems.Add($"round '{round.RoundId}': claims open at {window.Start:u}, after the campaign ends at {end:u}");
            }

            var lastClaim = window.End ?? campaignEnd;
            var fixedValidityEnd = round.Validity switch
            {
                ValidUntilRoundDay or ValidUntilFixedEnd => VoucherValidity.Compute(round.Validity, window.Start, round.ClaimWindow.OpensOn, zone).End,
                _ => null,
            };
            if (fixedValidityEnd is { } validUntil && (validUntil <= window.Start || (lastClaim is { } last && validUntil < last)))
            {
                problems.Add($"round '{round.RoundId}': vouchers stop being valid at {validUntil:u}, before the claim window ends");
            }

            if (previous is { } before)
            {
                if (window.Start < before.Start)
                {
                    problems.Add($"round '{round.RoundId}' opens before the round '{previousId}' listed ahead of it");
                }
                else if (before.End is null || window.Start < before.End.Value)
                {
                    problems.Add($"round '{round.RoundId}' opens while round '{previousId}' still takes claims");
                }
            }

            previous = window;
            previousId = round.RoundId;
        }

        return problems;
    }
}
