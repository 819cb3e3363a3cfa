using Redemption.Service.Domain;
using VoucherRules;
using static Redemption.Service.Tests.Unit.RuleFixtures;

namespace Redemption.Service.Tests.Unit;

public class EligibilityTests
{
    private static readonly DateTimeOffset Noon = Beijing(2023, 5, 10, 12);

    private static Verdict Check(WalletVoucher voucher, OrderInput order, CampaignTerms? campaign = null, MerchantTerms? merchant = null, string? staff = "staff-1", DateTimeOffset? now = null) =>
        Eligibility.Check(voucher, campaign ?? Campaign(), merchant ?? Merchant(), order, staff, now ?? Noon);

    [Fact]
    public void An_unused_voucher_inside_its_window_on_an_order_at_the_fixed_threshold_qualifies()
    {
        var verdict = Check(Voucher("v1", 5000, MinimumSpendRule.Fixed(15000)), Order(15000));

        Assert.True(verdict.Qualifies);
        Assert.Equal(15000, verdict.RequiredAmountCents);
    }

    [Fact]
    public void One_cent_below_the_fixed_threshold_is_below_minimum_spend_with_the_required_amount()
    {
        var verdict = Check(Voucher("v1", 5000, MinimumSpendRule.Fixed(15000)), Order(14999));

        Assert.Equal([RefusalReason.BelowMinimumSpend], verdict.Reasons);
        Assert.Equal(15000, verdict.RequiredAmountCents);
    }

    [Theory]
    [InlineData(6000, true)]
    [InlineData(5999, false)]
    public void A_multiple_of_face_value_is_inclusive_S2_three_times(long amount, bool qualifies)
    {
        var verdict = Check(Voucher("v1", 2000, MinimumSpendRule.MultipleOfFaceValue(30000)), Order(amount));

        Assert.Equal(qualifies, verdict.Qualifies);
        Assert.Equal(6000, verdict.RequiredAmountCents);
    }

    [Theory]
    [InlineData(200000, true)]
    [InlineData(199999, false)]
    [InlineData(0, false)]
    public void A_single_item_threshold_reads_the_qualifying_item_not_the_order_S5(long item, bool qualifies)
    {
        var voucher = Voucher("v1", 20000, MinimumSpendRule.Fixed(200000, SpendScope.SingleItem));

        var verdict = Check(voucher, Order(500000, "appliances", item));

        Assert.Equal(qualifies, verdict.Qualifies);
    }

    [Fact]
    public void A_voucher_above_the_per_transaction_cap_is_refused_S5_200()
    {
        var campaign = Campaign(cap: 20000);

        Assert.True(Check(Voucher("v200", 20000), Order(200000), campaign).Qualifies);
        Assert.Equal([RefusalReason.OverTransactionCap], Check(Voucher("v300", 30000), Order(200000), campaign).Reasons);
    }

    [Theory]
    [InlineData(8, 59, false)]
    [InlineData(9, 0, true)]
    [InlineData(21, 59, true)]
    [InlineData(22, 0, false)]
    public void Usage_hours_09_to_22_are_read_in_the_campaign_zone_S3(int hour, int minute, bool qualifies)
    {
        var verdict = Check(Voucher("v1", 2000, hours: NineToTen), Order(20000), now: Beijing(2023, 5, 10, hour, minute));

        Assert.Equal(qualifies, verdict.Qualifies);
        if (!qualifies)
        {
            Assert.Equal([RefusalReason.OutsideUsageHours], verdict.Reasons);
            Assert.NotNull(verdict.UsableFrom);
            Assert.Equal(new TimeOnly(9, 0), CampaignClock.LocalTimeOfDay(verdict.UsableFrom!.Value, Shanghai));
        }
    }

    [Fact]
    public void Before_its_validity_a_voucher_is_not_yet_valid_and_says_when_it_starts()
    {
        var start = Beijing(2023, 5, 11, 10);

        var verdict = Check(Voucher("v1", 2000, from: start), Order(20000));

        Assert.Equal([RefusalReason.NotYetValid], verdict.Reasons);
        Assert.Equal(start, verdict.UsableFrom);
    }

    [Fact]
    public void At_the_exclusive_end_of_validity_a_voucher_is_expired_S5_until_05_22_24_00()
    {
        var until = Beijing(2023, 5, 23);
        var voucher = Voucher("v1", 20000, until: until);

        Assert.True(Check(voucher, Order(200000), now: until.AddMinutes(-1)).Qualifies);
        Assert.Equal([RefusalReason.VoucherExpired], Check(voucher, Order(200000), now: until).Reasons);
    }

    [Theory]
    [InlineData(WalletVoucherStatus.Used, RefusalReason.VoucherUsed)]
    [InlineData(WalletVoucherStatus.Expired, RefusalReason.VoucherExpired)]
    [InlineData(WalletVoucherStatus.Revoked, RefusalReason.VoucherRevoked)]
    [InlineData(WalletVoucherStatus.Locked, RefusalReason.VoucherLocked)]
    public void A_voucher_that_is_not_unused_is_refused_for_its_status(WalletVoucherStatus status, RefusalReason reason)
    {
        Assert.Equal(reason, Check(Voucher("v1", 2000, status: status), Order(20000)).First);
    }

