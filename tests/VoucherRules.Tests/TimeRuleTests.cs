namespace VoucherRules.Tests;

public class TimeRuleTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZones.Resolve();
    private static readonly TimeZoneInfo Berlin = TimeZones.Resolve("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZones.Resolve("America/New_York");

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, null, System.Globalization.DateTimeStyles.AssumeUniversal);

    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Default_zone_is_shanghai_and_unknown_zones_are_refused()
    {
        Assert.Equal(TimeSpan.FromHours(8), TimeZones.Resolve("").BaseUtcOffset);
        Assert.Equal(TimeSpan.FromHours(8), TimeZones.Resolve(null).GetUtcOffset(Utc("2023-04-22T02:00:00Z")));
        Assert.Throws<TimeZoneNotFoundException>(() => TimeZones.Resolve("Asia/Huating"));
    }

    [Theory]
    [InlineData("09:00", 9, 0)]
    [InlineData("00:00", 0, 0)]
    [InlineData("24:00", 24, 0)]
    [InlineData("23:59", 23, 59)]
    public void Wall_clock_parses_hh_mm_including_24_00(string text, int hour, int minute)
    {
        var clock = WallClock.Parse(text);

        Assert.Equal((hour, minute), (clock.Hour, clock.Minute));
        Assert.Equal(text, clock.ToString());
    }

    [Theory]
    [InlineData("24:01")]
    [InlineData("25:00")]
    [InlineData("9:0")]
    [InlineData("09:60")]
    [InlineData("-1:00")]
    [InlineData("0900")]
    public void Wall_clock_refuses_times_that_do_not_exist(string text)
    {
        Assert.ThrowsAny<Exception>(() => WallClock.Parse(text));
    }

    [Theory]
    [InlineData("2023-04-22", "10:00", "2023-04-22T02:00:00Z")]
    [InlineData("2023-03-31", "24:00", "2023-03-31T16:00:00Z")]
    [InlineData("2022-01-01", "00:00", "2021-12-31T16:00:00Z")]
    public void Shanghai_local_times_resolve_to_utc(string date, string time, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), CampaignClock.ToInstant(D(date), WallClock.Parse(time), Shanghai));
    }

    [Theory]
    // Spring forward 2024-03-31 02:00 CET → 03:00 CEST: 02:30 does not exist, resolves to 03:30 CEST.
    [InlineData("2024-03-31", "02:30", "2024-03-31T01:30:00Z")]
    [InlineData("2024-03-31", "01:59", "2024-03-31T00:59:00Z")]
    [InlineData("2024-03-31", "03:00", "2024-03-31T01:00:00Z")]
    // Fall back 2024-10-27 03:00 CEST → 02:00 CET: 02:30 happens twice, the later one is CET.
    [InlineData("2024-10-27", "02:30", "2024-10-27T01:30:00Z")]
    [InlineData("2024-10-27", "01:30", "2024-10-26T23:30:00Z")]
    [InlineData("2024-10-27", "24:00", "2024-10-27T23:00:00Z")]
    public void Berlin_gap_and_overlap_resolve_to_the_later_instant(string date, string time, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), CampaignClock.ToInstant(D(date), WallClock.Parse(time), Berlin));
    }

    [Theory]
    [InlineData("2024-03-10", "02:30", "2024-03-10T07:30:00Z")]
    [InlineData("2024-11-03", "01:30", "2024-11-03T06:30:00Z")]
    public void New_york_gap_and_overlap_resolve_to_the_later_instant(string date, string time, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), CampaignClock.ToInstant(D(date), WallClock.Parse(time), NewYork));
    }

    [Theory]
    [InlineData("2023-04-22T01:59:59Z", 1, ClaimWindowStatus.NotStarted)]
    [InlineData("2023-04-22T02:00:00Z", 1, ClaimWindowStatus.Open)]
    [InlineData("2023-04-22T02:00:00Z", 0, ClaimWindowStatus.SoldOut)]
    [InlineData("2023-04-30T15:59:59Z", 5, ClaimWindowStatus.Open)]
    [InlineData("2023-04-30T16:00:00Z", 5, ClaimWindowStatus.Ended)]
    [InlineData("2023-04-30T16:00:00Z", 0, ClaimWindowStatus.Ended)]
    public void S5_batch_1_opens_10_00_on_04_22_and_closes_at_24_00_on_04_30(string now, long stock, ClaimWindowStatus expected)
    {
        var window = new ClaimWindowRule(D("2023-04-22"), new WallClock(10, 0), D("2023-04-30")).Resolve(Shanghai);

        Assert.Equal(expected, ClaimWindow.Status(window, Utc(now), stock));
    }

    [Fact]
    public void A_claim_window_without_close_stays_open_until_sold_out_or_the_campaign_end()
    {
        var campaignEnd = Utc("2020-09-30T16:00:00Z");
        var window = new ClaimWindowRule(D("2020-09-13"), new WallClock(9, 0)).Resolve(Shanghai, campaignEnd);

        Assert.Equal(campaignEnd, window.End);
        Assert.Equal(ClaimWindowStatus.Open, ClaimWindow.Status(window, Utc("2020-09-30T15:59:00Z"), 3));
        Assert.Equal(ClaimWindowStatus.Ended, ClaimWindow.Status(window, campaignEnd, 3));
        Assert.Null(new ClaimWindowRule(D("2020-09-13"), new WallClock(9, 0)).Resolve(Shanghai).End);
    }

    [Theory]
    // Claimed 03-01 10:00 local: day 1 is 03-01, ends 24:00 on 03-07 (16:00Z).
    [InlineData("2023-03-01T02:00:00Z", "2023-03-07T16:00:00Z")]
    // Claimed 23:59 local on 03-01: still ends 24:00 on 03-07.
    [InlineData("2023-03-01T15:59:00Z", "2023-03-07T16:00:00Z")]
    // Claimed 00:00 local on 03-02: ends 24:00 on 03-08.
    [InlineData("2023-03-01T16:00:00Z", "2023-03-08T16:00:00Z")]
    public void S1_seven_calendar_days_from_claim_end_at_24_00_on_the_seventh_local_day(string claimedAt, string expectedEnd)
    {
        var window = VoucherValidity.Compute(new ValidForDaysFromClaim(7), Utc(claimedAt), D("2023-03-01"), Shanghai);

        Assert.Equal(Utc(claimedAt), window.Start);
        Assert.Equal(Utc(expectedEnd), window.End);
    }

    [Fact]
    public void Rolling_hours_end_exactly_n_times_24_hours_after_claim()
    {
        var claimed = Utc("2023-03-01T02:17:00Z");

        var window = VoucherValidity.Compute(new ValidForDaysFromClaim(7, ValidityDayCounting.RollingHours), claimed, D("2023-03-01"), Shanghai);

        Assert.Equal(claimed.AddHours(168), window.End);
    }

    [Fact]
    public void S1_validity_is_clipped_to_the_campaign_end_03_31_24_00()
    {
        var campaignEnd = CampaignClock.ToInstant(D("2023-03-31"), WallClock.EndOfDay, Shanghai);

        var window = VoucherValidity.Compute(new ValidForDaysFromClaim(7), Utc("2023-03-28T02:00:00Z"), D("2023-03-28"), Shanghai, campaignEnd);

        Assert.Equal(Utc("2023-03-31T16:00:00Z"), window.End);
    }

    [Fact]
    public void Calendar_days_across_a_dst_change_end_at_local_midnight_and_rolling_hours_do_not()
    {
        var claimed = Utc("2024-03-29T09:00:00Z"); // 10:00 CET

        var calendar = VoucherValidity.Compute(new ValidForDaysFromClaim(7), claimed, D("2024-03-29"), Berlin);
        var rolling = VoucherValidity.Compute(new ValidForDaysFromClaim(7, ValidityDayCounting.RollingHours), claimed, D("2024-03-29"), Berlin);

        Assert.Equal(Utc("2024-04-04T22:00:00Z"), calendar.End); // 24:00 CEST on 04-04
        Assert.Equal(Utc("2024-04-05T09:00:00Z"), rolling.End); // 11:00 CEST: 168 real hours
    }

    [Theory]
    [InlineData("2022-06-01", "2022-06-05T16:00:00Z")]
    [InlineData("2022-06-06", "2022-06-10T16:00:00Z")]
    public void S2_round_vouchers_expire_at_24_00_on_day_5_of_the_round(string roundOpens, string expectedEnd)
    {
        var claimed = CampaignClock.ToInstant(D(roundOpens), new WallClock(9, 0), Shanghai).AddHours(30);

        var window = VoucherValidity.Compute(new ValidUntilRoundDay(5, WallClock.EndOfDay), claimed, D(roundOpens), Shanghai);

        Assert.Equal(Utc(expectedEnd), window.End);
    }

    [Fact]
    public void S5_vouchers_of_both_batches_end_at_24_00_on_05_22()
    {
        var rule = new ValidUntilFixedEnd(D("2023-05-22"), WallClock.EndOfDay);

        var first = VoucherValidity.Compute(rule, Utc("2023-04-22T02:00:01Z"), D("2023-04-22"), Shanghai);
        var second = VoucherValidity.Compute(rule, Utc("2023-05-01T02:00:01Z"), D("2023-05-01"), Shanghai);

        Assert.Equal(Utc("2023-05-22T16:00:00Z"), first.End);
        Assert.Equal(first.End, second.End);
    }

    [Fact]
    public void Invalid_day_counts_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VoucherValidity.Compute(new ValidForDaysFromClaim(0), Utc("2023-01-01T00:00:00Z"), D("2023-01-01"), Shanghai));
        Assert.Throws<ArgumentOutOfRangeException>(() => VoucherValidity.Compute(new ValidUntilRoundDay(0, WallClock.EndOfDay), Utc("2023-01-01T00:00:00Z"), D("2023-01-01"), Shanghai));
    }

    [Theory]
    [InlineData("08:59", false)]
    [InlineData("09:00", true)]
    [InlineData("15:30", true)]
    [InlineData("21:59", true)]
    [InlineData("22:00", false)]
    [InlineData("00:00", false)]
    public void S3_usage_hours_09_00_to_22_00_include_the_start_and_exclude_the_end(string localTime, bool inside)
    {
        var hours = new DailyUsageHours(new WallClock(9, 0), new WallClock(22, 0));

        Assert.Equal(inside, hours.ContainsLocalTime(TimeOnly.Parse(localTime, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("21:59", false)]
    [InlineData("22:00", true)]
    [InlineData("23:59", true)]
    [InlineData("00:00", true)]
    [InlineData("01:59", true)]
    [InlineData("02:00", false)]
    public void Usage_hours_ending_before_they_start_cross_midnight(string localTime, bool inside)
    {
        var hours = new DailyUsageHours(new WallClock(22, 0), new WallClock(2, 0));

        Assert.Equal(inside, hours.ContainsLocalTime(TimeOnly.Parse(localTime, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Whole_day_usage_hours_admit_every_minute_and_empty_spans_are_refused()
    {
        var wholeDay = new DailyUsageHours(WallClock.Midnight, WallClock.EndOfDay);

        Assert.True(wholeDay.ContainsLocalTime(new TimeOnly(23, 59)));
        Assert.True(wholeDay.ContainsLocalTime(new TimeOnly(0, 0)));
        Assert.Throws<ArgumentException>(() => new DailyUsageHours(new WallClock(9, 0), new WallClock(9, 0)));
        Assert.Throws<ArgumentException>(() => new DailyUsageHours(WallClock.EndOfDay, new WallClock(9, 0)));
    }

    [Theory]
    // 2024-03-31 is Berlin's spring-forward day: 09:00 CEST is 07:00Z, not 08:00Z.
    [InlineData("2024-03-31T06:59:00Z", false)]
    [InlineData("2024-03-31T07:00:00Z", true)]
    [InlineData("2024-03-31T19:59:00Z", true)]
    [InlineData("2024-03-31T20:00:00Z", false)]
    [InlineData("2024-10-27T07:59:00Z", false)]
    [InlineData("2024-10-27T08:00:00Z", true)]
    public void Usage_hours_follow_the_local_wall_clock_on_dst_days(string now, bool inside)
    {
        var hours = new DailyUsageHours(new WallClock(9, 0), new WallClock(22, 0));

        Assert.Equal(inside, hours.Contains(Utc(now), Berlin));
    }

    [Theory]
    [InlineData("2023-06-01T00:59:00Z", VoucherTimeStatus.NotYetValid)]
    [InlineData("2023-06-01T01:00:00Z", VoucherTimeStatus.Usable)]
    [InlineData("2023-06-01T13:59:59Z", VoucherTimeStatus.Usable)]
    [InlineData("2023-06-01T14:00:00Z", VoucherTimeStatus.OutsideUsageHours)]
    [InlineData("2023-06-02T00:59:00Z", VoucherTimeStatus.OutsideUsageHours)]
    [InlineData("2023-06-07T15:59:59Z", VoucherTimeStatus.OutsideUsageHours)]
    [InlineData("2023-06-07T13:00:00Z", VoucherTimeStatus.Usable)]
    [InlineData("2023-06-07T16:00:00Z", VoucherTimeStatus.Expired)]
    public void S3_voucher_time_check_combines_validity_and_usage_hours(string now, VoucherTimeStatus expected)
    {
        var validity = VoucherValidity.Compute(new ValidForDaysFromClaim(7), Utc("2023-06-01T01:00:00Z"), D("2023-06-01"), Shanghai);
        var hours = new DailyUsageHours(new WallClock(9, 0), new WallClock(22, 0));

        Assert.Equal(expected, VoucherValidity.Check(validity, hours, Shanghai, Utc(now)));
    }

    [Fact]
    public void Expiry_happens_at_the_end_instant_and_open_windows_never_expire()
    {
        var end = Utc("2023-05-22T16:00:00Z");
        var window = new TimeWindow(Utc("2023-04-22T02:00:00Z"), end);

        Assert.False(VoucherValidity.IsExpired(window, end.AddTicks(-1)));
        Assert.True(VoucherValidity.IsExpired(window, end));
        Assert.False(VoucherValidity.IsExpired(new TimeWindow(end, null), DateTimeOffset.MaxValue));
        Assert.Equal(VoucherTimeStatus.Usable, VoucherValidity.Check(window, null, Shanghai, end.AddTicks(-1)));
    }

    [Fact]
    public void Schedule_validation_accepts_s2_seven_rounds_of_five_days()
    {
        var rounds = Enumerable.Range(0, 7).Select(i => new RoundScheduleValidation.ScheduledRound(
            $"r{i + 1}",
            new ClaimWindowRule(D("2022-06-01").AddDays(5 * i), new WallClock(9, 0), D("2022-06-01").AddDays((5 * i) + 4)),
            new ValidUntilRoundDay(5, WallClock.EndOfDay))).ToList();

        Assert.Empty(RoundScheduleValidation.Validate(rounds, Shanghai));
    }

    [Fact]
    public void Schedule_validation_reports_every_problem()
    {
        var rounds = new[]
        {
            new RoundScheduleValidation.ScheduledRound("a", new ClaimWindowRule(D("2023-04-22"), new WallClock(10, 0), D("2023-04-21")), new ValidForDaysFromClaim(5)),
            new RoundScheduleValidation.ScheduledRound("b", new ClaimWindowRule(D("2023-04-20"), new WallClock(10, 0), D("2023-04-30")), new ValidUntilFixedEnd(D("2023-04-25"), WallClock.EndOfDay)),
            new RoundScheduleValidation.ScheduledRound("c", new ClaimWindowRule(D("2023-04-29"), new WallClock(10, 0)), new ValidForDaysFromClaim(5)),
        };

        var problems = RoundScheduleValidation.Validate(rounds, Shanghai, campaignStart: Utc("2023-04-21T00:00:00Z"), campaignEnd: Utc("2023-05-22T16:00:00Z"));

        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("round 'a': claims close", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("round 'b': claims open", StringComparison.Ordinal) && p.Contains("before the campaign starts", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("round 'b': vouchers stop being valid", StringComparison.Ordinal));
        Assert.Contains("round 'b' opens before the round 'a' listed ahead of it", problems);
        Assert.Contains("round 'c' opens while round 'b' still takes claims", problems);
    }
}
