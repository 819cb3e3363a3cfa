using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class LuckyDrawTests
{
    // S2 (乾安 2022) produce column: 20 × 2500, 50 × 1400, 100 × 500.
    private static DrawStock[] Produce() =>
        [new("20", Y(20), 2500), new("50", Y(50), 1400), new("100", Y(100), 500)];

    [Fact]
    public void Draws_follow_remaining_stock_within_a_chi_square_bound()
    {
        var stock = Produce();
        var random = new Random(20220601);
        const int draws = 44_000;
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < draws; i++)
        {
            var tier = LuckyDraw.Choose(stock, random)!.TierId;
            counts[tier] = counts.GetValueOrDefault(tier) + 1;
        }

        var total = stock.Sum(s => s.Remaining);
        var chiSquare = stock.Sum(s =>
        {
            var expected = (double)draws * s.Remaining / total;
            return Math.Pow(counts.GetValueOrDefault(s.TierId) - expected, 2) / expected;
        });
        // 13.82 is the 99.9% point of chi-square with 2 degrees of freedom.
        Assert.True(chiSquare < 13.82, $"chi-square {chiSquare:F2} with counts {string.Join(", ", counts)}");
    }

    [Fact]
    public void A_skewed_draw_fails_the_same_chi_square_bound()
    {
        // Guards the test above: uniform-over-tiers on the same stock is far from stock-weighted.
        var stock = Produce();
        var random = new Random(20220601);
        const int draws = 44_000;
        var counts = stock.ToDictionary(s => s.TierId, _ => 0);
        for (var i = 0; i < draws; i++)
        {
            counts[LuckyDraw.Choose(stock, random, DrawWeighting.UniformOverTiers)!.TierId]++;
        }

        var total = stock.Sum(s => s.Remaining);
        var chiSquare = stock.Sum(s => Math.Pow(counts[s.TierId] - ((double)draws * s.Remaining / total), 2) / ((double)draws * s.Remaining / total));
        Assert.True(chiSquare > 13.82);
        Assert.All(counts.Values, c => Assert.InRange(c, 14_000, 15_400));
    }

    [Fact]
    public void Drawing_the_category_dry_hands_out_exactly_its_stock_and_never_a_sold_out_tier()
    {
        var remaining = Produce().ToDictionary(s => s.TierId, s => s.Remaining);
        var faces = Produce().ToDictionary(s => s.TierId, s => s.FaceValueCents);
        var random = new Random(5);
        long issuedValue = 0;
        while (true)
        {
            var stock = remaining.Select(pair => new DrawStock(pair.Key, faces[pair.Key], pair.Value)).ToList();
            var drawn = LuckyDraw.Choose(stock, random);
            if (drawn is null)
            {
                break;
            }

            Assert.True(remaining[drawn.TierId] > 0, $"tier {drawn.TierId} was drawn with nothing left");
            remaining[drawn.TierId]--;
            issuedValue += drawn.FaceValueCents;
        }

        Assert.All(remaining.Values, r => Assert.Equal(0, r));
        Assert.Equal(Y(170_000), issuedValue);
    }

    [Theory]
    [InlineData(DrawWeighting.ByRemainingStock)]
    [InlineData(DrawWeighting.UniformOverTiers)]
    public void A_sold_out_tier_is_never_drawn(DrawWeighting weighting)
    {
        DrawStock[] stock = [new("20", Y(20), 3), new("50", Y(50), 0), new("100", Y(100), 1)];
        var random = new Random(11);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.NotEqual("50", LuckyDraw.Choose(stock, random, weighting)!.TierId);
        }
    }

    [Fact]
    public void A_sold_out_category_draws_nothing()
    {
        Assert.Null(LuckyDraw.Choose([new DrawStock("20", Y(20), 0)], new Random(1)));
        Assert.Null(LuckyDraw.Choose([], new Random(1)));
    }

    [Theory]
    [InlineData(0, "20")]
    [InlineData(2499, "20")]
    [InlineData(2500, "50")]
    [InlineData(3899, "50")]
    [InlineData(3900, "100")]
    [InlineData(4399, "100")]
    public void Rolls_map_onto_tiers_laid_end_to_end(long roll, string expected)
    {
        Assert.Equal(expected, LuckyDraw.ChooseWithRoll(Produce(), n => { Assert.Equal(4400, n); return roll; })!.TierId);
    }

    [Fact]
    public void Bad_rolls_and_negative_stock_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => LuckyDraw.ChooseWithRoll(Produce(), n => n));
        Assert.Throws<InvalidOperationException>(() => LuckyDraw.ChooseWithRoll(Produce(), _ => -1));
        Assert.Throws<ArgumentException>(() => LuckyDraw.Choose([new DrawStock("x", 1, -1)], new Random(1)));
    }
}
