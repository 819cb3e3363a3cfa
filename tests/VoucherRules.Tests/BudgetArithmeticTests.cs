using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class BudgetArithmeticTests
{
    private static readonly DeclaredSubtotal[] S2PrintedSubtotals =
    [
        new(BudgetLine.Tier("20"), 3500, Y(70_000)),
        new(BudgetLine.Tier("50"), 10800, Y(540_000)),
        new(BudgetLine.Tier("100"), 5600, Y(560_000)),
        new(BudgetLine.Tier("200"), 1500, Y(300_000)),
        new(BudgetLine.Tier("500"), 200, Y(100_000)),
        new(BudgetLine.Category("lodging"), 7000, Y(600_000)),
        new(BudgetLine.Category("catering"), 850, Y(150_000)),
        new(BudgetLine.Category("fuel"), 6700, Y(600_000)),
        new(BudgetLine.Category("produce"), 4400, Y(170_000)),
        new(BudgetLine.Category("books"), 1500, Y(50_000)),
        new(BudgetLine.Grand, 15950, Y(1_570_000)),
    ];

    private static BudgetPlan S2Plan(IReadOnlyList<DeclaredSubtotal> declared) =>
        new(Y(1_570_000), S2Cells(), [new FundingSource("qianan-treasury", Y(1_570_000))], [], declared);

    [Fact]
    public void S2_as_printed_is_refused_with_every_wrong_row_subtotal_and_the_wrong_grand_count()
    {
        var report = BudgetArithmetic.Check(S2Plan(S2PrintedSubtotals));

        Assert.False(report.IsConsistent);
        Assert.Empty(report.InvalidEntries);
        var expected = new[]
        {
            (BudgetLine.Tier("50"), BudgetMeasure.Count, 9800L, 10800L),
            (BudgetLine.Tier("50"), BudgetMeasure.AmountCents, Y(490_000), Y(540_000)),
            (BudgetLine.Tier("100"), BudgetMeasure.Count, 5100L, 5600L),
            (BudgetLine.Tier("100"), BudgetMeasure.AmountCents, Y(510_000), Y(560_000)),
            (BudgetLine.Tier("200"), BudgetMeasure.Count, 1750L, 1500L),
            (BudgetLine.Tier("200"), BudgetMeasure.AmountCents, Y(350_000), Y(300_000)),
            (BudgetLine.Tier("500"), BudgetMeasure.Count, 300L, 200L),
            (BudgetLine.Tier("500"), BudgetMeasure.AmountCents, Y(150_000), Y(100_000)),
            (BudgetLine.Grand, BudgetMeasure.Count, 20450L, 15950L),
        };
        Assert.Equal(
            expected,
            report.Discrepancies.Select(d => (d.Line, d.Measure, d.Computed, d.Declared)).ToArray());
        Assert.All(report.Discrepancies, d => Assert.Equal(BudgetComparison.DeclaredSubtotal, d.ComparedWith));
        Assert.Equal(Y(50_000), report.Discrepancies[7].Difference);
        Assert.Equal("Tier 50 amount: computed 490,000.00, declared 540,000.00 (DeclaredSubtotal), difference -50,000.00",
            report.Discrepancies[1].Describe());
    }

    [Fact]
    public void S2_grand_total_and_every_column_are_accepted_as_printed()
    {
        var report = BudgetArithmetic.Check(S2Plan(S2PrintedSubtotals));

        Assert.Equal(157_000_000, report.Total(BudgetLine.Grand).AmountCents);
        Assert.DoesNotContain(report.Discrepancies, d => d.Line.Axis == BudgetAxis.Category);
        Assert.DoesNotContain(report.Discrepancies, d => d.Line == BudgetLine.Grand && d.Measure == BudgetMeasure.AmountCents);
        Assert.Equal(new LineTotal(BudgetLine.Category("lodging"), 7000, Y(600_000)), report.Total(BudgetLine.Category("lodging")));
        Assert.Equal(new LineTotal(BudgetLine.Category("catering"), 850, Y(150_000)), report.Total(BudgetLine.Category("catering")));
        Assert.Equal(new LineTotal(BudgetLine.Category("fuel"), 6700, Y(600_000)), report.Total(BudgetLine.Category("fuel")));
        Assert.Equal(new LineTotal(BudgetLine.Category("produce"), 4400, Y(170_000)), report.Total(BudgetLine.Category("produce")));
        Assert.Equal(new LineTotal(BudgetLine.Category("books"), 1500, Y(50_000)), report.Total(BudgetLine.Category("books")));
        Assert.Equal(new LineTotal(BudgetLine.Tier("20"), 3500, Y(70_000)), report.Total(BudgetLine.Tier("20")));
    }

    [Fact]
    public void S2_with_corrected_subtotals_is_accepted()
    {
        DeclaredSubtotal[] corrected =
        [
            new(BudgetLine.Tier("20"), 3500, Y(70_000)),
            new(BudgetLine.Tier("50"), 9800, Y(490_000)),
            new(BudgetLine.Tier("100"), 5100, Y(510_000)),
            new(BudgetLine.Tier("200"), 1750, Y(350_000)),
            new(BudgetLine.Tier("500"), 300, Y(150_000)),
            .. S2PrintedSubtotals.Where(d => d.Line.Axis == BudgetAxis.Category),
            new(BudgetLine.Grand, 20450, Y(1_570_000)),
        ];

        var report = BudgetArithmetic.Check(S2Plan(corrected));

        Assert.True(report.IsConsistent, string.Join("; ", report.Discrepancies.Select(d => d.Describe())));
    }

    [Fact]
    public void S2_without_declared_subtotals_is_checked_against_the_budget_only()
    {
        Assert.True(BudgetArithmetic.Check(S2Plan([])).IsConsistent);
    }

    [Fact]
    public void S1_tiers_funding_and_channels_add_up_to_400000()
    {
        // DOMAIN.md does not say which channel issues which tier; this split is one that matches
        // the 300,000 / 100,000 allocation exactly.
        var bestpayFaces = new long[] { 200, 300 };
        var cells = S1Tiers.Select(t => new AllocationCell("batch-1", t.Face.ToString(), Y(t.Face), "",
            bestpayFaces.Contains(t.Face) ? "bestpay" : "unionpay", t.Quantity)).ToList();
        var plan = new BudgetPlan(Y(400_000), cells,
            [new FundingSource("pingliang-city", Y(200_000)), new FundingSource("huating-county", Y(200_000))],
            [new ChannelAllocation("unionpay", Y(300_000)), new ChannelAllocation("bestpay", Y(100_000))],
            []);

        var report = BudgetArithmetic.Check(plan);

        Assert.True(report.IsConsistent, string.Join("; ", report.Discrepancies.Select(d => d.Describe())));
        Assert.Equal(7900, report.Total(BudgetLine.Grand).Count);
        Assert.Equal(Y(300_000), report.Total(BudgetLine.Channel("unionpay")).AmountCents);
        Assert.Equal(Y(400_000), report.Total(BudgetLine.Round("batch-1")).AmountCents);
    }

    [Fact]
    public void S1_with_channels_swapped_reports_both_channels()
    {
        var cells = S1Tiers.Select(t => new AllocationCell("batch-1", t.Face.ToString(), Y(t.Face), "",
            t.Face >= 200 ? "unionpay" : "bestpay", t.Quantity)).ToList();
        var plan = new BudgetPlan(Y(400_000), cells, [],
            [new ChannelAllocation("unionpay", Y(300_000)), new ChannelAllocation("bestpay", Y(100_000))], []);

        var report = BudgetArithmetic.Check(plan);

        Assert.Equal(
            new[]
            {
                (BudgetLine.Channel("bestpay"), Y(300_000), Y(100_000)),
                (BudgetLine.Channel("unionpay"), Y(100_000), Y(300_000)),
            },
            report.Discrepancies.Select(d => (d.Line, d.Computed, d.Declared)).ToArray());
        Assert.All(report.Discrepancies, d => Assert.Equal(BudgetComparison.ChannelAllocation, d.ComparedWith));
    }

    [Fact]
    public void S3_tiers_add_up_to_400000()
    {
        var cells = S3Tiers.Select(t => new AllocationCell("", t.Face.ToString(), Y(t.Face), "", "", t.Quantity)).ToList();
        var report = BudgetArithmetic.Check(new BudgetPlan(Y(400_000), cells, [new FundingSource("youhao", Y(400_000))], [], []));

        Assert.True(report.IsConsistent);
        Assert.Equal(10_000, report.Total(BudgetLine.Grand).Count);
    }

    [Fact]
    public void S4_tiers_add_up_to_2000000_and_two_tiers_of_the_same_face_value_stay_separate_rows()
    {
        var cells = S4Tiers.Select(t => new AllocationCell("", t.TierId, Y(t.Face), t.TierId == "local-100" ? "produce.local" : "", "", t.Quantity)).ToList();
        var report = BudgetArithmetic.Check(new BudgetPlan(Y(2_000_000), cells, [], [], []));

        Assert.True(report.IsConsistent);
        Assert.Equal(Y(400_000), report.Total(BudgetLine.Tier("local-100")).AmountCents);
        Assert.Equal(Y(90_000), report.Total(BudgetLine.Tier("100")).AmountCents);
        Assert.Equal(10_050, report.Total(BudgetLine.Grand).Count);
    }

    [Fact]
    public void S5_two_batches_add_up_to_500000_funded_85_by_government_and_15_by_merchants()
    {
        var cells = new[] { "batch-1", "batch-2" }
            .SelectMany(batch => S5BatchTiers.Select(t => new AllocationCell(batch, t.Face.ToString(), Y(t.Face), "", "", t.Quantity)))
            .ToList();
        var plan = new BudgetPlan(Y(500_000), cells,
            [new FundingSource("zhangdian-government", Y(425_000)), new FundingSource("merchant-co-funding", Y(75_000))], [], []);

        var report = BudgetArithmetic.Check(plan);

        Assert.True(report.IsConsistent);
        Assert.Equal(Y(250_000), report.Total(BudgetLine.Round("batch-2")).AmountCents);
        Assert.Equal(4000, report.Total(BudgetLine.Grand).Count);
    }

    [Fact]
    public void Table_short_of_the_budget_and_funding_short_of_the_budget_are_both_reported()
    {
        var plan = new BudgetPlan(Y(1_000), [new AllocationCell("", "50", Y(50), "", "", 19)],
            [new FundingSource("a", Y(600)), new FundingSource("b", Y(300))], [new ChannelAllocation("x", Y(1_200))], []);

        var report = BudgetArithmetic.Check(plan);

        Assert.Equal(
            new[]
            {
                (BudgetLine.AllChannels, BudgetComparison.TotalBudget, Y(1_200), Y(1_000), Y(200)),
                (BudgetLine.AllFunding, BudgetComparison.TotalBudget, Y(900), Y(1_000), Y(-100)),
                (BudgetLine.Grand, BudgetComparison.TotalBudget, Y(950), Y(1_000), Y(-50)),
            },
            report.Discrepancies.Select(d => (d.Line, d.ComparedWith, d.Computed, d.Declared, d.Difference)).ToArray());
    }

    [Fact]
    public void A_declared_line_with_no_cells_is_compared_with_zero()
    {
        var plan = new BudgetPlan(Y(100), [new AllocationCell("", "50", Y(50), "food", "", 2)], [], [],
            [new DeclaredSubtotal(BudgetLine.Category("books"), 1, null)]);

        var discrepancy = Assert.Single(BudgetArithmetic.Check(plan).Discrepancies);

        Assert.Equal((0L, 1L), (discrepancy.Computed, discrepancy.Declared));
    }

    [Fact]
    public void A_channel_missing_from_the_allocations_is_reported_against_zero()
    {
        var plan = new BudgetPlan(Y(100), [new AllocationCell("", "50", Y(50), "", "a", 1), new AllocationCell("", "50", Y(50), "", "b", 1)],
            [], [new ChannelAllocation("a", Y(100))], []);

        var report = BudgetArithmetic.Check(plan);

        Assert.Equal(
            new[] { (BudgetLine.Channel("a"), Y(50), Y(100)), (BudgetLine.Channel("b"), Y(50), 0L) },
            report.Discrepancies.Select(d => (d.Line, d.Computed, d.Declared)).ToArray());
    }

    [Theory]
    [InlineData(0, 5000, "quantity must be positive, got 0")]
    [InlineData(-3, 5000, "quantity must be positive, got -3")]
    [InlineData(2, 0, "face value must be positive, got 0.00")]
    public void Non_positive_quantities_and_face_values_are_invalid_entries(long quantity, long face, string message)
    {
        var plan = new BudgetPlan(Y(100), [new AllocationCell("r1", "t", face, "c", "", quantity)], [], [], []);

        var report = BudgetArithmetic.Check(plan);

        Assert.False(report.IsConsistent);
        Assert.Contains(report.InvalidEntries, e => e.EndsWith(message, StringComparison.Ordinal) && e.StartsWith("round 'r1' tier 't'", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_cells_conflicting_face_values_and_bad_budget_entries_are_invalid()
    {
        var plan = new BudgetPlan(0,
            [new AllocationCell("", "t", 100, "", "", 1), new AllocationCell("", "t", 100, "", "", 1), new AllocationCell("", "t", 200, "x", "", 1)],
            [new FundingSource("f", 0)], [new ChannelAllocation("c", -1)], []);

        var invalid = BudgetArithmetic.Check(plan).InvalidEntries;

        Assert.Equal(5, invalid.Count);
        Assert.Contains(invalid, e => e.Contains("total budget must be positive", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Contains("appears more than once", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Contains("differs from the tier's 1.00", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Contains("funding source 'f'", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Contains("channel 'c'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_table_is_invalid()
    {
        var report = BudgetArithmetic.Check(new BudgetPlan(Y(1), [], [], [], []));

        Assert.Contains("the allocation table has no cells", report.InvalidEntries);
        Assert.Single(report.Discrepancies);
    }
}
