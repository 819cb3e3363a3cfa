extern alias redemptiontests;

using Grpc.Core;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;

namespace Settlement.Service.Tests;

/// <summary>Every call refuses bad input with the status its contract names, and merchants see only their own statements.</summary>
[Collection(SettlementCollection.Name)]
public class BadInputTests(RedemptionWorld services)
{
    private static async Task Expect(StatusCode code, Func<Task> call, string because)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == error.StatusCode, $"{because}: expected {code}, got {error.StatusCode} ({error.Status.Detail})");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), because);
    }

    /// <summary>S5 with one redemption at each of two merchants, through the real services, settled for its first week.</summary>
    private async Task<(World World, string S5, SettlementRun Run, MerchantStatement M1, MerchantStatement M2)> SettledAsync()
    {
        var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var first = await world.ShopAsync(s5, "appliances");
        var second = await world.ShopAsync(s5, "appliances");
        await world.ClaimAndRedeemAsync(first, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000);
        await world.ClaimAndRedeemAsync(second, s5, "t-100", Shanghai(2023, 4, 22, 12), 150_000, "appliances", itemCents: 100_000);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        var run = await world.Host.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = Requests.ToWindow(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)) });
        var statements = await world.Host.Settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Operator, RunId = run.RunId });
        return (world, s5, run, statements.Statements.Single(s => s.MerchantId == first.MerchantId), statements.Statements.Single(s => s.MerchantId == second.MerchantId));
    }

    [Fact]
    public async Task A_merchant_reads_its_own_statement_and_is_denied_another_merchants()
    {
        var (world, s5, run, m1, m2) = await SettledAsync();
        await using var _ = world;
        var settlement = world.Host.Settlement;

        Assert.Equal(m1, await settlement.GetStatementAsync(new GetStatementRequest { Actor = Merchant(m1.MerchantId), StatementId = m1.StatementId }));
        Assert.Equal(m1, Assert.Single((await settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Merchant(m1.MerchantId), MerchantId = m1.MerchantId })).Statements));
        await Expect(StatusCode.PermissionDenied, () => settlement.GetStatementAsync(new GetStatementRequest { Actor = Merchant(m1.MerchantId), StatementId = m2.StatementId }).ResponseAsync, "another merchant's statement");
        await Expect(StatusCode.PermissionDenied, () => settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Merchant(m1.MerchantId), MerchantId = m2.MerchantId }).ResponseAsync, "another merchant's list");
        // The merchant's token names its merchant: a list without merchant_id is its own, never everyone's.
        Assert.Equal(m1, Assert.Single((await settlement.ListStatementsAsync(new ListStatementsRequest { Actor = Merchant(m1.MerchantId), RunId = run.RunId })).Statements));
        await Expect(StatusCode.PermissionDenied, () => settlement.ListStatementsAsync(new ListStatementsRequest { Actor = new Actor { ActorId = "c", Role = ActorRole.Consumer } }).ResponseAsync, "a consumer");
    }

    [Fact]
    public async Task Settlement_calls_refuse_bad_input()
    {
        var (world, s5, run, m1, second) = await SettledAsync();
        await using var __ = world;
        var s = world.Host.Settlement;
        var period = Requests.ToWindow(Shanghai(2023, 5, 1), Shanghai(2023, 5, 8));
        RunSettlementRequest Run() => new() { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = period };

        await Expect(StatusCode.InvalidArgument, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { RequestId = "not-a-uuid" }).ResponseAsync, "request id");
        await Expect(StatusCode.InvalidArgument, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Kind = SettlementRunKind.Unspecified }).ResponseAsync, "kind");
        await Expect(StatusCode.InvalidArgument, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Period = Requests.ToWindow(Shanghai(2023, 5, 8), Shanghai(2023, 5, 1)) }).ResponseAsync, "reversed period");
        await Expect(StatusCode.InvalidArgument, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Period = null }).ResponseAsync, "no period");
        await Expect(StatusCode.Unauthenticated, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Actor = null }).ResponseAsync, "no actor and so no token");
        await Expect(StatusCode.NotFound, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { CampaignId = "nope" }).ResponseAsync, "unknown campaign");
        await Expect(StatusCode.PermissionDenied, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Actor = Auditor }).ResponseAsync, "auditor runs");
        await Expect(StatusCode.PermissionDenied, () => s.RunSettlementAsync(new RunSettlementRequest(Run()) { Actor = Merchant(m1.MerchantId) }).ResponseAsync, "merchant runs");

        await Expect(StatusCode.NotFound, () => s.GetSettlementRunAsync(new GetSettlementRunRequest { RunId = Guid.NewGuid().ToString() }).ResponseAsync, "unknown run");
        await Expect(StatusCode.NotFound, () => s.GetSettlementRunAsync(new GetSettlementRunRequest { RunId = "x" }).ResponseAsync, "malformed run id");
        await Expect(StatusCode.InvalidArgument, () => s.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = s5, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "page token");
        await Expect(StatusCode.InvalidArgument, () => s.ListSettlementRunsAsync(new ListSettlementRunsRequest()).ResponseAsync, "no campaign");
        await Expect(StatusCode.InvalidArgument, () => s.ListStatementsAsync(new ListStatementsRequest { Actor = Operator, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "statements token");
        await Expect(StatusCode.InvalidArgument, () => s.ListStatementsAsync(new ListStatementsRequest { Actor = Operator, PayoutStatuses = { PayoutStatus.Unspecified } }).ResponseAsync, "status filter");
        await Expect(StatusCode.NotFound, () => s.GetStatementAsync(new GetStatementRequest { Actor = Operator, StatementId = Guid.NewGuid().ToString() }).ResponseAsync, "unknown statement");

        RecordAdjustmentRequest Adjust() => new() { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s5, MerchantId = m1.MerchantId, Kind = AdjustmentKind.Clawback, AmountCents = -100, Reason = "violation" };
        await Expect(StatusCode.InvalidArgument, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { AmountCents = 0 }).ResponseAsync, "amount 0");
        await Expect(StatusCode.InvalidArgument, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { Reason = " " }).ResponseAsync, "reason");
        await Expect(StatusCode.InvalidArgument, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { Kind = AdjustmentKind.Revoked }).ResponseAsync, "kind not manual");
        await Expect(StatusCode.NotFound, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { MerchantId = "m9" }).ResponseAsync, "unknown merchant");
        await Expect(StatusCode.NotFound, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { CampaignId = "nope" }).ResponseAsync, "unknown campaign");
        await Expect(StatusCode.PermissionDenied, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { Actor = Auditor }).ResponseAsync, "auditor adjusts");
        var adjustment = Adjust();
        var recorded = await s.RecordAdjustmentAsync(adjustment);
        Assert.Equal(recorded, await s.RecordAdjustmentAsync(adjustment));
        Assert.Equal(string.Empty, recorded.StatementId);
        await Expect(StatusCode.AlreadyExists, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(adjustment) { AmountCents = -200 }).ResponseAsync, "reused key");

        await Expect(StatusCode.InvalidArgument, () => s.HoldStatementAsync(new HoldStatementRequest { Actor = Operator, StatementId = m1.StatementId }).ResponseAsync, "hold without reason");
        await Expect(StatusCode.NotFound, () => s.HoldStatementAsync(new HoldStatementRequest { Actor = Operator, StatementId = Guid.NewGuid().ToString(), Reason = "x" }).ResponseAsync, "hold unknown");
        await Expect(StatusCode.PermissionDenied, () => s.HoldStatementAsync(new HoldStatementRequest { Actor = Merchant(m1.MerchantId), StatementId = m1.StatementId, Reason = "x" }).ResponseAsync, "merchant holds");
        await Expect(StatusCode.NotFound, () => s.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = s5, MerchantId = m1.MerchantId, Reason = "x" }).ResponseAsync, "nothing held");
        await Expect(StatusCode.PermissionDenied, () => s.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Operator, CampaignId = s5, MerchantId = m1.MerchantId, Reason = "x" }).ResponseAsync, "operator releases");

        var batch = await s.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = run.PayoutBatchId });
        await Expect(StatusCode.NotFound, () => s.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = Guid.NewGuid().ToString() }).ResponseAsync, "unknown batch");
        await Expect(StatusCode.InvalidArgument, () => s.ListPayoutBatchesAsync(new ListPayoutBatchesRequest { CampaignId = s5, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "batches token");
        await Expect(StatusCode.PermissionDenied, () => s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Operator, BatchId = batch.BatchId, ExpectedVersion = batch.Version }).ResponseAsync, "operator approves");
        await Expect(StatusCode.Aborted, () => s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version + 5 }).ResponseAsync, "stale version");
        await Expect(StatusCode.FailedPrecondition, () => s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version, PaymentReference = "R" }).ResponseAsync, "pay a draft");
        await Expect(StatusCode.InvalidArgument, () => s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version }).ResponseAsync, "no reference");
        await Expect(StatusCode.PermissionDenied, () => s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Auditor, BatchId = batch.BatchId, ExpectedVersion = batch.Version, PaymentReference = "R" }).ResponseAsync, "auditor pays");

        // Holding a statement takes it out of its DRAFT batch; a paid one cannot be held.
        var held = await s.HoldStatementAsync(new HoldStatementRequest { Actor = Operator, StatementId = m1.StatementId, Reason = "investigation" });
        Assert.Equal((PayoutStatus.Held, "investigation"), (held.PayoutStatus, held.HoldReason));
        var afterHold = await s.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = batch.BatchId });
        Assert.Equal(batch.TotalCents - m1.Amounts.NetPayableCents, afterHold.TotalCents);
        var approved = await s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = afterHold.Version });
        await Expect(StatusCode.FailedPrecondition, () => s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version }).ResponseAsync, "approve twice");
        await s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = approved.Version, PaymentReference = "R" });
        var m2 = (await s.ListStatementsAsync(new ListStatementsRequest { Actor = Operator, MerchantId = second.MerchantId })).Statements.Single();
        await Expect(StatusCode.FailedPrecondition, () => s.HoldStatementAsync(new HoldStatementRequest { Actor = Operator, StatementId = m2.StatementId, Reason = "late" }).ResponseAsync, "hold a paid statement");

        await Expect(StatusCode.NotFound, () => s.GetFundingSplitAsync(new GetFundingSplitRequest { CampaignId = "nope" }).ResponseAsync, "split of unknown campaign");
        await Expect(StatusCode.NotFound, () => s.GetFundingSplitAsync(new GetFundingSplitRequest { CampaignId = s5, RunId = Guid.NewGuid().ToString() }).ResponseAsync, "split of unknown run");
    }

    [Fact]
    public async Task Reconciliation_and_report_calls_refuse_bad_input()
    {
        var (world, s5, _, m1, _) = await SettledAsync();
        await using var __ = world;
        var r = world.Host.Reconciliation;
        var reports = world.Host.Reports;

        await Expect(StatusCode.NotFound, () => r.GetReconciliationAsync(new GetReconciliationRequest { ReconciliationId = Guid.NewGuid().ToString() }).ResponseAsync, "unknown reconciliation");
        await Expect(StatusCode.InvalidArgument, () => r.ListReconciliationsAsync(new ListReconciliationsRequest { CampaignId = s5, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "token");
        await Expect(StatusCode.NotFound, () => r.ListReconciliationItemsAsync(new ListReconciliationItemsRequest { ReconciliationId = Guid.NewGuid().ToString() }).ResponseAsync, "items of unknown");

        await Expect(StatusCode.PermissionDenied, () => reports.GetTierCategoryReportAsync(new GetTierCategoryReportRequest { Actor = Merchant(m1.MerchantId), CampaignId = s5 }).ResponseAsync, "merchant report");
        await Expect(StatusCode.NotFound, () => reports.GetTierCategoryReportAsync(new GetTierCategoryReportRequest { Actor = Auditor, CampaignId = s5, RoundId = "no-round" }).ResponseAsync, "unknown round");
        await Expect(StatusCode.InvalidArgument, () => reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Auditor, CampaignId = s5, Window = Requests.ToWindow(Shanghai(2023, 5, 2), Shanghai(2023, 5, 1)) }).ResponseAsync, "claims window");
        await Expect(StatusCode.InvalidArgument, () => reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Auditor, CampaignId = s5, Page = new PageRequest { PageToken = "garbage" } }).ResponseAsync, "redemptions token");
        await Expect(StatusCode.NotFound, () => reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Auditor, CampaignId = "nope" }).ResponseAsync, "unknown campaign");
        await Expect(StatusCode.InvalidArgument, () => reports.GetMerchantStatsAsync(new GetMerchantStatsRequest { Actor = Auditor, CampaignId = s5, Page = new PageRequest { PageSize = -1 } }).ResponseAsync, "page size");
        await Expect(StatusCode.InvalidArgument, () => reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Auditor, CampaignId = s5, Year = 2023, Month = 13 }).ResponseAsync, "month 13");
        await Expect(StatusCode.FailedPrecondition, () => reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Auditor, CampaignId = s5, Year = 2024, Month = 1 }).ResponseAsync, "future month");
        await Expect(StatusCode.NotFound, () => reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest { CampaignId = "nope" }).ResponseAsync, "unknown disclosure");
        await Expect(StatusCode.PermissionDenied, () => ReadAllAsync(reports.ExportAuditData(new ExportAuditDataRequest { Actor = Finance, CampaignId = s5, Dataset = ExportDataset.Redemptions })), "finance exports");
        await Expect(StatusCode.InvalidArgument, () => ReadAllAsync(reports.ExportAuditData(new ExportAuditDataRequest { Actor = Auditor, CampaignId = s5 })), "no dataset");
    }

    [Fact]
    public async Task Malformed_unknown_or_foreign_requests_to_every_call_get_the_contracts_status_and_a_readable_message()
    {
        var (world, s5, run, m1, m2) = await SettledAsync();
        await using var _ = world;
        var s = world.Host.Settlement;
        var r = world.Host.Reconciliation;
        var reports = world.Host.Reports;
        var unknown = Guid.NewGuid().ToString();
        var m2Redemption = (await world.RedemptionRecordsAsync(s5)).Single(x => x.MerchantId == m2.MerchantId).RedemptionId;
        var draft = await s.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = run.PayoutBatchId });
        var batch = await s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = draft.BatchId, ExpectedVersion = draft.Version });
        RecordAdjustmentRequest Adjust() => new() { RequestId = Guid.NewGuid().ToString(), Actor = Operator, CampaignId = s5, MerchantId = m1.MerchantId, Kind = AdjustmentKind.Clawback, AmountCents = -100, Reason = "violation" };
        ChannelStatementHeader Header(Action<ChannelStatementHeader> change)
        {
            var header = ReconciliationTests.Header(s5, 0, 0);
            change(header);
            return header;
        }

        var probes = new (string Because, StatusCode Expected, Func<Task> Call)[]
        {
            ("statement id empty", StatusCode.InvalidArgument, () => s.GetStatementAsync(new GetStatementRequest { Actor = Operator }).ResponseAsync),
            ("the other merchant reading the first's statement", StatusCode.PermissionDenied, () => s.GetStatementAsync(new GetStatementRequest { Actor = Merchant(m2.MerchantId), StatementId = m1.StatementId }).ResponseAsync),
            ("a merchant actor naming no merchant", StatusCode.PermissionDenied, () => s.ListStatementsAsync(new ListStatementsRequest { Actor = new Actor { ActorId = "owner", Role = ActorRole.Merchant } }).ResponseAsync),
            ("statements page size negative", StatusCode.InvalidArgument, () => s.ListStatementsAsync(new ListStatementsRequest { Actor = Operator, Page = new PageRequest { PageSize = -1 } }).ResponseAsync),
            ("run id empty", StatusCode.InvalidArgument, () => s.GetSettlementRunAsync(new GetSettlementRunRequest()).ResponseAsync),
            ("adjustment kind unspecified", StatusCode.InvalidArgument, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { Kind = AdjustmentKind.Unspecified }).ResponseAsync),
            ("adjustment without request id", StatusCode.InvalidArgument, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { RequestId = string.Empty }).ResponseAsync),
            ("adjustment naming an unknown redemption", StatusCode.NotFound, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { RedemptionId = "red-unknown" }).ResponseAsync),
            ("adjustment of one merchant naming the other's redemption", StatusCode.NotFound, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { RedemptionId = m2Redemption }).ResponseAsync),
            ("merchant records an adjustment", StatusCode.PermissionDenied, () => s.RecordAdjustmentAsync(new RecordAdjustmentRequest(Adjust()) { Actor = Merchant(m1.MerchantId) }).ResponseAsync),
            ("hold of a malformed statement id", StatusCode.NotFound, () => s.HoldStatementAsync(new HoldStatementRequest { Actor = Operator, StatementId = "x", Reason = "x" }).ResponseAsync),
            ("release without reason", StatusCode.InvalidArgument, () => s.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = s5, MerchantId = m1.MerchantId }).ResponseAsync),
            ("release for an unknown campaign", StatusCode.NotFound, () => s.ReleaseHeldStatementsAsync(new ReleaseHeldStatementsRequest { Actor = Finance, CampaignId = "nope", MerchantId = m1.MerchantId, Reason = "x" }).ResponseAsync),
            ("batch id malformed", StatusCode.NotFound, () => s.GetPayoutBatchAsync(new GetPayoutBatchRequest { BatchId = "x" }).ResponseAsync),
            ("batches without campaign", StatusCode.InvalidArgument, () => s.ListPayoutBatchesAsync(new ListPayoutBatchesRequest()).ResponseAsync),
            ("approve an unknown batch", StatusCode.NotFound, () => s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { Actor = Finance, BatchId = unknown, ExpectedVersion = 1 }).ResponseAsync),
            ("pay an unknown batch", StatusCode.NotFound, () => s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = unknown, ExpectedVersion = 1, PaymentReference = "R" }).ResponseAsync),
            ("paid in the future", StatusCode.InvalidArgument, () => s.MarkPayoutBatchPaidAsync(new MarkPayoutBatchPaidRequest { Actor = Finance, BatchId = batch.BatchId, ExpectedVersion = batch.Version, PaymentReference = "R", PaidAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(world.Clock.Now.AddDays(3)) }).ResponseAsync),
            ("split of a malformed run id", StatusCode.NotFound, () => s.GetFundingSplitAsync(new GetFundingSplitRequest { CampaignId = s5, RunId = "x" }).ResponseAsync),
            ("split without campaign", StatusCode.InvalidArgument, () => s.GetFundingSplitAsync(new GetFundingSplitRequest()).ResponseAsync),
            ("reconciliations without campaign", StatusCode.InvalidArgument, () => r.ListReconciliationsAsync(new ListReconciliationsRequest()).ResponseAsync),
            ("reconciliation id malformed", StatusCode.NotFound, () => r.GetReconciliationAsync(new GetReconciliationRequest { ReconciliationId = "x" }).ResponseAsync),
            ("items of a malformed reconciliation id", StatusCode.NotFound, () => r.ListReconciliationItemsAsync(new ListReconciliationItemsRequest { ReconciliationId = "x" }).ResponseAsync),
            ("upload with a reversed period", StatusCode.InvalidArgument, () => ReconciliationTests.UploadAsync(world.Host, Header(h => h.Period = Requests.ToWindow(Shanghai(2023, 4, 24), Shanghai(2023, 4, 22))), [])),
            ("upload without channel", StatusCode.InvalidArgument, () => ReconciliationTests.UploadAsync(world.Host, Header(h => h.ChannelId = string.Empty), [])),
            ("upload with a request id that is no UUID", StatusCode.InvalidArgument, () => ReconciliationTests.UploadAsync(world.Host, Header(h => h.RequestId = "file-1"), [])),
            ("upload with a negative amount", StatusCode.InvalidArgument, () => ReconciliationTests.UploadAsync(world.Host, Header(h => (h.DeclaredRowCount, h.DeclaredTotalCents) = (1, -5)), [ReconciliationTests.Row(1, "A", -5, 100)])),
            ("upload with line number 0", StatusCode.InvalidArgument, () => ReconciliationTests.UploadAsync(world.Host, Header(h => (h.DeclaredRowCount, h.DeclaredTotalCents) = (1, 5)), [ReconciliationTests.Row(0, "A", 5, 100)])),
            ("claims by a malformed phone", StatusCode.InvalidArgument, () => reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Auditor, CampaignId = s5, HolderPhone = "abc" }).ResponseAsync),
            ("claims with status unspecified", StatusCode.InvalidArgument, () => reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Auditor, CampaignId = s5, Statuses = { VoucherStatus.Unspecified } }).ResponseAsync),
            ("claims read by a merchant", StatusCode.PermissionDenied, () => reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Merchant(m1.MerchantId), CampaignId = s5 }).ResponseAsync),
            ("claims of an unknown campaign", StatusCode.NotFound, () => reports.ListClaimRecordsAsync(new ListClaimRecordsRequest { Actor = Auditor, CampaignId = "nope" }).ResponseAsync),
            ("redemptions read by a merchant", StatusCode.PermissionDenied, () => reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Merchant(m1.MerchantId), CampaignId = s5 }).ResponseAsync),
            ("redemptions in a reversed window", StatusCode.InvalidArgument, () => reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Auditor, CampaignId = s5, Window = Requests.ToWindow(Shanghai(2023, 5, 2), Shanghai(2023, 5, 1)) }).ResponseAsync),
            ("redemptions by a malformed buyer phone", StatusCode.InvalidArgument, () => reports.ListRedemptionRecordsAsync(new ListRedemptionRecordsRequest { Actor = Auditor, CampaignId = s5, BuyerPhone = "abc" }).ResponseAsync),
            ("merchant statistics read by a merchant", StatusCode.PermissionDenied, () => reports.GetMerchantStatsAsync(new GetMerchantStatsRequest { Actor = Merchant(m1.MerchantId), CampaignId = s5 }).ResponseAsync),
            ("merchant statistics of an unknown campaign", StatusCode.NotFound, () => reports.GetMerchantStatsAsync(new GetMerchantStatsRequest { Actor = Auditor, CampaignId = "nope" }).ResponseAsync),
            ("progress of an unknown campaign", StatusCode.NotFound, () => reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Auditor, CampaignId = "nope", Year = 2023, Month = 4 }).ResponseAsync),
            ("progress in year 1999", StatusCode.InvalidArgument, () => reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Auditor, CampaignId = s5, Year = 1999, Month = 4 }).ResponseAsync),
            ("progress read by a merchant", StatusCode.PermissionDenied, () => reports.GetMonthlyProgressAsync(new GetMonthlyProgressRequest { Actor = Merchant(m1.MerchantId), CampaignId = s5, Year = 2023, Month = 4 }).ResponseAsync),
            ("disclosure without campaign", StatusCode.InvalidArgument, () => reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest()).ResponseAsync),
            ("export of an unknown campaign", StatusCode.NotFound, () => ReadAllAsync(reports.ExportAuditData(new ExportAuditDataRequest { Actor = Auditor, CampaignId = "nope", Dataset = ExportDataset.Redemptions }))),
            ("export of a dataset the contract does not name", StatusCode.InvalidArgument, () => ReadAllAsync(reports.ExportAuditData(new ExportAuditDataRequest { Actor = Auditor, CampaignId = s5, Dataset = (ExportDataset)99 }))),
        };

        var wrong = new List<string>();
        foreach (var (because, expected, call) in probes)
        {
            try
            {
                await call();
                wrong.Add($"{because}: expected {expected}, the call succeeded");
            }
            catch (RpcException error) when (error.StatusCode != expected || string.IsNullOrWhiteSpace(error.Status.Detail))
            {
                wrong.Add($"{because}: expected {expected}, got {error.StatusCode} ({error.Status.Detail})");
            }
            catch (RpcException)
            {
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    internal static async Task<List<ExportChunk>> ReadAllAsync(AsyncServerStreamingCall<ExportChunk> call)
    {
        using (call)
        {
            var chunks = new List<ExportChunk>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                chunks.Add(call.ResponseStream.Current);
            }

            return chunks;
        }
    }
}