    [Theory]
    [InlineData(MerchantStanding.NotEnrolled, RefusalReason.MerchantNotApproved)]
    [InlineData(MerchantStanding.Suspended, RefusalReason.MerchantSuspended)]
    public void A_merchant_not_approved_or_suspended_cannot_redeem(MerchantStanding standing, RefusalReason reason)
    {
        Assert.Equal([reason], Check(Voucher("v1", 2000), Order(20000), merchant: Merchant(standing)).Reasons);
    }

    [Fact]
    public void A_staff_member_not_bound_to_the_merchant_is_refused_and_a_channel_application_without_staff_is_not()
    {
        Assert.Equal([RefusalReason.StaffNotBound], Check(Voucher("v1", 2000), Order(20000), staff: "staff-9").Reasons);
        Assert.True(Check(Voucher("v1", 2000), Order(20000), staff: "").Qualifies);
    }

    [Fact]
    public void The_order_category_must_be_one_of_the_vouchers_and_one_the_merchant_is_enrolled_for()
    {
        var produceOnly = Voucher("v1", 10000, categories: ["produce"]);
        var anyCategory = Voucher("v2", 10000);
        var merchant = Merchant(categories: ["produce", "supermarket"]);

        Assert.True(Check(produceOnly, Order(50000, "produce.local"), merchant: merchant).Qualifies);
        Assert.Equal([RefusalReason.CategoryNotAllowed], Check(produceOnly, Order(50000, "supermarket"), merchant: merchant).Reasons);
        Assert.Equal([RefusalReason.CategoryNotAllowed], Check(anyCategory, Order(50000, "fuel"), merchant: merchant).Reasons);
        Assert.True(Check(produceOnly, Order(50000, ""), merchant: merchant).Qualifies);
        Assert.Equal([RefusalReason.CategoryNotAllowed], Check(produceOnly, Order(50000, ""), merchant: Merchant(categories: ["fuel"])).Reasons);
    }

    [Fact]
    public void A_paused_or_ended_campaign_refuses_redemption()
    {
        Assert.Equal([RefusalReason.CampaignNotRunning], Check(Voucher("v1", 2000), Order(20000), Campaign(running: false)).Reasons);
        Assert.Equal([RefusalReason.CampaignNotRunning], Check(Voucher("v1", 2000), Order(20000), Campaign(periodEnd: Noon)).Reasons);
    }

    [Fact]
    public void A_missing_required_detail_is_refused_only_under_REFUSE_handling()
    {
        var voucher = Voucher("v1", 20000);
        var order = Order(200000, "appliances");

        Assert.Equal([RefusalReason.MissingDetails], Check(voucher, order, Campaign(required: [RequiredDetail.InvoiceNumber], refuseMissing: true)).Reasons);
        Assert.True(Check(voucher, order, Campaign(required: [RequiredDetail.InvoiceNumber])).Qualifies);
        Assert.True(Check(voucher, order with { InvoiceNumber = "FP-1" }, Campaign(required: [RequiredDetail.InvoiceNumber], refuseMissing: true)).Qualifies);
    }

    [Fact]
    public void Every_failing_rule_is_reported_not_only_the_first()
    {
        var verdict = Check(
            Voucher("v1", 30000, categories: ["produce"], hours: NineToTen),
            Order(100, "supermarket"),
            Campaign(cap: 20000),
            Merchant(MerchantStanding.Suspended),
            "staff-9",
            Beijing(2023, 5, 10, 23));

        Assert.Equal(
            [RefusalReason.OutsideUsageHours, RefusalReason.MerchantSuspended, RefusalReason.StaffNotBound, RefusalReason.CategoryNotAllowed, RefusalReason.BelowMinimumSpend, RefusalReason.OverTransactionCap],
            verdict.Reasons);
    }

    [Fact]
    public void Outside_usage_hours_on_the_last_day_of_validity_there_is_no_next_usable_instant()
    {
        var voucher = Voucher("v1", 2000, until: Beijing(2023, 5, 11), hours: NineToTen);

        Assert.Null(Eligibility.NextUsable(voucher, Beijing(2023, 5, 10, 22, 30)));
        Assert.Equal(Beijing(2023, 5, 10, 9), Eligibility.NextUsable(voucher, Beijing(2023, 5, 10, 3)));
    }

    [Fact]
    public void Without_an_order_amount_S2_accepts_the_redemption_for_no_subsidy_but_a_recorded_amount_below_three_times_is_refused()
    {
        var voucher = Voucher("v1", 2000, MinimumSpendRule.MultipleOfFaceValue(30000));
        var s2 = Campaign(required: [RequiredDetail.OrderAmount]);

        Assert.True(Check(voucher, Order(0, "catering"), s2).Qualifies);
        Assert.Equal([RefusalReason.BelowMinimumSpend], Check(voucher, Order(5999, "catering"), s2).Reasons);
        Assert.Equal([RefusalReason.BelowMinimumSpend], Check(voucher, Order(0, "catering")).Reasons);
        Assert.Equal([RefusalReason.BelowMinimumSpend, RefusalReason.MissingDetails], Check(voucher, Order(0, "catering"), Campaign(required: [RequiredDetail.OrderAmount], refuseMissing: true)).Reasons);
    }
}
