using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;

namespace Settlement.Service.Tests;

/// <summary>The seed scenarios end to end through gRPC: S5 weekly with 85/15, S2 final run, S1 splits to the cent.</summary>
public class ScenarioTests
{
    private static TimeWindow Window(DateTimeOffset start, DateTimeOffset end) => Requests.ToWindow(start, end);

    private static async Task<MerchantStatement> StatementOf(SettlementHost host, SettlementRun run, string merchantId)
    {
        var list = await host.Settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Finance, RunId = run.RunId, MerchantId = merchantId });
        return Assert.Single(list.Statements);
    }

    [Fact]
    public async Task S5_weekly_runs_pay_85_percent_forfeit_missing_invoices_claw_back_revocations_and_hold_suspended_merchants()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved), ("m2", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        var paidLater = world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 22, 11), 250_000)).Redemption;
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 23, 12), 120_000));
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 23, 13), 210_000, invoice: string.Empty));
        world.Feeds.Redemption(Redeemed(campaign, "m2", "t-100", Shanghai(2023, 4, 23, 23, 59), 100_000));
        world.Feeds.Redemption(Redeemed(campaign, "m2", "t-100", Shanghai(2023, 4, 24, 0, 30), 100_000));
        await world.Host.WaitForFeedsAsync(5, caughtUpTo: world.Clock.Now);

        // The schedule makes the week that closed at Sunday 24:00 local.
        var scheduler = world.Host.Services.GetRequiredService<SettlementScheduler>();
        var week1 = Assert.Single(await scheduler.RunDueAsync(CancellationToken.None));
        Assert.Equal(Window(Shanghai(2023, 4, 22, 10), Shanghai(2023, 4, 24)), week1.Period);
        Assert.Equal(2, week1.StatementCount);

        var m1 = await StatementOf(world.Host, week1, "m1");
        Assert.Equal(new StatementAmounts { RedemptionCount = 3, FaceValueCents = 50_000, LeveragedSpendCents = 580_000, GovernmentShareCents = 42_500, MerchantShareCents = 7_500, AdjustmentsCents = -17_000, NetPayableCents = 25_500 }, m1.Amounts);
        Assert.Equal(AdjustmentKind.ForfeitedMissingDetails, Assert.Single(m1.Adjustments).Kind);
        var m2 = await StatementOf(world.Host, week1, "m2");
        Assert.Equal(8_500, m2.Amounts.NetPayableCents);
        Assert.Equal(1_500, m2.Amounts.MerchantShareCents);

        var batch = await world.Host.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = week1.PayoutBatchId });
        Assert.Equal(PayoutBatchStatus.Draft, batch.Status);
        Assert.Equal(34_000, batch.TotalCents);
        Assert.Equal(34_000, batch.Split.Sum(s => s.AmountCents));
        var approved = await world.Host.Settlement.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version });
        Assert.Equal(PayoutBatchStatus.Approved, approved.Status);
        var paid = await world.Host.Settlement.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version, PaymentReference = "BANK-0001" });
        Assert.Equal(PayoutBatchStatus.Paid, paid.Status);
        Assert.Equal(PayoutStatus.Paid, (await StatementOf(world.Host, week1, "m1")).PayoutStatus);

        // Week 2: m1's paid redemption is revoked (claw-back larger than the week: carried forward); m2 is suspended (held).
        world.Feeds.Redemption(Revoked(paidLater), RedemptionEventKind.Revoked);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 26, 10), 110_000));
        var suspended = WithMerchantStatus(campaign, "m2", MerchantStatus.Suspended);
        await world.Host.StoreSnapshotAsync(suspended);
        world.Clock.Now = Shanghai(2023, 5, 1, 1);
        await world.Host.WaitForFeedsAsync(7, caughtUpTo: world.Clock.Now);
        var week2 = Assert.Single(await scheduler.RunDueAsync(CancellationToken.None));
        var m1Week2 = await StatementOf(world.Host, week2, "m1");
        Assert.Equal(0, m1Week2.Amounts.NetPayableCents);
        Assert.Equal(-8_500, m1Week2.Amounts.AdjustmentsCents);
        Assert.Contains(m1Week2.Adjustments, a => a.Kind == AdjustmentKind.Revoked && a.AmountCents == -17_000 && a.RedemptionId == paidLater.RedemptionId);
        Assert.Equal(PayoutStatus.NothingDue, m1Week2.PayoutStatus);
        var m2Week2 = await StatementOf(world.Host, week2, "m2");
        Assert.Equal(PayoutStatus.Held, m2Week2.PayoutStatus);
        Assert.Equal(SettlementRuns.SuspendedHoldReason, m2Week2.HoldReason);
        var batch2 = await world.Host.Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = week2.PayoutBatchId });
        Assert.Equal(0, batch2.TotalCents);
        Assert.Equal([m2Week2.StatementId], batch2.HeldStatementIds);
        Assert.Equal(8_500, batch2.HeldTotalCents);

        var stillSuspended = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = campaign.CampaignId, MerchantId = "m2", Reason = "cleared" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stillSuspended.StatusCode);
        await world.Host.StoreSnapshotAsync(WithMerchantStatus(suspended, "m2", MerchantStatus.Approved));
        var released = await world.Host.Settlement.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = campaign.CampaignId, MerchantId = "m2", Reason = "cleared" });
        Assert.Equal(PayoutBatchStatus.Draft, released.Status);
        Assert.Equal(string.Empty, released.RunId);
        Assert.Equal(8_500, Assert.Single(released.Lines).AmountCents);

        // Week 3: the carried-forward deduction comes off m1's next statement.
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 5, 3, 10), 220_000));
        world.Clock.Now = Shanghai(2023, 5, 8, 1);
        await world.Host.WaitForFeedsAsync(8, caughtUpTo: world.Clock.Now);
        var week3 = Assert.Single(await scheduler.RunDueAsync(CancellationToken.None));
        var m1Week3 = await StatementOf(world.Host, week3, "m1");
        Assert.Equal(17_000, m1Week3.Amounts.GovernmentShareCents);
        Assert.Equal(-8_500, m1Week3.Amounts.AdjustmentsCents);
        Assert.Equal(8_500, m1Week3.Amounts.NetPayableCents);
        Assert.Contains(m1Week3.Adjustments, a => a.Kind == AdjustmentKind.CarriedForward && a.AmountCents == -8_500);
    }

    [Fact]
    public async Task S5_running_the_same_period_again_returns_the_first_run()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 22, 11), 250_000));
        await world.Host.WaitForFeedsAsync(1, caughtUpTo: world.Clock.Now);
        var request = new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = campaign.CampaignId, Kind = SettlementRunKind.Periodic, Period = Window(Shanghai(2023, 4, 22, 10), Shanghai(2023, 4, 24)) };

        var first = await world.Host.Settlement.RunSettlementAsync(request);
        var replay = await world.Host.Settlement.RunSettlementAsync(request);
        var samePeriod = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { RequestId = Guid.NewGuid().ToString() });

        Assert.Equal(first, replay);
        Assert.Equal(first.RunId, samePeriod.RunId);
        Assert.Equal(1, (await world.Host.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = campaign.CampaignId })).Page.TotalSize);
        var reused = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { Period = Window(Shanghai(2023, 4, 24), Shanghai(2023, 5, 1)) }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        var overlapping = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest(request) { RequestId = Guid.NewGuid().ToString(), Period = Window(Shanghai(2023, 4, 23), Shanghai(2023, 4, 24)) }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, overlapping.StatusCode);
    }

    [Fact]
    public async Task A_period_the_redemption_feed_has_not_reached_is_refused_with_failed_precondition()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        await world.Host.WaitForFeedsAsync(0, caughtUpTo: world.Clock.Now);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Actor = Operator,
            CampaignId = campaign.CampaignId,
            Kind = SettlementRunKind.Periodic,
            Period = Window(Shanghai(2023, 4, 24), Shanghai(2023, 5, 1)),
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("redemption feed", error.Status.Detail);
    }

    [Fact]
    public async Task S2_final_run_after_the_audit_month_pays_100_percent_and_forfeits_redemptions_without_an_amount()
    {
        await using var world = await World.StartAsync(Shanghai(2022, 11, 4));
        var campaign = S2(CampaignState.Ended, ("m1", MerchantStatus.Approved), ("m2", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-50", Shanghai(2022, 9, 2, 10), 15_000));
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2022, 9, 8, 10), 0, exclusion: SubsidyExclusion.MissingDetails));
        world.Feeds.Redemption(Redeemed(campaign, "m2", "t-500", Shanghai(2022, 10, 5, 23), 150_000));
        await world.Host.WaitForFeedsAsync(3, caughtUpTo: world.Clock.Now);
        var final = new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = campaign.CampaignId, Kind = SettlementRunKind.Final };

        var early = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(final).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("audit period", early.Status.Detail);

        world.Clock.Now = Shanghai(2022, 11, 5);
        await world.Host.WaitForFeedsAsync(3, caughtUpTo: world.Clock.Now);
        var run = await world.Host.Settlement.RunSettlementAsync(final);

        Assert.Equal(SettlementRunKind.Final, run.Kind);
        Assert.Equal(Window(Shanghai(2022, 9, 1), Shanghai(2022, 10, 6)), run.Period);
        var m1 = await StatementOf(world.Host, run, "m1");
        Assert.Equal(new StatementAmounts { RedemptionCount = 2, FaceValueCents = 15_000, LeveragedSpendCents = 15_000, GovernmentShareCents = 15_000, MerchantShareCents = 0, AdjustmentsCents = -10_000, NetPayableCents = 5_000 }, m1.Amounts);
        Assert.Equal(50_000, (await StatementOf(world.Host, run, "m2")).Amounts.NetPayableCents);
        Assert.Equal(55_000, run.Totals.NetPayableCents);
    }

    [Fact]
    public async Task A_final_run_before_the_campaign_ended_is_refused()
    {
        await using var world = await World.StartAsync(Shanghai(2022, 9, 20));
        var campaign = S2(CampaignState.Running, ("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        await world.Host.WaitForFeedsAsync(0, caughtUpTo: world.Clock.Now);

        var error = await Assert.ThrowsAsync<RpcException>(() => world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = campaign.CampaignId, Kind = SettlementRunKind.Final }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("has not ended", error.Status.Detail);
    }

    [Fact]
    public async Task S1_splits_50_50_by_funding_source_and_3_to_1_by_issuing_channel_to_the_cent_over_odd_amounts()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 3, 6, 1));
        var campaign = S1(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        for (var i = 0; i < 3; i++)
        {
            world.Feeds.Redemption(Redeemed(campaign, "m1", "t-50", Shanghai(2023, 3, 2, 10 + i), 16_000, issuingChannel: "unionpay"));
        }

        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-50", Shanghai(2023, 3, 3, 10), 15_500, issuingChannel: "bestpay"));
        await world.Host.Settlement.RecordAdjustmentAsync(new RecordAdjustmentRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = campaign.CampaignId, MerchantId = "m1", Kind = AdjustmentKind.Correction, AmountCents = 3, Reason = "rounding owed" });
        await world.Host.WaitForFeedsAsync(4, caughtUpTo: world.Clock.Now);

        var run = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = campaign.CampaignId, Kind = SettlementRunKind.Periodic, Period = Window(Shanghai(2023, 3, 1), Shanghai(2023, 3, 6)) });
        var statement = await StatementOf(world.Host, run, "m1");
        var split = await world.Host.Settlement.GetFundingSplitAsync(new GetFundingSplitRequest { CampaignId = campaign.CampaignId, RunId = run.RunId });

        Assert.Equal(20_003, statement.Amounts.NetPayableCents);
        Assert.Equal(
            [
                new SplitLine { FundingSourceId = "city", ChannelId = "bestpay", AmountCents = 2_501 },
                new SplitLine { FundingSourceId = "county", ChannelId = "bestpay", AmountCents = 2_500 },
                new SplitLine { FundingSourceId = "city", ChannelId = "unionpay", AmountCents = 7_501 },
                new SplitLine { FundingSourceId = "county", ChannelId = "unionpay", AmountCents = 7_501 },
            ],
            statement.Split);
        Assert.Equal(20_003, split.TotalCents);
        Assert.Equal(20_003, split.SourceTotals.Sum(s => s.AmountCents));
        Assert.Equal(20_003, split.ChannelTotals.Sum(s => s.AmountCents));
        Assert.Equal(15_002, split.ChannelTotals.Single(c => c.ChannelId == "unionpay").AmountCents);
        Assert.Equal(5_001, split.ChannelTotals.Single(c => c.ChannelId == "bestpay").AmountCents);
        Assert.Equal(10_002, split.SourceTotals.Single(c => c.FundingSourceId == "city").AmountCents);
        Assert.Equal(10_001, split.SourceTotals.Single(c => c.FundingSourceId == "county").AmountCents);
    }
}
