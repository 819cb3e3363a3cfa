using Settlement.Service.Domain;
using VoucherRules;

namespace Settlement.Service.Tests.Domain;

/// <summary>Weekly periods in the campaign's time zone and the final run after the audit delay.</summary>
public class CadenceTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZones.Resolve("Asia/Shanghai");

    private static DateTimeOffset Local(int month, int day, int hour = 0) => new(2023, month, day, hour, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void S5_weeks_close_at_sunday_midnight_local_and_the_last_is_cut_at_the_campaign_end()
    {
        // 张店: from 04-22 10:00 (a Saturday) to 05-22 24:00, paid weekly; weeks close on Sunday.
        var periods = Cadence.WeeklyPeriods(Local(4, 22, 10), Local(5, 23), Shanghai, weekClosingDay: 7);

        Assert.Equal(
            [
                new Period(Local(4, 22, 10), Local(4, 24)),
                new Period(Local(4, 24), Local(5, 1)),
                new Period(Local(5, 1), Local(5, 8)),
                new Period(Local(5, 8), Local(5, 15)),
                new Period(Local(5, 15), Local(5, 22)),
                new Period(Local(5, 22), Local(5, 23)),
            ],
            periods);
    }

    [Fact]
    public void Only_weeks_that_have_closed_are_due()
    {
        var due = Cadence.ClosedWeeklyPeriods(Local(4, 22, 10), Local(5, 23), Shanghai, 7, Local(5, 1));

        Assert.Equal(2, due.Count);
        Assert.Equal(Local(5, 1), due[^1].End);
        Assert.Single(Cadence.ClosedWeeklyPeriods(Local(4, 22, 10), Local(5, 23), Shanghai, 7, Local(4, 30, 23)));
    }

    [Theory]
    [InlineData(1, DayOfWeek.Monday)]
    [InlineData(5, DayOfWeek.Friday)]
    [InlineData(7, DayOfWeek.Sunday)]
    public void A_week_ends_at_midnight_after_its_closing_day(int closingDay, DayOfWeek closes)
    {
        var periods = Cadence.WeeklyPeriods(Local(3, 1), Local(6, 1), Shanghai, closingDay);

        Assert.All(periods.SkipLast(1), p => Assert.Equal(closes, CampaignClock.ToLocal(p.End, Shanghai).AddDays(-1).DayOfWeek));
        Assert.All(periods.SkipLast(1), p => Assert.Equal(TimeSpan.Zero, CampaignClock.ToLocal(p.End, Shanghai).TimeOfDay));
        Assert.All(periods.Skip(1).SkipLast(1), p => Assert.Equal(TimeSpan.FromDays(7), p.End - p.Start));
        Assert.Equal(Local(6, 1), periods[^1].End);
    }

    [Fact]
    public void Periods_cover_the_campaign_without_gaps_or_overlaps_in_a_zone_with_daylight_saving()
    {
        var berlin = TimeZones.Resolve("Europe/Berlin");
        var start = new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.FromHours(1));
        var end = new DateTimeOffset(2023, 11, 1, 0, 0, 0, TimeSpan.FromHours(1));

        var periods = Cadence.WeeklyPeriods(start, end, berlin, 7);

        Assert.Equal(start, periods[0].Start);
        Assert.Equal(end, periods[^1].End);
        Assert.All(periods.Zip(periods.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Start));
        Assert.All(periods.SkipLast(1), p => Assert.Equal(TimeSpan.Zero, CampaignClock.ToLocal(p.End, berlin).TimeOfDay));
    }

    [Fact]
    public void Bad_closing_days_and_empty_campaigns()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.WeeklyPeriods(Local(1, 1), Local(2, 1), Shanghai, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.WeeklyPeriods(Local(1, 1), Local(2, 1), Shanghai, 8));
        Assert.Empty(Cadence.WeeklyPeriods(Local(2, 1), Local(2, 1), Shanghai, 7));
    }

    [Fact]
    public void S2_final_run_is_due_days_after_the_end_in_local_time()
    {
        // 乾安: one month (30 days) after the campaign's end.
        Assert.Equal(Local(11, 30), Cadence.FinalRunDue(Local(10, 31), Shanghai, 30));
        Assert.Equal(Local(10, 31), Cadence.FinalRunDue(Local(10, 31), Shanghai, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cadence.FinalRunDue(Local(10, 31), Shanghai, -1));
    }

    [Fact]
    public void The_final_period_starts_where_the_last_run_ended()
    {
        Assert.Equal(new Period(Local(5, 1), Local(6, 1)), Cadence.FinalPeriod(Local(4, 1), Local(6, 1), Local(5, 1)));
        Assert.Equal(new Period(Local(4, 1), Local(6, 1)), Cadence.FinalPeriod(Local(4, 1), Local(6, 1), null));
        Assert.True(new Period(Local(4, 1), Local(4, 8)).Overlaps(new Period(Local(4, 7), Local(4, 9))));
        Assert.False(new Period(Local(4, 1), Local(4, 8)).Overlaps(new Period(Local(4, 8), Local(4, 9))));
    }
}
