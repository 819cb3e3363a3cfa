namespace VoucherRules.Tests;

public class MoneyTests
{
    [Theory]
    [InlineData(100, new long[] { 1, 1, 1 }, new long[] { 34, 33, 33 })]
    [InlineData(2, new long[] { 1, 1, 1 }, new long[] { 1, 1, 0 })]
    [InlineData(0, new long[] { 5, 7 }, new long[] { 0, 0 })]
    [InlineData(1, new long[] { 1, 3 }, new long[] { 0, 1 })]
    [InlineData(10, new long[] { 0, 1 }, new long[] { 0, 10 })]
    [InlineData(40_000_000, new long[] { 20_000_000, 20_000_000 }, new long[] { 20_000_000, 20_000_000 })]
    [InlineData(99_999, new long[] { 300_000, 100_000 }, new long[] { 74_999, 25_000 })]
    [InlineData(7, new long[] { 2, 2, 3 }, new long[] { 2, 2, 3 })]
    [InlineData(-100, new long[] { 1, 1, 1 }, new long[] { -34, -33, -33 })]
    [InlineData(5, new long[] { 1, 1, 1, 1, 1, 1 }, new long[] { 1, 1, 1, 1, 1, 0 })]
    public void Largest_remainder_gives_expected_parts(long total, long[] weights, long[] expected)
    {
        Assert.Equal(expected, Money.AllocateLargestRemainder(total, weights));
    }

    [Fact]
    public void Largest_remainder_always_sums_to_the_total_and_stays_within_one_cent_of_the_quota()
    {
        var random = new Random(20230401);
        for (var trial = 0; trial < 2000; trial++)
        {
            var weights = Enumerable.Range(0, random.Next(1, 9)).Select(_ => (long)random.Next(0, 1_000_000)).ToArray();
            if (weights.Sum() == 0)
            {
                weights[0] = 1;
            }

            var total = random.NextInt64(-10_000_000_000, 10_000_000_000);
            var parts = Money.AllocateLargestRemainder(total, weights);
            Assert.Equal(total, parts.Sum());
            var weightSum = weights.Sum();
            for (var i = 0; i < weights.Length; i++)
            {
                var exact = (double)total * weights[i] / weightSum;
                Assert.True(Math.Abs(parts[i] - exact) < 1.0, $"part {parts[i]} vs quota {exact}");
            }
        }
    }

    [Fact]
    public void Largest_remainder_refuses_negative_weights_and_nowhere_to_put_money()
    {
        Assert.Throws<ArgumentException>(() => Money.AllocateLargestRemainder(10, new long[] { 1, -1 }));
        Assert.Throws<ArgumentException>(() => Money.AllocateLargestRemainder(10, new long[] { 0, 0 }));
        Assert.Throws<ArgumentException>(() => Money.AllocateLargestRemainder(10, Array.Empty<long>()));
    }

    [Theory]
    [InlineData(10_000, 8_500, 8_500)]
    [InlineData(20_000, 8_500, 17_000)]
    [InlineData(1, 5_000, 1)]
    [InlineData(3, 5_000, 2)]
    [InlineData(1, 4_999, 0)]
    [InlineData(-3, 5_000, -2)]
    [InlineData(12_345, 10_000, 12_345)]
    [InlineData(12_345, 0, 0)]
    public void Share_rounds_half_away_from_zero_once(long amount, int basisPoints, long expected)
    {
        Assert.Equal(expected, Money.Share(amount, basisPoints));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void Share_refuses_proportions_outside_zero_to_one_hundred_percent(int basisPoints)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.Share(100, basisPoints));
    }

    [Theory]
    [InlineData(157_000_000, "1,570,000.00")]
    [InlineData(5, "0.05")]
    [InlineData(-1_050, "-10.50")]
    [InlineData(long.MinValue, "-92,233,720,368,547,758.08")]
    public void Yuan_formatting_is_exact(long cents, string expected)
    {
        Assert.Equal(expected, Money.FormatYuan(cents));
    }

    [Fact]
    public void Yuan_converts_with_overflow_checking()
    {
        Assert.Equal(157_000_000, Money.Yuan(1_570_000));
        Assert.Throws<OverflowException>(() => Money.Yuan(long.MaxValue / 10));
    }
}
