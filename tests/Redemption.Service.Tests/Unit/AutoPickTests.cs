using Redemption.Service.Domain;
using VoucherRules;
using static Redemption.Service.Tests.Unit.RuleFixtures;

namespace Redemption.Service.Tests.Unit;

public class AutoPickTests
{
    private static readonly DateTimeOffset Noon = Beijing(2023, 5, 10, 12);

    private static IReadOnlyList<Candidate> Rank(OrderInput order, params WalletVoucher[] vouchers) =>
        AutoPick.Rank(vouchers.Select(v => new Candidate(v, Eligibility.Check(v, Campaign(), Merchant(), order, "staff-1", Noon))));

    // S3: 100→20, 200→40, 300→80.
    private static WalletVoucher S3(string id, long spendYuan, long offYuan, DateTimeOffset? until = null) =>
        Voucher(id, offYuan * 100, MinimumSpendRule.Fixed(spendYuan * 100), until: until, hours: NineToTen);

    [Fact]
    public void The_largest_face_value_the_order_qualifies_for_is_picked_S3()
    {
        var ranked = Rank(Order(25000), S3("a", 100, 20), S3("b", 200, 40), S3("c", 300, 80));

        Assert.Equal("b", AutoPick.Best(ranked)!.Voucher.VoucherId);
        Assert.Equal(["b", "a", "c"], ranked.Select(c => c.Voucher.VoucherId));
        Assert.Equal([RefusalReason.BelowMinimumSpend], ranked[2].Verdict.Reasons);
    }

    [Fact]
    public void Equal_face_values_go_to_the_earliest_valid_until_then_the_smallest_id()
    {
        var ranked = Rank(Order(30000),
            S3("z", 200, 40, Beijing(2023, 5, 20)),
            S3("y", 200, 40, Beijing(2023, 5, 15)),
            S3("x", 200, 40, Beijing(2023, 5, 20)));

        Assert.Equal(["y", "x", "z"], ranked.Select(c => c.Voucher.VoucherId));
    }

    [Fact]
    public void A_larger_voucher_the_order_does_not_qualify_for_ranks_after_every_qualifying_one()
    {
        var ranked = Rank(Order(10000), S3("big", 300, 80), S3("small", 100, 20));

        Assert.Equal(["small", "big"], ranked.Select(c => c.Voucher.VoucherId));
        Assert.True(ranked[0].Verdict.Qualifies);
    }

    [Fact]
    public void When_nothing_qualifies_there_is_no_pick_but_every_voucher_keeps_its_reasons()
    {
        var ranked = Rank(Order(5000), S3("a", 100, 20), S3("b", 200, 40));

        Assert.Null(AutoPick.Best(ranked));
        Assert.All(ranked, c => Assert.Equal([RefusalReason.BelowMinimumSpend], c.Verdict.Reasons));
        Assert.Null(AutoPick.Best([]));
    }
}
