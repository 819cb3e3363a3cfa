using BackOffice.Campaigns;
using Campaign.Service.Tests;
using Vouchers.Campaign.V1;

namespace BackOffice.Tests;

public sealed class PlanTableTests
{
    /// <summary>S2's table exactly as DOMAIN.md prints it, header and separator included.</summary>
    public const string S2PrintedTable = """
        | face value | lodging | catering | fuel | produce | books | printed count | printed amount |
        | --- | --- | --- | --- | --- | --- | --- | --- |
        | 20 | | | | 2500 | 1000 | 3500 | 70,000 |
        | 50 | 4000 | | 4000 | 1400 | 400 | 10800 | 540,000 |
        | 100 | 2000 | 500 | 2000 | 500 | 100 | 5600 | 560,000 |
        | 200 | 1000 | 250 | 500 | | | 1500 | 300,000 |
        | 500 | | 100 | 200 | | | 200 | 100,000 |
        | printed count | 7000 | 850 | 6700 | 4400 | 1500 | 15950 | |
        | printed amount | 600,000 | 150,000 | 600,000 | 170,000 | 50,000 | | 1,570,000 |
        """;

    /// <summary>The same table with the document's wrong subtotals corrected, as a spreadsheet copies it (tabs).</summary>
    public const string S2CorrectedTable =
        "20\t\t\t\t2500\t1000\t3500\t70000\n" +
        "50\t4000\t\t4000\t1400\t400\t9800\t490000\n" +
        "100\t2000\t500\t2000\t500\t100\t5100\t510000\n" +
        "200\t1000\t250\t500\t\t\t1750\t350000\n" +
        "500\t\t100\t200\t\t\t300\t150000\n" +
        "合计张数\t7000\t850\t6700\t4400\t1500\t20450\t\n" +
        "合计金额\t600000\t150000\t600000\t170000\t50000\t\t1570000\n";

    public static IReadOnlyList<TierDefinition> S2Tiers { get; } =
        [.. Seeds.S2Faces.Reverse().Select(face => new TierDefinition { TierId = $"t-{face}", Name = $"{face}元券", FaceValueCents = Seeds.Yuan(face) })];

    private static PlanTable S2Table() => new(S2Tiers, Seeds.S2Categories);

    [Fact]
    public void The_printed_S2_table_pasted_as_the_document_shows_it_is_the_seed_plan_with_its_printed_subtotals()
    {
        var table = S2Table();
        Assert.Empty(table.Paste(S2PrintedTable));
        var (plan, unreadable) = table.ToPlan();
        Assert.Empty(unreadable);
        Assert.Equal(Seeds.S2Plan(asPrinted: true), plan);
    }

    [Fact]
    public void The_corrected_S2_table_pasted_from_a_spreadsheet_is_the_seed_plan_with_correct_subtotals()
    {
        var table = S2Table();
        Assert.Empty(table.Paste(S2CorrectedTable));
        Assert.Equal(Seeds.S2Plan(asPrinted: false), table.ToPlan().Plan);
    }

    [Fact]
    public void A_stored_plan_fills_the_table_and_comes_back_unchanged()
    {
        var campaign = new CampaignDetails { Settings = new CampaignSettings(), AllocationPlan = Seeds.S2Plan(asPrinted: true) };
        campaign.Tiers.AddRange(S2Tiers);
        campaign.Settings.Categories.AddRange(Seeds.S2Categories.Select(c => new CampaignCategory { CategoryId = c }));
        var table = PlanTable.FromCampaign(campaign);
        Assert.Equal("70000", table[PlanTable.TierAmount("t-20")]);
        Assert.Equal(Seeds.S2Plan(asPrinted: true), table.ToPlan().Plan);
    }

    [Fact]
    public void A_figure_that_is_not_a_number_is_reported_where_it_was_typed_and_no_plan_is_made()
    {
        var table = S2Table();
        table.Paste(S2PrintedTable);
        table[PlanPosition.Quantity("t-50", "fuel")] = "4千";
        table[PlanTable.GrandAmount] = "1,570,000.001";
        var (plan, unreadable) = table.ToPlan();
        Assert.Null(plan);
        Assert.Equal([PlanPosition.Quantity("t-50", "fuel"), PlanTable.GrandAmount], unreadable);
    }

    [Fact]
    public void Pasted_lines_that_do_not_fit_the_tiers_are_refused_with_the_reason()
    {
        Assert.Contains("expected 7 lines", Assert.Single(S2Table().Paste("20\t1\t2")), StringComparison.Ordinal);
        var swapped = S2CorrectedTable.Replace("20\t\t\t\t2500", "30\t\t\t\t2500", StringComparison.Ordinal);
        Assert.Contains("face value 30", Assert.Single(S2Table().Paste(swapped)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,570,000", 157_000_000L)]
    [InlineData("0.05", 5L)]
    [InlineData("12.5", 1_250L)]
    [InlineData("¥70,000.00", 7_000_000L)]
    [InlineData("1.234", null)]
    [InlineData("-1", null)]
    [InlineData("1e3", null)]
    [InlineData("", null)]
    [InlineData("92233720368547758.08", null)]
    public void Yuan_as_written_become_exact_cents(string text, long? cents) => Assert.Equal(cents, PlanTable.ParseYuan(text));

    [Fact]
    public void A_printed_subtotal_discrepancy_points_at_the_figure_that_was_typed()
    {
        Assert.Equal(PlanTable.TierCount("t-50"), PlanTable.PositionOf(new BudgetDiscrepancy { Item = BudgetCheckItem.DeclaredTotal, Axis = AllocationAxis.Tier, Key = "t-50", Unit = BudgetUnit.Count }));
        Assert.Equal(PlanTable.GrandCount, PlanTable.PositionOf(new BudgetDiscrepancy { Item = BudgetCheckItem.DeclaredTotal, Axis = AllocationAxis.Grand, Unit = BudgetUnit.Count }));
        Assert.Null(PlanTable.PositionOf(new BudgetDiscrepancy { Item = BudgetCheckItem.FundingSources }));
    }
}
