using Settlement.Service.Domain;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Tests.Domain;

/// <summary>Statement columns, adjustments and carry-over per merchant and period.</summary>
public class StatementTests
{
    private static readonly Weighted[] OneSource = [new("gov", 1)];

    private static StatementRedemption S5(string id, long face, SubsidyStanding standing = SubsidyStanding.Earns, long order = 250_000)
    {
        // 张店: the merchant bears 15 % of the face value.
        var merchant = face * 15 / 100;
        return new StatementRedemption(id, "unionpay", face, merchant, face - merchant, order, standing);
    }

    [Fact]
    public void S5_statement_pays_85_percent_and_shows_the_merchant_15_percent()
    {
        var statement = Statements.Compute([S5("r1", 20_000), S5("r2", 10_000), S5("r3", 20_000)], [], OneSource);

        Assert.Equal(new StatementFigures(3, 50_000, 750_000, 42_500, 7_500, 0, 42_500), statement.Amounts);
        Assert.Empty(statement.OwnAdjustments);
        Assert.Equal(0, statement.CarryForwardCents);
        Assert.Equal([new SplitCell("gov", "unionpay", 42_500)], statement.Split);
    }

    [Fact]
    public void A_forfeited_and_a_revoked_redemption_are_counted_and_their_subsidy_taken_back()
    {
        var statement = Statements.Compute(
            [S5("r1", 20_000), S5("r2", 20_000, SubsidyStanding.ForfeitedMissingDetails), S5("r3", 10_000, SubsidyStanding.Revoked)],
            [],
            OneSource);

        Assert.Equal(new StatementFigures(3, 50_000, 750_000, 42_500, 7_500, -25_500, 17_000), statement.Amounts);
        Assert.Equal(
            [
                new AdjustmentEntry(AdjustmentKind.ForfeitedMissingDetails, -17_000, "r2", Statements.ForfeitedReason),
                new AdjustmentEntry(AdjustmentKind.Revoked, -8_500, "r3", "revoked by the operator"),
            ],
            statement.OwnAdjustments);
        Assert.Equal(17_000, statement.Split.Sum(c => c.AmountCents));
    }

    [Fact]
    public void Brought_in_adjustments_change_the_net()
    {
        var statement = Statements.Compute(
            [S5("r1", 20_000)],
            [new AdjustmentEntry(AdjustmentKind.Revoked, -8_500, "old", "paid last week, revoked since"), new AdjustmentEntry(AdjustmentKind.Correction, 100, string.Empty, "typo")],
            OneSource);

        Assert.Equal(-8_400, statement.Amounts.AdjustmentsCents);
        Assert.Equal(8_600, statement.Amounts.NetPayableCents);
    }

    [Fact]
    public void A_deduction_larger_than_the_statement_leaves_zero_and_carries_the_rest_forward()
    {
        var statement = Statements.Compute([S5("r1", 10_000)], [new AdjustmentEntry(AdjustmentKind.Clawback, -20_000, string.Empty, "violation")], OneSource);

        Assert.Equal(0, statement.Amounts.NetPayableCents);
        Assert.Equal(-8_500, statement.Amounts.AdjustmentsCents);
        Assert.Equal(-11_500, statement.CarryForwardCents);
        Assert.Contains(new AdjustmentEntry(AdjustmentKind.CarriedForward, 11_500, string.Empty, Statements.CarryForwardReason), statement.OwnAdjustments);
        Assert.Empty(statement.Split);
    }

    [Fact]
    public void A_statement_with_only_a_positive_correction_pays_it_unattributed()
    {
        var statement = Statements.Compute([], [new AdjustmentEntry(AdjustmentKind.Correction, 1_234, string.Empty, "late invoice")], OneSource);

        Assert.Equal(new StatementFigures(0, 0, 0, 0, 0, 1_234, 1_234), statement.Amounts);
        Assert.Equal([new SplitCell("gov", Splits.Unattributed, 1_234)], statement.Split);
    }

    [Fact]
    public void S2_full_subsidy_forfeits_redemptions_without_an_amount()
    {
        var statement = Statements.Compute(
            [
                new StatementRedemption("a", "c", 5_000, 0, 5_000, 15_000, SubsidyStanding.Earns),
                new StatementRedemption("b", "c", 10_000, 0, 10_000, 0, SubsidyStanding.ForfeitedMissingDetails),
            ],
            [],
            OneSource);

        Assert.Equal(new StatementFigures(2, 15_000, 15_000, 15_000, 0, -10_000, 5_000), statement.Amounts);
    }

    [Fact]
    public void Inconsistent_or_repeated_redemptions_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Statements.Compute([new StatementRedemption("a", "c", 100, 10, 80, 0, SubsidyStanding.Earns)], [], OneSource));
        Assert.Throws<ArgumentException>(() => Statements.Compute([S5("a", 100), S5("a", 100)], [], OneSource));
        Assert.Throws<ArgumentException>(() => Statements.Compute([new StatementRedemption("a", "c", 0, 0, 0, 0, SubsidyStanding.Earns)], [], OneSource));
    }

    [Fact]
    public void Every_random_statement_has_net_equal_to_government_plus_adjustments_and_splits_to_the_cent()
    {
        var random = new Random(20261204);
        for (var round = 0; round < 2_000; round++)
        {
            var redemptions = Enumerable.Range(0, random.Next(0, 12)).Select(i =>
            {
                var face = random.Next(1, 60_000);
                var merchant = random.Next(0, face + 1);
                return new StatementRedemption($"r{i}", $"c{random.Next(3)}", face, merchant, face - merchant, random.Next(0, 900_000), (SubsidyStanding)random.Next(3));
            }).ToList();
            var brought = Enumerable.Range(0, random.Next(0, 3)).Select(_ => new AdjustmentEntry(AdjustmentKind.Correction, random.Next(-80_000, 20_000), string.Empty, "x")).ToList();

            var statement = Statements.Compute(redemptions, brought, [new Weighted("a", random.Next(1, 9)), new Weighted("b", random.Next(1, 9))]);

            Assert.True(statement.Amounts.NetPayableCents >= 0);
            Assert.Equal(statement.Amounts.GovernmentShareCents + statement.Amounts.AdjustmentsCents, statement.Amounts.NetPayableCents);
            Assert.Equal(statement.Amounts.NetPayableCents, statement.Split.Sum(c => c.AmountCents));
            Assert.Equal(statement.Amounts.AdjustmentsCents, statement.OwnAdjustments.Sum(a => a.AmountCents) + brought.Sum(a => a.AmountCents));
        }
    }
}
