using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class QualificationTests
{
    private static VoucherTerms Fixed(long face, long threshold, params string[] categories) =>
        new(Y(face), MinimumSpendRule.Fixed(Y(threshold)), CategoryRestriction.Only(categories));

    [Theory]
    [InlineData(14_999, false)]
    [InlineData(15_000, true)]
    [InlineData(15_001, true)]
    [InlineData(0, false)]
    public void Fixed_threshold_of_150_is_inclusive(long orderCents, bool qualifies)
    {
        var result = SpendQualification.Check(Fixed(50, 150), OrderFacts.Whole(orderCents));

        Assert.Equal(qualifies, result.IsQualified);
        Assert.Equal(qualifies ? QualificationFailure.None : QualificationFailure.BelowMinimumSpend, result.Failure);
    }

    [Theory]
    [InlineData(20, 5_999, false)]
    [InlineData(20, 6_000, true)]
    [InlineData(50, 14_999, false)]
    [InlineData(50, 15_000, true)]
    [InlineData(100, 30_000, true)]
    [InlineData(200, 59_999, false)]
    [InlineData(500, 150_000, true)]
    public void S2_minimum_spend_is_three_times_face_value_inclusive(long faceYuan, long orderCents, bool qualifies)
    {
        var terms = new VoucherTerms(Y(faceYuan), MinimumSpendRule.MultipleOfFaceValue(30_000), CategoryRestriction.Any);

        Assert.Equal(qualifies, SpendQualification.Check(terms, OrderFacts.Whole(orderCents)).IsQualified);
    }

    [Theory]
    [InlineData(1, 15_000, 2)]
    [InlineData(333, 15_000, 500)]
    [InlineData(334, 15_000, 501)]
    [InlineData(1, 10_000, 1)]
    [InlineData(7, 25_000, 18)]
    public void Fractional_multiples_round_the_threshold_up_to_the_cent(long faceCents, int basisPoints, long expectedThreshold)
    {
        Assert.Equal(expectedThreshold, MinimumSpendRule.MultipleOfFaceValue(basisPoints).ThresholdCents(faceCents));
    }

    [Theory]
    [InlineData(new long[] { 199_999 }, 300_000, false)]
    [InlineData(new long[] { 200_000 }, 200_000, true)]
    [InlineData(new long[] { 150_000, 150_000 }, 300_000, false)]
    [InlineData(new long[] { 50_000, 250_000 }, 300_000, true)]
    public void S5_a_single_item_of_2000_qualifies_for_the_200_voucher_however_large_the_order(long[] items, long order, bool qualifies)
    {
        var terms = new VoucherTerms(Y(200), MinimumSpendRule.Fixed(Y(2000), SpendScope.SingleItem), CategoryRestriction.Any);

        var result = SpendQualification.Check(terms, new OrderFacts(order, "appliances.tv", items), Y(200));

        Assert.Equal(qualifies, result.IsQualified);
    }

    [Fact]
    public void Single_item_voucher_without_recorded_items_is_refused()
    {
        var terms = new VoucherTerms(Y(100), MinimumSpendRule.Fixed(Y(1000), SpendScope.SingleItem), CategoryRestriction.Any);

        Assert.Equal(QualificationFailure.NoItemRecorded, SpendQualification.Check(terms, OrderFacts.Whole(Y(5000))).Failure);
    }

    [Theory]
    [InlineData(200, 200, true)]
    [InlineData(100, 200, true)]
    [InlineData(300, 200, false)]
    [InlineData(300, 0, true)]
    public void Per_transaction_cap_bounds_the_voucher_value(long faceYuan, long capYuan, bool allowed)
    {
        var terms = Fixed(faceYuan, faceYuan * 10);

        var result = SpendQualification.Check(terms, OrderFacts.Whole(Y(faceYuan * 10)), Y(capYuan));

        Assert.Equal(allowed ? QualificationFailure.None : QualificationFailure.OverTransactionCap, result.Failure);
    }

    [Fact]
    public void Null_cap_means_no_cap()
    {
        Assert.True(SpendQualification.Check(Fixed(300, 1200), OrderFacts.Whole(Y(1200))).IsQualified);
    }

    [Theory]
    [InlineData("catering", true)]
    [InlineData("appliances", true)]
    [InlineData("appliances.tv", true)]
    [InlineData("appliances.tv.oled", true)]
    [InlineData("appliancesx", false)]
    [InlineData("fuel", false)]
    [InlineData("", false)]
    public void Category_restriction_admits_listed_categories_and_their_sub_categories(string category, bool admitted)
    {
        var terms = Fixed(50, 150, "catering", "appliances");

        var result = SpendQualification.Check(terms, OrderFacts.Whole(Y(150), category));

        Assert.Equal(admitted ? QualificationFailure.None : QualificationFailure.CategoryNotAdmitted, result.Failure);
    }

    [Fact]
    public void A_sub_category_restriction_does_not_admit_its_parent()
    {
        Assert.False(CategoryRestriction.Only("appliances.tv").Admits("appliances"));
        Assert.True(CategoryRestriction.Any.Admits("anything"));
        Assert.True(CategoryRestriction.Only("produce").AdmitsAny(["books", "produce.poverty_relief"]));
        Assert.False(CategoryRestriction.Only("produce").AdmitsAny(["books"]));
    }

    [Fact]
    public void Category_is_checked_before_the_amount()
    {
        var result = SpendQualification.Check(Fixed(50, 150, "fuel"), OrderFacts.Whole(1, "books"));

        Assert.Equal(QualificationFailure.CategoryNotAdmitted, result.Failure);
        Assert.Contains("'books'", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, new long[0])]
    [InlineData(100, new long[] { 101 })]
    [InlineData(100, new long[] { -1 })]
    public void Malformed_orders_are_refused(long order, long[] items)
    {
        Assert.Equal(QualificationFailure.InvalidOrder, SpendQualification.Check(Fixed(1, 1), new OrderFacts(order, "", items)).Failure);
    }

    [Theory]
    [InlineData(5_000, 15_000, 0)]
    [InlineData(5_000, 5_000, 0)]
    [InlineData(5_000, 4_999, 1)]
    [InlineData(0, 100, 1)]
    public void Fixed_threshold_below_face_value_is_a_configuration_problem(long face, long threshold, int problems)
    {
        Assert.Equal(problems, new VoucherTerms(face, MinimumSpendRule.Fixed(threshold), CategoryRestriction.Any).Validate().Count);
    }

    [Theory]
    [InlineData(9_999, 1)]
    [InlineData(10_000, 0)]
    [InlineData(30_000, 0)]
    public void Multiple_below_one_times_face_value_is_a_configuration_problem(int basisPoints, int problems)
    {
        Assert.Equal(problems, new VoucherTerms(Y(20), MinimumSpendRule.MultipleOfFaceValue(basisPoints), CategoryRestriction.Any).Validate().Count);
    }

    [Fact]
    public void Every_seed_tier_is_a_valid_configuration()
    {
        var all = S1Tiers.Select(t => Fixed(t.Face, t.MinimumSpend))
            .Concat(S3Tiers.Select(t => Fixed(t.Face, t.MinimumSpend)))
            .Concat(S4Tiers.Select(t => Fixed(t.Face, t.MinimumSpend)))
            .Concat(S5BatchTiers.Select(t => new VoucherTerms(Y(t.Face), MinimumSpendRule.Fixed(Y(t.ItemMinimum), SpendScope.SingleItem), CategoryRestriction.Any)));

        Assert.All(all, terms => Assert.Empty(terms.Validate()));
    }
}
