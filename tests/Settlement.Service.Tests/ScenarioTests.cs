extern alias redemptiontests;

using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;

namespace Settlement.Service.Tests;

/// <summary>
/// The seed scenarios through gRPC, with every voucher claimed through the real Claim service and redeemed through the
/// real Redemption service: S5 weekly with 85/15, S2's final run, S1's splits to the cent.
/// </summary>
[Collection(SettlementCollection.Name)]
public class ScenarioTests(RedemptionWorld services)
{
    private static TimeWindow Window(DateTimeOffset start, DateTimeOffset end) => Requests.ToWindow(start, end);

    internal static async Task<MerchantStatement> StatementOf(SettlementHost host, SettlementRun run, string merchantId)
    {
        var list = await host.Settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Finance, RunId = run.RunId, MerchantId = merchantId });
        return Assert.Single(list.Statements);
    }

    /// <summary>The scheduler's runs of one campaign (the peers are shared, so other tests' campaigns may be due too).</summary>
    internal static async Task<SettlementRun> RunDueAsync(SettlementHost host, string campaignId) =>
        Assert.Single(await host.Services.GetRequiredService<SettlementScheduler>().RunDueAsync(CancellationToken.None), r => r.CampaignId == campaignId);

    [Fact]
    public async Task S5_weekly_runs_pay_85_percent_forfeit_missing_invoices_claw_back_revocations_and_hold_suspended_merchants()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async(acceptMissingInvoice: true);
        var m1 = await world.ShopAsync(s5, "appliances");
        var m2 = await world.ShopAsync(s5, "appliances");
        var paidLater = await world.ClaimAndRedeemAsync(m1, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000);
        await world.ClaimAndRedeemAsync(m1, s5, "t-100", Shanghai(2023, 4, 23, 12), 120_000, "appliances", itemCents: 100_000);
        var noInvoice = await world.ClaimAndRedeemAsync(m1, s5, "t-200", Shanghai(2023, 4, 23, 13), 210_000, "appliances", itemCents: 200_000, invoice: string.Empty);
        await world.ClaimAndRedeemAsync(m2, s5, "t-100", Shanghai(2023, 4, 23, 23, 59), 100_000, "appliances", itemCents: 100_000);
        await world.ClaimAndRedeemAsync(m2, s5, "t-100", Shanghai(2023, 4, 24, 0, 30), 100_000, "appliances", itemCents: 100_000);
        Assert.Equal(SubsidyExclusion.MissingDetails, noInvoice.SubsidyExclusion);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);

        // The schedule makes the week that closed at Sunday 24:00 local.
        var week1 = await RunDueAsync(world.Host, s5);
        Assert.Equal(Window(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)), week1.Period);
        Assert.Equal(2, week1.StatementCount);

        var m1Week1 = await StatementOf(world.Host, week1, m1.MerchantId);
        Assert.Equal(new StatementAmounts { RedemptionCount = 3, FaceValueCents = 50_000, LeveragedSpendCents = 580_000, GovernmentShareCents = 42_500, MerchantShareCents = 7_500, AdjustmentsCents = -17_000, NetPayableCents = 25_500 }, m1Week1.Amounts);
        var forfeited = Assert.Single(m1Week1.Adjustments);
        Assert.Equal((AdjustmentKind.ForfeitedMissingDetails, noInvoice.RedemptionId), (forfeited.Kind, forfeited.RedemptionId));
        var m2Week1 = await StatementOf(world.Host, week1, m2.MerchantId);
        Assert.Equal((8_500L, 1_500L), (m2Week1.Amounts.NetPayableCents, m2Week1.Amounts.MerchantShareCents));

        var batch = await world.Host.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = week1.PayoutBatchId });
        Assert.Equal(PayoutBatchStatus.Draft, batch.Status);
        Assert.Equal(34_000, batch.TotalCents);
        Assert.Equal(34_000, batch.Split.Sum(s => s.AmountCents));
        var approved = await world.Host.Settlement.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version });
        Assert.Equal(PayoutBatchStatus.Approved, approved.Status);
        var paid = await world.Host.Settlement.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version, PaymentReference = "BANK-0001" });
        Assert.Equal(PayoutBatchStatus.Paid, paid.Status);
        Assert.Equal(PayoutStatus.Paid, (await StatementOf(world.Host, week1, m1.MerchantId)).PayoutStatus);

        // Week 2: m1's paid redemption is revoked (a claw-back larger than the week: carried forward); m2 is suspended (held).
        world.Clock.Now = Shanghai(2023, 4, 25, 9);
        await world.RevokeAsync(paidLater);
        await world.ClaimAndRedeemAsync(m1, s5, "t-100", Shanghai(2023, 4, 26, 10), 110_000, "appliances", itemCents: 100_000);
        await world.SetMerchantSuspendedAsync(m2.MerchantId, suspended: true);
        world.Clock.Now = Shanghai(2023, 5, 1, 1);
        await world.WaitForFeedsAsync(s5);
        var week2 = await RunDueAsync(world.Host, s5);
        var m1Week2 = await StatementOf(world.Host, week2, m1.MerchantId);
        Assert.Equal(0, m1Week2.Amounts.NetPayableCents);
        Assert.Equal(-8_500, m1Week2.Amounts.AdjustmentsCents);
        Assert.Contains(m1Week2.Adjustments, a => a.Kind == AdjustmentKind.Revoked && a.AmountCents == -17_000 && a.RedemptionId == paidLater.RedemptionId);
        Assert.Equal(PayoutStatus.NothingDue, m1Week2.PayoutStatus);
        var m2Week2 = await StatementOf(world.Host, week2, m2.MerchantId);
        Assert.Equal(PayoutStatus.Held, m2Week2.PayoutStatus);
        Assert.Equal(SettlementRuns.SuspendedHoldReason, m2Week2.HoldReason);
        var batch2 = await world.Host.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = week2.PayoutBatchId });
        Assert.Equal(0, batch2.TotalCents);
        Assert.Equal([m2Week2.StatementId], batch2.HeldStatementIds);
        Assert.Equal(8_500, batch2.HeldTotalCents);

        var stillSuspended = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = s5, MerchantId = m2.MerchantId, Reason = "cleared" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stillSuspended.StatusCode);
        await world.SetMerchantSuspendedAsync(m2.MerchantId, suspended: false);
        await world.WaitForFeedsAsync(s5);
        var released = await world.Host.Settlement.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = s5, MerchantId = m2.MerchantId, Reason = "cleared" });
        Assert.Equal(PayoutBatchStatus.Draft, released.Status);
        Assert.Equal(string.Empty, released.RunId);
        Assert.Equal(8_500, Assert.Single(released.Lines).AmountCents);

        // Week 3: the carried-forward deduction comes off m1's next statement.
        await world.ClaimAndRedeemAsync(m1, s5, "t-200", Shanghai(2023, 5, 3, 10), 220_000, "appliances", itemCents: 200_000);
        world.Clock.Now = Shanghai(2023, 5, 8, 1);
        await world.WaitForFeedsAsync(s5);
        var week3 = await RunDueAsync(world.Host, s5);
        var m1Week3 = await StatementOf(world.Host, week3, m1.MerchantId);
        Assert.Equal(17_000, m1Week3.Amounts.GovernmentShareCents);
        Assert.Equal(-8_500, m1Week3.Amounts.AdjustmentsCents);
        Assert.Equal(8_500, m1Week3.Amounts.NetPayableCents);
        Assert.Contains(m1Week3.Adjustments, a => a.Kind == AdjustmentKind.CarriedForward && a.AmountCents == -8_500);
    }

    [Fact]
    public async Task S5_running_the_same_period_again_returns_the_first_run()
    {
        await using var world = await World.StartAsync(services);
        var (s5, _) = await world.S5FirstWeekWithOneRedemptionAsync();
        var request = new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = Window(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)) };

        var first = await world.Host.Settlement.RunSettlementAsync(request);
        var replay = await world.Host.Settlement.RunSettlementAsync(request);
        var samePeriod = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { RequestId = Guid.NewGuid().ToString() });

        Assert.Equal(first, replay);
        Assert.Equal(first.RunId, samePeriod.RunId);
        Assert.Equal(17_000, first.Totals.NetPayableCents);
        Assert.Equal(1, (await world.Host.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = s5 })).Page.TotalSize);
        var reused = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { Period = Window(Shanghai(2023, 4, 24), Shanghai(2023, 5, 1)) }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        var overlapping = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { RequestId = Guid.NewGuid().ToString(), Period = Window(Shanghai(2023, 4, 23), Shanghai(2023, 4, 24)) }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, overlapping.StatusCode);
    }

    [Fact]
    public async Task A_period_the_redemption_feed_has_not_reached_is_refused_with_failed_precondition()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Actor = Operator,
            CampaignId = s5,
            Kind = SettlementRunKind.Periodic,
            Period = Window(Shanghai(2023, 4, 24), Shanghai(2023, 5, 1)),
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("redemption feed", error.Status.Detail);
    }

    [Fact]
    public async Task S2_final_run_after_the_audit_month_pays_100_percent_and_forfeits_redemptions_without_an_amount()
    {
        await using var world = await World.StartAsync(services);
        var s2 = await world.S2Async();
        var m1 = await world.ShopAsync(s2, "fuel", "lodging");
        var m2 = await world.ShopAsync(s2, "fuel");
        var (fuel, lodging, other) = (await world.DrawAsync(s2, "fuel"), await world.DrawAsync(s2, "lodging"), await world.DrawAsync(s2, "fuel"));
        var (a, b, c) = (fuel.Voucher.FaceValueCents, lodging.Voucher.FaceValueCents, other.Voucher.FaceValueCents);
        await world.RedeemAsync(m1, fuel, Shanghai(2022, 6, 2, 10), 3 * a, "fuel");
        var noAmount = await world.RedeemAsync(m1, lodging, Shanghai(2022, 6, 3, 10), 0, "lodging");
        await world.RedeemAsync(m2, other, Shanghai(2022, 6, 5, 23), 3 * c + 1, "fuel");
        Assert.Equal(SubsidyExclusion.MissingDetails, noAmount.SubsidyExclusion);
        world.Clock.Now = Shanghai(2022, 8, 4);
        await world.WaitForFeedsAsync(s2);
        var final = new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s2, Kind = SettlementRunKind.Final };

        // The campaign ended at 07-05 24:00; its audit month runs to 08-05 00:00.
        var early = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(final).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("audit period", early.Status.Detail);

        world.Clock.Now = Shanghai(2022, 8, 5);
        await world.WaitForFeedsAsync(s2);
        var run = await world.Host.Settlement.RunSettlementAsync(final);

        Assert.Equal(SettlementRunKind.Final, run.Kind);
        Assert.Equal(Window(Shanghai(2022, 6, 1), Shanghai(2022, 7, 6)), run.Period);
        var first = await StatementOf(world.Host, run, m1.MerchantId);
        Assert.Equal(new StatementAmounts { RedemptionCount = 2, FaceValueCents = a + b, LeveragedSpendCents = 3 * a, GovernmentShareCents = a + b, MerchantShareCents = 0, AdjustmentsCents = -b, NetPayableCents = a }, first.Amounts);
        Assert.Equal((AdjustmentKind.ForfeitedMissingDetails, noAmount.RedemptionId), (Assert.Single(first.Adjustments).Kind, first.Adjustments[0].RedemptionId));
        Assert.Equal(c, (await StatementOf(world.Host, run, m2.MerchantId)).Amounts.NetPayableCents);
        Assert.Equal(a + c, run.Totals.NetPayableCents);
    }

    [Fact]
    public async Task A_final_run_before_the_campaign_ended_is_refused()
    {
        await using var world = await World.StartAsync(services);
        var s2 = await world.S2Async();
        world.Clock.Now = Shanghai(2022, 6, 20);
        await world.WaitForFeedsAsync(s2);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s2, Kind = SettlementRunKind.Final }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("has not ended", error.Status.Detail);
    }

    [Fact]
    public async Task S1_splits_50_50_by_funding_source_and_3_to_1_by_issuing_channel_to_the_cent_over_odd_amounts()
    {
        await using var world = await World.StartAsync(services);
        var s1 = await world.S1Async();
        var shop = await world.ShopAsync(s1, "catering");
        for (var i = 0; i < 3; i++)
        {
            await world.ClaimAndRedeemAsync(shop, s1, "t-50", Shanghai(2023, 3, 2, 10 + i), 16_000, "catering", channel: "unionpay");
        }

        var bestpay = await world.ClaimAndRedeemAsync(shop, s1, "t-50", Shanghai(2023, 3, 3, 10), 15_500, "catering", channel: "bestpay");
        Assert.Equal("bestpay", bestpay.IssuingChannelId);
        await world.Host.Settlement.RecordAdjustmentAsync(new RecordAdjustmentRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s1, MerchantId = shop.MerchantId, Kind = AdjustmentKind.Correction, AmountCents = 3, Reason = "rounding owed" });
        world.Clock.Now = Shanghai(2023, 3, 6, 1);
        await world.WaitForFeedsAsync(s1);

        var run = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s1, Kind = SettlementRunKind.Periodic, Period = Window(Shanghai(2023, 3, 1), Shanghai(2023, 3, 6)) });
        var statement = await StatementOf(world.Host, run, shop.MerchantId);
        var split = await world.Host.Settlement.GetFundingSplitAsync(new GetFundingSplitRequest { CampaignId = s1, RunId = run.RunId });

        Assert.Equal(20_003, statement.Amounts.NetPayableCents);
        Assert.Equal(
            [
                new SplitLine { FundingSourceId = "huating-county", ChannelId = "bestpay", AmountCents = 2_500 },
                new SplitLine { FundingSourceId = "pingliang-city", ChannelId = "bestpay", AmountCents = 2_501 },
                new SplitLine { FundingSourceId = "huating-county", ChannelId = "unionpay", AmountCents = 7_501 },
                new SplitLine { FundingSourceId = "pingliang-city", ChannelId = "unionpay", AmountCents = 7_501 },
            ],
            statement.Split);
        Assert.Equal(20_003, split.TotalCents);
        Assert.Equal(20_003, split.SourceTotals.Sum(s => s.AmountCents));
        Assert.Equal(20_003, split.ChannelTotals.Sum(s => s.AmountCents));
        Assert.Equal(15_002, split.ChannelTotals.Single(c => c.ChannelId == "unionpay").AmountCents);
        Assert.Equal(5_001, split.ChannelTotals.Single(c => c.ChannelId == "bestpay").AmountCents);
        Assert.Equal(10_002, split.SourceTotals.Single(c => c.FundingSourceId == "pingliang-city").AmountCents);
        Assert.Equal(10_001, split.SourceTotals.Single(c => c.FundingSourceId == "huating-county").AmountCents);
    }
}
