extern alias campaigntests;
extern alias redemptiontests;

using Grpc.Core;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using TestSupport;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using CampaignSeeds = campaigntests::Campaign.Service.Tests.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;
using Shop = redemptiontests::Redemption.Service.Tests.Infrastructure.Shop;

namespace Settlement.Service.Tests;

/// <summary>
/// A redemption in a paid settlement batch can only be revoked (issue 14): Redemption asks the real Settlement it is
/// configured with (the one Redemption's world hosts, following the real feeds) before a till reverses a redemption,
/// and GetRedemptionSettlement answers where each redemption stands.
/// </summary>
[Collection(SettlementCollection.Name)]
public class PaidOutReversalTests(RedemptionWorld services)
{
    private SettlementService.SettlementServiceClient Settlement => services.Settlement.Settlement;

    /// <summary>
    /// S5 at one shop: two redemptions in week 1 (04-22, 04-23) settled by a run into a DRAFT batch, one on Monday
    /// 04-24 10:00 not settled; the clock at 04-24 11:00.
    /// </summary>
    private async Task<Settled> SettledAsync(World world)
    {
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        var first = await world.ClaimAndRedeemAsync(shop, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000);
        var second = await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 23, 12), 120_000, "appliances", itemCents: 100_000);
        var unsettled = await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 24, 10), 110_000, "appliances", itemCents: 100_000);
        world.Clock.Now = Shanghai(2023, 4, 24, 11);
        await world.WaitForFeedsAsync(s5, services.Settlement);
        var run = await Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = Requests.ToWindow(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)) });
        return new Settled(s5, shop, run, first, second, unsettled);
    }

    private async Task<PayoutBatch> ApproveAsync(string batchId)
    {
        var batch = await Settlement.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = batchId });
        return await Settlement.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batchId, ExpectedVersion = batch.Version });
    }

    private async Task<PayoutBatch> PayAsync(PayoutBatch approved) =>
        await Settlement.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = approved.BatchId, ExpectedVersion = approved.Version, PaymentReference = "ZD-W17" });

    private Task<RedemptionRecord> RefundAsync(Settled settled, RedemptionRecord redemption) =>
        services.Redemption.Redemptions.ReverseRedemptionAsync(
            new ReverseRedemptionRequest { ReversalId = Guid.NewGuid().ToString(), Actor = settled.Shop.Cashier, RedemptionId = redemption.RedemptionId, Kind = ReversalKind.Refund, RefundedAmountCents = 50_000, Reason = "顾客退货" },
            deadline: RedemptionWorld.Deadline).ResponseAsync;

    private async Task<RedemptionRecord> RecordAsync(Settled settled, RedemptionRecord redemption) =>
        await services.Redemption.Redemptions.GetRedemptionAsync(new GetRedemptionRequest { Actor = settled.Shop.Cashier, RedemptionId = redemption.RedemptionId }, deadline: RedemptionWorld.Deadline);

    private async Task<RedemptionSettlement> StandingAsync(RedemptionRecord redemption) =>
        Assert.Single((await Settlement.GetRedemptionSettlementAsync(new GetRedemptionSettlementRequest { RedemptionIds = { redemption.RedemptionId } })).Redemptions);

    [Fact]
    public async Task A_refund_of_a_redemption_in_a_paid_batch_is_refused_naming_the_batch_and_day_changes_nothing_and_the_operator_can_still_revoke_it()
    {
        await using var world = await World.StartAsync(services);
        var settled = await SettledAsync(world);
        world.Clock.Now = Shanghai(2023, 4, 25, 9);
        await PayAsync(await ApproveAsync(settled.Run.PayoutBatchId));

        var refused = await Assert.ThrowsAsync<RpcException>(() => RefundAsync(settled, settled.First));
        var afterwards = await RecordAsync(settled, settled.First);
        var revoked = await services.Redemption.Admin.RevokeRedemptionAsync(
            new RevokeRedemptionRequest { Actor = CampaignSeeds.Operator, RedemptionId = settled.First.RedemptionId, Reason = "稽查：虚假交易" }, deadline: RedemptionWorld.Deadline);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains($"paid out in settlement batch {settled.Run.PayoutBatchId} on 2023-04-25; only the bureau can revoke it", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(settled.First, afterwards);
        Assert.Equal((RedemptionStatus.Revoked, SubsidyExclusion.Revoked), (revoked.Status, revoked.SubsidyExclusion));
    }

    [Fact]
    public async Task A_refund_in_an_approved_but_unpaid_batch_or_not_yet_settled_goes_through_as_before()
    {
        await using var world = await World.StartAsync(services);
        var settled = await SettledAsync(world);
        await ApproveAsync(settled.Run.PayoutBatchId);

        var inApprovedBatch = await RefundAsync(settled, settled.Second);
        var notSettled = await RefundAsync(settled, settled.Unsettled);

        Assert.Equal((RedemptionStatus.Refunded, 50_000L), (inApprovedBatch.Status, inApprovedBatch.Reversal.RefundedAmountCents));
        Assert.Equal((RedemptionStatus.Refunded, 50_000L), (notSettled.Status, notSettled.Reversal.RefundedAmountCents));
    }

    [Fact]
    public async Task GetRedemptionSettlement_answers_not_settled_in_a_batch_held_on_a_statement_and_paid_with_when_once_per_id_in_order()
    {
        await using var world = await World.StartAsync(services);
        var settled = await SettledAsync(world);
        var statement = Assert.Single((await Settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Finance, RunId = settled.Run.RunId })).Statements);

        var drafted = await Settlement.GetRedemptionSettlementAsync(new GetRedemptionSettlementRequest
        {
            RedemptionIds = { settled.First.RedemptionId, settled.Unsettled.RedemptionId, "rdm-settlement-never-heard-of", settled.First.RedemptionId },
        });
        await Settlement.HoldStatementAsync(new HoldStatementRequest { Actor = Finance, StatementId = statement.StatementId, Reason = "investigation" });
        var held = await StandingAsync(settled.Second);
        var released = await Settlement.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = settled.CampaignId, MerchantId = settled.Shop.MerchantId, Reason = "cleared" });
        world.Clock.Now = Shanghai(2023, 4, 26, 15);
        await PayAsync(await ApproveAsync(released.BatchId));
        var paid = await StandingAsync(settled.First);

        Assert.Equal(
            new[]
            {
                new RedemptionSettlement { RedemptionId = settled.First.RedemptionId, Stage = RedemptionSettlementStage.InPayoutBatch, RunId = settled.Run.RunId, StatementId = statement.StatementId, PayoutStatus = PayoutStatus.Pending, PayoutBatchId = settled.Run.PayoutBatchId, PayoutBatchStatus = PayoutBatchStatus.Draft },
                new RedemptionSettlement { RedemptionId = settled.Unsettled.RedemptionId, Stage = RedemptionSettlementStage.NotSettled },
                new RedemptionSettlement { RedemptionId = "rdm-settlement-never-heard-of", Stage = RedemptionSettlementStage.NotSettled },
            },
            drafted.Redemptions);
        Assert.Equal(
            new RedemptionSettlement { RedemptionId = settled.Second.RedemptionId, Stage = RedemptionSettlementStage.InStatement, RunId = settled.Run.RunId, StatementId = statement.StatementId, PayoutStatus = PayoutStatus.Held },
            held);
        Assert.Equal(
            new RedemptionSettlement
            {
                RedemptionId = settled.First.RedemptionId, Stage = RedemptionSettlementStage.InPayoutBatch, RunId = settled.Run.RunId, StatementId = statement.StatementId, PayoutStatus = PayoutStatus.Paid,
                PayoutBatchId = released.BatchId, PayoutBatchStatus = PayoutBatchStatus.Paid, PaidAt = Requests.ToTimestamp(Shanghai(2023, 4, 26, 15)),
            },
            paid);
    }

    [Fact]
    public async Task GetRedemptionSettlement_refuses_malformed_ids_and_callers_other_than_the_platforms_services()
    {
        async Task<RpcException> Refused(GetRedemptionSettlementRequest request, Metadata? headers = null) =>
            await Assert.ThrowsAsync<RpcException>(() => Settlement.GetRedemptionSettlementAsync(request, headers).ResponseAsync);

        var none = await Refused(new GetRedemptionSettlementRequest());
        var tooMany = await Refused(new GetRedemptionSettlementRequest { RedemptionIds = { Enumerable.Range(0, 101).Select(i => $"rdm-{i}") } });
        var blank = await Refused(new GetRedemptionSettlementRequest { RedemptionIds = { "rdm-1", " " } });
        var tooLong = await Refused(new GetRedemptionSettlementRequest { RedemptionIds = { new string('x', 65) } });
        var byOperator = await Refused(new GetRedemptionSettlementRequest { RedemptionIds = { "rdm-1" } }, TestTokens.Bearer(TestTokens.For(Operator)));
        var byMerchant = await Refused(new GetRedemptionSettlementRequest { RedemptionIds = { "rdm-1" } }, TestTokens.Bearer(TestTokens.For(Merchant("m-1"))));
        var hundred = await Settlement.GetRedemptionSettlementAsync(new GetRedemptionSettlementRequest { RedemptionIds = { Enumerable.Range(0, 100).Select(i => $"rdm-{i}") } });

        Assert.All(new[] { none, tooMany, blank, tooLong }, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Contains("redemption_ids: name at least one redemption id", none.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("at most 100 ids per call (got 101)", tooMany.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("redemption_ids[1]", blank.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("redemption_ids[0]: longer than 64 characters", tooLong.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (byOperator.StatusCode, byMerchant.StatusCode));
        Assert.Equal(100, hundred.Redemptions.Count);
        Assert.All(hundred.Redemptions, r => Assert.Equal(RedemptionSettlementStage.NotSettled, r.Stage));
    }

    private sealed record Settled(string CampaignId, Shop Shop, SettlementRun Run, RedemptionRecord First, RedemptionRecord Second, RedemptionRecord Unsettled);
}
