using BackOffice.Campaigns;
using Campaign.Service.Tests;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace BackOffice.Tests;

public sealed class TierCategoryMatrixTests
{
    private static CampaignDetails S2()
    {
        var campaign = new CampaignDetails { Settings = new CampaignSettings(), AllocationPlan = Seeds.S2Plan(asPrinted: false) };
        campaign.Tiers.AddRange(PlanTableTests.S2Tiers);
        campaign.Settings.Categories.AddRange(Seeds.S2Categories.Select(c => new CampaignCategory { CategoryId = c }));
        return campaign;
    }

    private static PoolLine Line(string round, string tier, string category, long issued, long used) =>
        new() { RoundId = round, TierId = tier, CategoryId = category, Issued = new VoucherTally { Count = issued }, Used = new VoucherTally { Count = used } };

    [Fact]
    public void The_S2_plan_totals_20450_vouchers_worth_the_whole_budget_with_the_seed_column_totals()
    {
        var matrix = TierCategoryMatrix.Build(S2(), pool: null);
        Assert.Equal(["t-20", "t-50", "t-100", "t-200", "t-500"], matrix.Tiers.Select(t => t.TierId));
        Assert.Equal(Seeds.S2Categories, matrix.Categories);
        Assert.Equal(20_450, matrix.GrandTotal.Total);
        Assert.Equal(Seeds.Yuan(1_570_000), matrix.GrandTotal.ValueCents);
        long[] columnValues = [600_000, 150_000, 600_000, 170_000, 50_000];
        long[] columnCounts = [7000, 850, 6700, 4400, 1500];
        for (var i = 0; i < Seeds.S2Categories.Length; i++)
        {
            Assert.Equal(Seeds.Yuan(columnValues[i]), matrix.CategoryTotal(Seeds.S2Categories[i]).ValueCents);
            Assert.Equal(columnCounts[i], matrix.CategoryTotal(Seeds.S2Categories[i]).Total);
        }

        Assert.Equal(9800, matrix.TierTotal("t-50").Total);
        Assert.Null(matrix.Cell("t-20", "lodging"));
    }

    [Fact]
    public void Claimed_and_used_are_summed_over_rounds_and_remaining_is_what_the_plan_has_not_issued()
    {
        var pool = new PoolReport();
        pool.Lines.Add(Line("round-1", "t-50", "lodging", issued: 30, used: 12));
        pool.Lines.Add(Line("round-2", "t-50", "lodging", issued: 5, used: 1));
        pool.Lines.Add(Line("round-1", "t-500", "fuel", issued: 2, used: 2));
        var matrix = TierCategoryMatrix.Build(S2(), pool);
        var cell = matrix.Cell("t-50", "lodging")!;
        Assert.Equal((4000L, 35L, 13L, 3965L), (cell.Total, cell.Claimed, cell.Used, cell.Remaining));
        Assert.Equal(Seeds.Yuan(13 * 50), cell.UsedValueCents);
        Assert.Equal(37, matrix.GrandTotal.Claimed);
        Assert.Equal(Seeds.Yuan((13 * 50) + (2 * 500)), matrix.GrandTotal.UsedValueCents);
        Assert.Equal(2, matrix.CategoryTotal("fuel").Used);
    }
}
