using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class RoundResizingTests
{
    [Fact]
    public void S1_batch_2_reissues_batch_1_leftovers_and_expired_vouchers_tier_for_tier()
    {
        // Batch 1 offers the DOMAIN.md tiers; some tiers sell out, some vouchers expire unused.
        var claimed = new long[] { 2000, 1500, 2900, 700, 200, 150 };
        var expired = new long[] { 100, 0, 300, 50, 0, 10 };
        var previous = S1Tiers.Select((t, i) => new RoundTierOutcome("", t.Face.ToString(), Y(t.Face), t.Quantity, claimed[i], expired[i])).ToList();
        var planned = S1Tiers.Select(t => new RoundTierPlan("", t.Face.ToString(), Y(t.Face), 0)).ToList();

        var result = RoundResizing.Plan(previous, planned, ResizeMode.SameTiers);

        Assert.Equal(
            new[] { ("300", 60L), ("200", 0L), ("100", 350L), ("50", 400L), ("20", 0L), ("10", 100L) },
            result.NextRound.Select(l => (l.TierId, l.Quantity)).ToArray());
        var pool = Assert.Single(result.Pools);
        // Unclaimed: 100 × 50 + 300 × 100 + 50 × 300 = 50,000; expired: 100 × 10 + 300 × 50 + 50 × 100 + 10 × 300 = 24,000.
        Assert.Equal(Y(50_000), pool.UnclaimedValueCents);
        Assert.Equal(Y(24_000), pool.ExpiredValueCents);
        Assert.Equal(Y(74_000), pool.ReissuedValueCents);
        Assert.Equal(0, pool.CarriedOverCents);
        Assert.Equal(Y(74_000), result.NextRoundValueCents);
    }

    [Fact]
    public void S2_pools_are_kept_per_category_and_spread_over_the_planned_mix()
    {
        // Round 1 of 乾安: produce and books columns at a seventh of the table, rounded.
        RoundTierOutcome[] previous =
        [
            new("produce", "20", Y(20), 357, 300, 40),
            new("produce", "50", Y(50), 200, 200, 10),
            new("produce", "100", Y(100), 71, 60, 0),
            new("books", "20", Y(20), 143, 143, 3),
            new("books", "50", Y(50), 57, 50, 0),
        ];
        RoundTierPlan[] planned =
        [
            new("produce", "20", Y(20), 357), new("produce", "50", Y(50), 200), new("produce", "100", Y(100), 71),
            new("books", "20", Y(20), 143), new("books", "50", Y(50), 57),
        ];

        var result = RoundResizing.Plan(previous, planned, ResizeMode.ByPlannedMix);

        var produce = result.Pools.Single(p => p.CategoryId == "produce");
        var books = result.Pools.Single(p => p.CategoryId == "books");
        // produce pool: unclaimed 57 × 20 + 11 × 100 = 2,240; expired 40 × 20 + 10 × 50 = 1,300.
        Assert.Equal((Y(2_240), Y(1_300)), (produce.UnclaimedValueCents, produce.ExpiredValueCents));
        // books pool: unclaimed 7 × 50 = 350; expired 3 × 20 = 60.
        Assert.Equal((Y(350), Y(60)), (books.UnclaimedValueCents, books.ExpiredValueCents));
        foreach (var category in new[] { "produce", "books" })
        {
            var pool = result.Pools.Single(p => p.CategoryId == category);
            var plannedValue = planned.Where(p => p.CategoryId == category).Sum(p => p.ValueCents);
            var nextValue = result.NextRound.Where(p => p.CategoryId == category).Sum(p => p.ValueCents);
            Assert.Equal(plannedValue + pool.ReissuedValueCents, nextValue);
            Assert.Equal(pool.PoolCents, pool.ReissuedValueCents + pool.CarriedOverCents);
            Assert.InRange(pool.CarriedOverCents, 0, Y(20) - 1);
            Assert.All(result.NextRound.Where(p => p.CategoryId == category), line =>
                Assert.True(line.Quantity >= planned.Single(p => p.CategoryId == category && p.TierId == line.TierId).Quantity));
        }

        // Produce's 3,540 over planned values 7,100 / 10,000 / 7,140 (of 24,240) gives 1,036.93 /
        // 1,460.40 / 1,042.67: 10 × 100, 29 × 50, 52 × 20, and the 50.00 of remainders one more 50.
        Assert.Equal(
            new[] { ("100", 71L + 10), ("50", 200L + 30), ("20", 357L + 52) },
            result.NextRound.Where(p => p.CategoryId == "produce").Select(p => (p.TierId, p.Quantity)).ToArray());
        Assert.Equal(0, produce.CarriedOverCents);
    }

    [Fact]
    public void A_category_the_next_round_does_not_plan_is_reissued_in_the_previous_mix()
    {
        RoundTierOutcome[] previous = [new("fuel", "500", Y(500), 10, 8, 1), new("fuel", "200", Y(200), 20, 20, 0)];

        var result = RoundResizing.Plan(previous, [], ResizeMode.ByPlannedMix);

        // Pool 1,500: weights 5,000 / 4,000 → 833.33 / 666.67 → one 500 and three 200 (1,100), then
        // the 400 of remainders makes two more 200s.
        Assert.Equal(new[] { ("500", 1L), ("200", 5L) }, result.NextRound.Select(p => (p.TierId, p.Quantity)).ToArray());
        Assert.Equal(0, result.Pools.Single().CarriedOverCents);
    }

    [Fact]
    public void Value_that_cannot_make_a_whole_voucher_is_carried_over()
    {
        RoundTierOutcome[] previous = [new("c", "odd", 7, 5, 0, 0)];
        RoundTierPlan[] planned = [new("c", "big", 10, 1)];

        var result = RoundResizing.Plan(previous, planned, ResizeMode.ByPlannedMix);

        Assert.Equal(35, result.Pools.Single().PoolCents);
        Assert.Equal(4, result.NextRound.Single().Quantity);
        Assert.Equal(5, result.Pools.Single().CarriedOverCents);
    }

    [Theory]
    [InlineData(ResizeMode.SameTiers)]
    [InlineData(ResizeMode.ByPlannedMix)]
    public void Value_is_conserved_to_the_cent_on_random_rounds(ResizeMode mode)
    {
        var random = new Random(2022);
        long[] faces = [Y(20), Y(50), Y(100), Y(200), Y(500), 1_234];
        for (var trial = 0; trial < 300; trial++)
        {
            var previous = new List<RoundTierOutcome>();
            var planned = new List<RoundTierPlan>();
            foreach (var category in new[] { "a", "b", "c" })
            {
                foreach (var face in faces.Where(_ => random.Next(2) == 0))
                {
                    var offered = random.Next(0, 500);
                    var claimed = random.Next(0, offered + 1);
                    previous.Add(new RoundTierOutcome(category, face.ToString(), face, offered, claimed, random.Next(0, claimed + 1)));
                    if (random.Next(3) > 0)
                    {
                        planned.Add(new RoundTierPlan(category, face.ToString(), face, random.Next(0, 300)));
                    }
                }
            }

            var result = RoundResizing.Plan(previous, planned, mode);

            var poolTotal = result.Pools.Sum(p => p.PoolCents);
            var carried = result.Pools.Sum(p => p.CarriedOverCents);
            Assert.Equal(planned.Sum(p => p.ValueCents) + poolTotal - carried, result.NextRoundValueCents);
            Assert.Equal(previous.Sum(o => o.UnclaimedValueCents + o.ExpiredValueCents), poolTotal);
            Assert.All(result.Pools, p => Assert.True(p.CarriedOverCents >= 0 && (mode == ResizeMode.ByPlannedMix || p.CarriedOverCents == 0)));
        }
    }

    [Theory]
    [InlineData(10, 11, 0)]
    [InlineData(10, 5, 6)]
    [InlineData(-1, 0, 0)]
    [InlineData(10, -1, 0)]
    public void Impossible_outcomes_are_refused(long offered, long claimed, long expired)
    {
        Assert.Throws<ArgumentException>(() =>
            RoundResizing.Plan([new RoundTierOutcome("c", "t", 100, offered, claimed, expired)], [], ResizeMode.SameTiers));
    }
}
