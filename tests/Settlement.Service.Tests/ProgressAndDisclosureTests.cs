extern alias redemptiontests;

using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;

namespace Settlement.Service.Tests;

/// <summary>
/// GetMonthlyProgress and GetPublicDisclosure to the cent on S5 over April and May 2023, every voucher claimed through
/// Claim and redeemed through Redemption: April 4 claimed (2×200, 2×100), 3 redeemed of which one without an invoice
/// (used, subsidy forfeited), week 1 paid in April; May 1 claimed and redeemed, paid in May.
/// </summary>
[Collection(SettlementCollection.Name)]
public class ProgressAndDisclosureTests(RedemptionWorld services)
{
    private const long Budget = 50_000_000;

    private static VoucherTally Tally(long count, long face) => new() { Count = count, FaceValueCents = face };

    private static ProgressFigures Figures(VoucherTally claimed, VoucherTally used, long spend, long paid, long merchants) =>
        new() { Claimed = claimed, Used = used, Expired = Tally(0, 0), LeveragedSpendCents = spend, SubsidyPaidCents = paid, ActiveMerchants = merchants };

    private static async Task PayAsync(SettlementHost host, SettlementRun run, string reference)
    {
        var batch = await host.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = run.PayoutBatchId });
        var approved = await host.Settlement.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version });
        await host.Settlement.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version, PaymentReference = reference });
    }

    private async Task<(World World, string S5)> AprilAndMayAsync()
    {
        var world = await World.StartAsync(services);
        var s5 = await world.S5Async(acceptMissingInvoice: true);
        var m1 = await world.ShopAsync(s5, "appliances");
        var m2 = await world.ShopAsync(s5, "appliances");
        var (a, b, c) = (await world.ClaimAsync(s5, "t-200"), await world.ClaimAsync(s5, "t-100"), await world.ClaimAsync(s5, "t-100"));
        await world.ClaimAsync(s5, "t-200");
        await world.RedeemAsync(m1, a, Shanghai(2023, 4, 23, 12), 250_001, "appliances", itemCents: 200_000);
        await world.RedeemAsync(m2, b, Shanghai(2023, 4, 23, 13), 120_003, "appliances", itemCents: 100_000);
        await world.RedeemAsync(m2, c, Shanghai(2023, 4, 23, 14), 100_000, "appliances", itemCents: 100_000, invoice: string.Empty);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        var week1 = await ScenarioTests.RunDueAsync(world.Host, s5);
        Assert.Equal(25_500, week1.Totals.NetPayableCents);
        world.Clock.Now = Shanghai(2023, 4, 24, 2);
        await PayAsync(world.Host, week1, "ZD-W17");

        await world.ClaimAndRedeemAsync(m1, s5, "t-100", Shanghai(2023, 5, 3, 11), 110_000, "appliances", itemCents: 100_000);
        world.Clock.Now = Shanghai(2023, 5, 8, 1);
        await world.WaitForFeedsAsync(s5);
        var fortnight = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = Requests.ToWindow(Shanghai(2023, 4, 24), Shanghai(2023, 5, 8)) });
        Assert.Equal(8_500, fortnight.Totals.NetPayableCents);
        world.Clock.Now = Shanghai(2023, 5, 8, 2);
        await PayAsync(world.Host, fortnight, "ZD-W18-19");
        world.Clock.Now = Shanghai(2023, 5, 8, 3);
        return (world, s5);
    }

    [Fact]
    public async Task Monthly_progress_counts_claims_uses_spend_and_subsidy_paid_in_the_month_and_to_its_end_to_the_cent()
    {
        var (world, s5) = await AprilAndMayAsync();
        await using var _ = world;

        var april = await world.Host.Reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Auditor, CampaignId = s5, Year = 2023, Month = 4 });
        var may = await world.Host.Reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Operator, CampaignId = s5, Year = 2023, Month = 5 });

        // April: the redemption without an invoice used its voucher (and drove spend) though its subsidy is forfeited.
        var aprilFigures = Figures(Tally(4, 60_000), Tally(3, 40_000), 470_004, 25_500, 2);
        Assert.Equal((s5, 2023, 4, Budget), (april.CampaignId, april.Year, april.Month, april.BudgetCents));
        Assert.Equal(aprilFigures, april.InMonth);
        Assert.Equal(aprilFigures, april.Cumulative);
        Assert.Equal(8, april.BudgetUsedBasisPoints);
        var aprilAppliances = Assert.Single(april.Categories);
        Assert.Equal("appliances", aprilAppliances.CategoryId);
        Assert.Equal(Figures(Tally(0, 0), Tally(3, 40_000), 470_004, 25_500, 2), aprilAppliances.InMonth);

        Assert.Equal(Figures(Tally(1, 10_000), Tally(1, 10_000), 110_000, 8_500, 1), may.InMonth);
        Assert.Equal(Figures(Tally(5, 70_000), Tally(4, 50_000), 580_004, 34_000, 2), may.Cumulative);
        Assert.Equal(10, may.BudgetUsedBasisPoints);
        var mayAppliances = Assert.Single(may.Categories);
        Assert.Equal(Figures(Tally(0, 0), Tally(1, 10_000), 110_000, 8_500, 1), mayAppliances.InMonth);
        Assert.Equal(Figures(Tally(0, 0), Tally(4, 50_000), 580_004, 34_000, 2), mayAppliances.Cumulative);
        Assert.True(may.AsOf.ToDateTimeOffset() >= Shanghai(2023, 5, 8, 1));
    }

    [Fact]
    public async Task The_public_disclosure_states_issued_used_spend_leverage_and_fund_use_to_the_cent()
    {
        var (world, s5) = await AprilAndMayAsync();
        await using var _ = world;

        var disclosure = await world.Host.Reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest { CampaignId = s5 });

        Assert.Equal(("张店区2023年家电消费券", "张店区商务局", "张店区"), (disclosure.CampaignName, disclosure.Organizer, disclosure.RegionName));
        Assert.Equal(["张店区财政局"], disclosure.CoOrganizers);
        Assert.Equal(Requests.ToWindow(Shanghai(2023, 4, 22), Shanghai(2023, 5, 23)), disclosure.Period);
        Assert.Equal(Budget, disclosure.BudgetCents);
        Assert.Equal(Tally(5, 70_000), disclosure.Issued);
        Assert.Equal(Tally(4, 50_000), disclosure.Used);
        Assert.Equal(Tally(0, 0), disclosure.Expired);
        Assert.Equal(580_004, disclosure.LeveragedSpendCents);
        Assert.Equal(116_000, disclosure.LeverageBasisPoints);
        Assert.Equal(2, disclosure.MerchantCount);
        Assert.Equal(
            [
                new FundingUse { FundingSourceId = "zhangdian-finance", Name = "张店区财政 (85%)", AmountCents = 42_500_000, PaidCents = 34_000 },
                new FundingUse { FundingSourceId = "merchant-cofunding", Name = "商户让利 (15%)", AmountCents = 7_500_000 },
            ],
            disclosure.Funding);
        Assert.Equal([new CategoryAmount { CategoryId = "appliances", AmountCents = 50_000 }], disclosure.UsedByCategory);
        Assert.Equal(Budget - 34_000, disclosure.RemainderCents);
        Assert.Contains("returned to the treasury", disclosure.RemainderDisposition);
    }
}
