extern alias campaigntests;
extern alias redemptiontests;

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using TestSupport;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;
using CampaignSeeds = campaigntests::Campaign.Service.Tests.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;
using Scenes = redemptiontests::Redemption.Service.Tests.Infrastructure.Scenes;

namespace Settlement.Service.Tests;

/// <summary>
/// S5 across the whole suite: the campaign configured through the real Campaign service, vouchers claimed through the
/// real Claim service and redeemed through the real Redemption service; Settlement learns all of it only from
/// Campaign's snapshot watch, Claim's issuance feed and Redemption's feed, then settles the week and pays it.
/// </summary>
[Collection(SettlementCollection.Name)]
public sealed class EndToEndTests(RedemptionWorld services)
{
    [Fact]
    public async Task S5_claimed_and_redeemed_through_the_real_services_settles_weekly_85_15_to_the_cent_and_is_paid()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var shop1 = await world.ShopAsync(s5, "appliances");
        var shop2 = await world.ShopAsync(s5, "appliances");
        var (va, vb, vc) = (await world.ClaimAsync(s5, "t-200"), await world.ClaimAsync(s5, "t-100"), await world.ClaimAsync(s5, "t-200"));
        await world.RedeemAsync(shop1, va, CampaignSeeds.Beijing(2023, 4, 23, 12), 250_001, "appliances", itemCents: 200_000, invoice: "FP-1");
        await world.RedeemAsync(shop1, vb, CampaignSeeds.Beijing(2023, 4, 23, 12), 120_003, "appliances", itemCents: 100_000, invoice: "FP-2");
        await world.RedeemAsync(shop2, vc, CampaignSeeds.Beijing(2023, 4, 23, 12), 300_000, "appliances", itemCents: 200_000, invoice: "FP-3");
        world.Clock.Now = CampaignSeeds.Beijing(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        var settlement = world.Host;

        var run = await ScenarioTests.RunDueAsync(settlement, s5);
        Assert.Equal(Requests.ToWindow(CampaignSeeds.Beijing(2023, 4, 22), CampaignSeeds.Beijing(2023, 4, 24)), run.Period);
        var statements = (await settlement.Settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Seeds.Finance, RunId = run.RunId })).Statements;
        var first = statements.Single(s => s.MerchantId == shop1.MerchantId);
        var second = statements.Single(s => s.MerchantId == shop2.MerchantId);
        Assert.Equal(new StatementAmounts { RedemptionCount = 2, FaceValueCents = 30_000, LeveragedSpendCents = 370_004, GovernmentShareCents = 25_500, MerchantShareCents = 4_500, NetPayableCents = 25_500 }, first.Amounts);
        Assert.Equal(new StatementAmounts { RedemptionCount = 1, FaceValueCents = 20_000, LeveragedSpendCents = 300_000, GovernmentShareCents = 17_000, MerchantShareCents = 3_000, NetPayableCents = 17_000 }, second.Amounts);
        Assert.Equal(shop1.TradeName, first.MerchantTradeName);
        Assert.All(first.Split.Concat(second.Split), line => Assert.Equal("zhangdian-finance", line.FundingSourceId));

        var batch = await settlement.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = run.PayoutBatchId });
        Assert.Equal(42_500, batch.TotalCents);
        var approved = await settlement.Settlement.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Seeds.Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version });
        var paid = await settlement.Settlement.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Seeds.Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version, PaymentReference = "ZD-2023-W17" });
        Assert.Equal((PayoutBatchStatus.Paid, "ZD-2023-W17", 42_500L), (paid.Status, paid.PaymentReference, paid.Lines.Sum(l => l.AmountCents)));

        // The reports see the same data from the feeds.
        var tiers = await settlement.Reports.GetTierCategoryReportAsync(new GetTierCategoryReportRequest { Actor = Seeds.Auditor, CampaignId = s5 });
        Assert.Equal((3L, 50_000L), (tiers.Totals.Claimed.Count, tiers.Totals.Claimed.FaceValueCents));
        Assert.Equal((3L, 50_000L), (tiers.Totals.Used.Count, tiers.Totals.Used.FaceValueCents));
        Assert.Equal(670_004, tiers.Totals.LeveragedSpendCents);
        Assert.Equal((4_000L, 1_000L * 20_000 + 3_000L * 10_000), (tiers.Totals.Allocated.Count, tiers.Totals.Allocated.FaceValueCents));
        var records = await settlement.Reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Seeds.Auditor, CampaignId = s5, Page = new PageRequest { PageSize = 2 } });
        Assert.Equal(2, records.Redemptions.Count);
        Assert.Equal((3L, 50_000L, 670_004L, 134_000L, 42_500L), (records.Totals.Count, records.Totals.FaceValueCents, records.Totals.OrderAmountCents, records.Totals.LeverageBasisPoints, records.Totals.SubsidyCents));
        var next = await settlement.Reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Seeds.Auditor, CampaignId = s5, Page = new PageRequest { PageSize = 2, PageToken = records.Page.NextPageToken } });
        Assert.Single(next.Redemptions);
        Assert.Empty(next.Page.NextPageToken);
        var claims = await settlement.Reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Seeds.Operator, CampaignId = s5, HolderPhone = va.Person.Phone });
        Assert.Equal(va.Voucher.VoucherId, Assert.Single(claims.Claims).VoucherId);
        var merchantStats = await settlement.Reports.GetMerchantStatsAsync(new GetMerchantStatsRequest { Actor = Seeds.Operator, CampaignId = s5 });
        Assert.Equal([shop1.MerchantId, shop2.MerchantId], merchantStats.Merchants.Select(m => m.MerchantId));
        Assert.Equal(25_500, merchantStats.Merchants[0].PaidCents);
        var disclosure = await settlement.Reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest { CampaignId = s5 });
        Assert.Equal(42_500, disclosure.Funding.Single(f => f.FundingSourceId == "zhangdian-finance").PaidCents);

        var export = await BadInputTests.ReadAllAsync(settlement.Reports.ExportAuditData(new ExportAuditDataRequest { Actor = Seeds.Auditor, CampaignId = s5, Dataset = ExportDataset.Redemptions }));
        var rows = export.Where(c => c.ChunkCase == ExportChunk.ChunkOneofCase.Row).Select(c => c.Row).ToList();
        Assert.Equal(3, rows.Count);
        var trailer = export[^1].Trailer;
        Assert.Equal(3, trailer.RowCount);
        var text = string.Concat(rows.Select(r => string.Join('\t', r.Values) + "\n"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), trailer.Sha256);
    }
}
