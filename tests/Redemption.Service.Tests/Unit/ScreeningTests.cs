using Redemption.Service.Domain;
using static Redemption.Service.Tests.Unit.RuleFixtures;

namespace Redemption.Service.Tests.Unit;

public class ScreeningTests
{
    private static ScreenedRedemption At(int n, DateTimeOffset when, long amount = 30000, long threshold = 15000, string buyer = "", string till = "staff-1", string merchant = "m1") =>
        new($"r{n:000}", merchant, amount, threshold, buyer.Length == 0 ? $"buyer-{n}" : buyer, "138****0000", till, when);

    private static readonly DateTimeOffset Day = Beijing(2023, 5, 10, 10);

    [Fact]
    public void Many_orders_right_at_the_threshold_raise_an_at_threshold_signal_with_their_share()
    {
        var day = Enumerable.Range(0, 8).Select(i => At(i, Day.AddHours(i % 8), amount: 15000 + (i * 10))).Append(At(9, Day, amount: 40000)).Append(At(10, Day, amount: 50000)).ToList();

        var signal = Assert.Single(AnomalyScreening.Detect(day, Shanghai), s => s.Type == AnomalyType.AtThreshold);

        Assert.Equal(8, signal.MatchingCount);
        Assert.Equal(10, signal.TotalCount);
        Assert.Equal(8000, signal.ScoreBasisPoints);
    }

    [Fact]
    public void Orders_spread_above_the_threshold_raise_nothing()
    {
        var day = Enumerable.Range(0, 10).Select(i => At(i, Day.AddMinutes(i * 20), amount: 20000 + (i * 1000))).ToList();

        Assert.Empty(AnomalyScreening.Detect(day, Shanghai));
    }

    [Fact]
    public void The_threshold_margin_is_two_percent_or_two_yuan_whichever_is_larger()
    {
        var settings = new ScreeningSettings();

        Assert.True(AnomalyScreening.IsAtThreshold(200_000 + 4_000, 200_000, settings));
        Assert.False(AnomalyScreening.IsAtThreshold(200_000 + 4_001, 200_000, settings));
        Assert.True(AnomalyScreening.IsAtThreshold(10_000 + 200, 10_000, settings));
        Assert.False(AnomalyScreening.IsAtThreshold(9_999, 10_000, settings));
    }

    [Fact]
    public void The_same_buyer_three_times_at_one_merchant_raises_a_repeat_buyer_signal_naming_the_buyer()
    {
        var day = new[] { At(1, Day, buyer: "b"), At(2, Day.AddHours(1), buyer: "b"), At(3, Day.AddHours(2), buyer: "b"), At(4, Day.AddHours(3)) };

        var signal = Assert.Single(AnomalyScreening.Detect(day, Shanghai));

        Assert.Equal(AnomalyType.RepeatBuyer, signal.Type);
        Assert.Equal("b", signal.BuyerHash);
        Assert.Equal(["r001", "r002", "r003"], signal.SampleRedemptionIds);
        Assert.Equal(7500, signal.ScoreBasisPoints);
    }

    [Fact]
    public void The_same_buyer_at_two_merchants_is_not_a_repeat_buyer()
    {
        var day = new[] { At(1, Day, buyer: "b"), At(2, Day.AddHours(1), buyer: "b", merchant: "m2"), At(3, Day.AddHours(2), buyer: "b", merchant: "m3") };

        Assert.Empty(AnomalyScreening.Detect(day, Shanghai));
    }

    [Fact]
    public void Redemptions_between_midnight_and_six_local_time_raise_an_odd_hours_signal()
    {
        var night = Beijing(2023, 5, 10, 2);
        var day = new[] { At(1, night), At(2, night.AddMinutes(30)), At(3, Beijing(2023, 5, 10, 5, 59)), At(4, Beijing(2023, 5, 10, 6)) };

        var signal = Assert.Single(AnomalyScreening.Detect(day, Shanghai));

        Assert.Equal(AnomalyType.OddHours, signal.Type);
        Assert.Equal(3, signal.MatchingCount);
    }

    [Fact]
    public void Ten_redemptions_inside_ten_minutes_at_one_till_are_a_burst_and_spread_ones_are_not()
    {
        var burst = Enumerable.Range(0, 12).Select(i => At(i, Day.AddSeconds(i * 50))).ToList();
        var spread = Enumerable.Range(0, 12).Select(i => At(i, Day.AddMinutes(i * 2), till: "staff-2")).ToList();

        var signal = Assert.Single(AnomalyScreening.Detect(burst, Shanghai));
        Assert.Equal(AnomalyType.Burst, signal.Type);
        Assert.Equal(12, signal.MatchingCount);
        Assert.Equal(6000, signal.ScoreBasisPoints);
        Assert.Empty(AnomalyScreening.Detect(spread, Shanghai));
    }

    [Fact]
    public void Signals_come_highest_score_first()
    {
        var day = new[] { At(1, Day, buyer: "b"), At(2, Day.AddHours(1), buyer: "b"), At(3, Day.AddHours(2), buyer: "b"), At(4, Day.AddHours(3), merchant: "m2", buyer: "c"), At(5, Day.AddHours(4), merchant: "m2", buyer: "c"), At(6, Day.AddHours(5), merchant: "m2", buyer: "c") };

        var signals = AnomalyScreening.Detect(day, Shanghai);

        Assert.Equal(["m1", "m2"], signals.Select(s => s.MerchantId));
        Assert.All(signals, s => Assert.Equal(10000, s.ScoreBasisPoints));
    }

    [Fact]
    public void A_buyer_whose_identity_key_is_on_the_scalper_list_raises_a_blocked_buyer_signal_at_full_score_even_for_one_redemption()
    {
        var listed = At(1, Day, buyer: "b") with { BuyerKeyHashes = ["b", "phone-of-b"] };
        var day = new[] { listed, At(2, Day.AddHours(1)), At(3, Day.AddHours(2)) };

        var signal = Assert.Single(AnomalyScreening.Detect(day, Shanghai, blockedKeyHashes: new HashSet<string> { "phone-of-b" }));

        Assert.Equal((AnomalyType.BlockedBuyer, 1L, 3L, 10000), (signal.Type, signal.MatchingCount, signal.TotalCount, signal.ScoreBasisPoints));
        Assert.Equal("b", signal.BuyerHash);
        Assert.Equal(["r001"], signal.SampleRedemptionIds);
    }

    [Fact]
    public void Buyers_not_on_the_scalper_list_raise_no_blocked_buyer_signal()
    {
        var day = new[] { At(1, Day, buyer: "b") with { BuyerKeyHashes = ["b", "phone-of-b"] }, At(2, Day.AddHours(1)) };

        Assert.Empty(AnomalyScreening.Detect(day, Shanghai, blockedKeyHashes: new HashSet<string> { "someone-else" }));
        Assert.Empty(AnomalyScreening.Detect(day, Shanghai));
    }
}
