using FsCheck;
using FsCheck.Xunit;
using Settlement.Service.Domain;

namespace Settlement.Service.Tests.Domain;

/// <summary>Largest-remainder splits over channels × funding sources: every split adds up to the whole to the cent.</summary>
public class SplitPropertyTests
{
    private static List<Weighted> Weights(string prefix, PositiveInt[] weights) =>
        weights.Take(6).Select((w, i) => new Weighted($"{prefix}{i}", w.Get)).ToList();

    [Property(MaxTest = 500)]
    public bool Cells_add_up_to_the_amount_for_any_amount_and_weights(long amount, NonEmptyArray<PositiveInt> channels, NonEmptyArray<PositiveInt> sources)
    {
        var bounded = amount % 10_000_000_000L;
        var cells = Splits.ByChannelThenFunding(bounded, Weights("c", channels.Get), Weights("f", sources.Get));
        return cells.Sum(c => c.AmountCents) == bounded;
    }

    [Property(MaxTest = 500)]
    public bool Each_channel_gets_its_quota_within_a_cent(NonNegativeInt amount, NonEmptyArray<PositiveInt> channels)
    {
        var weights = Weights("c", channels.Get);
        var total = weights.Sum(w => (decimal)w.Weight);
        var parts = Splits.Split(amount.Get, weights, string.Empty);
        return parts.Select((p, i) => Math.Abs(p.AmountCents - (amount.Get * weights[i].Weight / total))).All(d => d < 1m);
    }

    [Property(MaxTest = 300)]
    public bool Margins_add_up_to_the_same_whole(NonNegativeInt amount, NonEmptyArray<PositiveInt> channels, NonEmptyArray<PositiveInt> sources)
    {
        var cells = Splits.ByChannelThenFunding(amount.Get, Weights("c", channels.Get), Weights("f", sources.Get));
        var (bySource, byChannel) = Splits.Margins(cells);
        return bySource.Sum(c => c.AmountCents) == amount.Get && byChannel.Sum(c => c.AmountCents) == amount.Get;
    }

    [Fact]
    public void An_odd_amount_splits_3_to_1_by_channel_and_50_50_by_source_to_the_cent()
    {
        // S1: 云闪付 issued three times what 翼支付 did; city and county fund half each.
        var cells = Splits.ByChannelThenFunding(
            100_001,
            [new Weighted("unionpay", 300), new Weighted("bestpay", 100)],
            [new Weighted("city", 20_000_000), new Weighted("county", 20_000_000)]);

        Assert.Equal(
            [
                new SplitCell("city", "unionpay", 37_501),
                new SplitCell("county", "unionpay", 37_500),
                new SplitCell("city", "bestpay", 12_500),
                new SplitCell("county", "bestpay", 12_500),
            ],
            cells);
    }

    [Fact]
    public void Without_channel_weights_the_amount_is_unattributed_and_without_sources_unnamed()
    {
        Assert.Equal([new SplitCell(string.Empty, Splits.Unattributed, 500)], Splits.ByChannelThenFunding(500, [], []));
        Assert.Empty(Splits.ByChannelThenFunding(0, [new Weighted("c", 1)], [new Weighted("f", 1)]));
    }

    [Fact]
    public void Combine_adds_cells_of_the_same_source_and_channel()
    {
        var combined = Splits.Combine([new SplitCell("f", "c", 1), new SplitCell("f", "c", 2), new SplitCell("g", "c", 3)]);

        Assert.Equal([new SplitCell("f", "c", 3), new SplitCell("g", "c", 3)], combined);
    }
}
