using Redemption.Service.Domain;
using VoucherRules;
using static Redemption.Service.Tests.Unit.RuleFixtures;

namespace Redemption.Service.Tests.Unit;

public class SubsidyAndReversalTests
{
    private static readonly DateTimeOffset RedeemedAt = Beijing(2023, 5, 10, 12);

    [Fact]
    public void No_order_amount_recorded_under_S2_means_missing_details_and_no_subsidy()
    {
        var missing = Subsidy.MissingDetails([RequiredDetail.OrderAmount], Order(0, "fuel"));

        Assert.Equal([RequiredDetail.OrderAmount], missing);
        Assert.Equal(Exclusion.MissingDetails, Subsidy.ExclusionAtRedemption(missing));
        Assert.Equal(Exclusion.None, Subsidy.ExclusionAtRedemption(Subsidy.MissingDetails([RequiredDetail.OrderAmount], Order(6000, "fuel"))));
    }

    [Fact]
    public void Every_kind_of_required_detail_is_checked_in_enum_order()
    {
        var missing = Subsidy.MissingDetails([RequiredDetail.InvoiceNumber, RequiredDetail.Note, RequiredDetail.Category, RequiredDetail.OrderAmount, RequiredDetail.Note], Order(0, " "));

        Assert.Equal([RequiredDetail.OrderAmount, RequiredDetail.Category, RequiredDetail.Note, RequiredDetail.InvoiceNumber], missing);
        Assert.Empty(Subsidy.MissingDetails([RequiredDetail.Note, RequiredDetail.InvoiceNumber], Order(1, "x", note: "92#", invoice: "FP")));
    }

    [Fact]
    public void The_government_pays_face_value_less_the_merchant_cofunding_S5()
    {
        Assert.Equal(17000, Subsidy.GovernmentShareCents(20000, 3000));
        Assert.Equal(8500, Subsidy.GovernmentShareCents(10000, 1500));
        Assert.Equal(0, Subsidy.GovernmentShareCents(10000, 20000));
    }

    [Fact]
    public void Leverage_is_order_amount_over_face_value_in_basis_points()
    {
        Assert.Equal(54425, Subsidy.LeverageBasisPoints(601_636_217, 110_543_000));
        Assert.Equal(0, Subsidy.LeverageBasisPoints(1000, 0));
    }

    [Fact]
    public void A_void_inside_the_window_returns_the_voucher_and_earns_nothing()
    {
        var effect = Reversals.Decide(Standing.Completed, ReversalType.Void, 0, 20000, RedeemedAt, RedeemedAt.AddMinutes(29), Campaign(voidWindowMinutes: 30), Exclusion.None);

        Assert.Equal(new ReversalEffect(Standing.Voided, true, Exclusion.Voided), effect);
    }

    [Fact]
    public void A_void_at_the_end_of_the_window_is_refused()
    {
        Assert.Throws<FailedPreconditionException>(() =>
            Reversals.Decide(Standing.Completed, ReversalType.Void, 0, 20000, RedeemedAt, RedeemedAt.AddMinutes(30), Campaign(voidWindowMinutes: 30), Exclusion.None));
    }

    [Fact]
    public void Without_a_void_window_a_void_is_allowed_until_the_end_of_the_local_day()
    {
        Assert.Equal(Beijing(2023, 5, 11), Reversals.VoidDeadline(RedeemedAt, 0, Shanghai));
        Assert.Throws<FailedPreconditionException>(() =>
            Reversals.Decide(Standing.Completed, ReversalType.Void, 0, 20000, RedeemedAt, Beijing(2023, 5, 11), Campaign(), Exclusion.None));
    }

    [Fact]
    public void A_refund_under_the_default_policy_keeps_the_voucher_used_and_the_subsidy_S3()
    {
        var effect = Reversals.Decide(Standing.Completed, ReversalType.Refund, 5000, 20000, RedeemedAt, RedeemedAt.AddDays(3), Campaign(), Exclusion.None);

        Assert.Equal(new ReversalEffect(Standing.Refunded, false, Exclusion.None), effect);
    }

    [Fact]
    public void A_refund_under_VOUCHER_RETURNED_returns_the_voucher_and_loses_the_subsidy()
    {
        var effect = Reversals.Decide(Standing.Completed, ReversalType.Refund, 20000, 20000, RedeemedAt, RedeemedAt.AddDays(3), Campaign(refundReturns: true), Exclusion.None);

        Assert.Equal(new ReversalEffect(Standing.Refunded, true, Exclusion.RefundReturnedVoucher), effect);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20001)]
    [InlineData(-1)]
    public void A_refund_amount_outside_one_cent_to_the_order_amount_is_invalid(long refunded)
    {
        Assert.Throws<InvalidArgumentException>(() =>
            Reversals.Decide(Standing.Completed, ReversalType.Refund, refunded, 20000, RedeemedAt, RedeemedAt, Campaign(), Exclusion.None));
    }

    [Theory]
    [InlineData(Standing.Voided)]
    [InlineData(Standing.Refunded)]
    [InlineData(Standing.Revoked)]
    public void Only_a_completed_redemption_can_be_reversed(Standing standing)
    {
        Assert.Throws<FailedPreconditionException>(() =>
            Reversals.Decide(standing, ReversalType.Refund, 100, 20000, RedeemedAt, RedeemedAt, Campaign(), Exclusion.None));
    }

    [Fact]
    public void Completed_and_refunded_redemptions_can_be_revoked_a_revoked_one_is_unchanged_a_voided_one_cannot()
    {
        Assert.True(Reversals.CanRevoke(Standing.Completed));
        Assert.True(Reversals.CanRevoke(Standing.Refunded));
        Assert.False(Reversals.CanRevoke(Standing.Revoked));
        Assert.Throws<FailedPreconditionException>(() => Reversals.CanRevoke(Standing.Voided));
    }

    [Fact]
    public void A_redemption_paid_out_in_a_batch_cannot_be_reversed_and_the_refusal_names_the_batch_and_the_local_day_it_was_paid()
    {
        var shanghai = TimeZones.Resolve("Asia/Shanghai");

        var refused = Assert.Throws<FailedPreconditionException>(() => Reversals.RefuseIfPaidOut("batch-17", new DateTimeOffset(2023, 5, 8, 17, 30, 0, TimeSpan.Zero), shanghai));
        Reversals.RefuseIfPaidOut(null, DateTimeOffset.MinValue, shanghai);
        Reversals.RefuseIfPaidOut(string.Empty, DateTimeOffset.MinValue, shanghai);

        Assert.Contains("settlement batch batch-17 on 2023-05-09; only the bureau can revoke it", refused.Message, StringComparison.Ordinal);
    }
}
