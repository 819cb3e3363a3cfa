using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Settlement.Service.Application;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Grpc;

/// <summary>settlement.v1.SettlementService: each call one use case of the application layer. Calls whose requests carry no actor are
/// limited to the back-office roles: the token's role is all there is to check.
/// </summary>
public sealed class SettlementGrpcService(SettlementRuns runs, Payouts payouts, RedemptionStandings standings) : SettlementService.SettlementServiceBase
{
    public override Task<SettlementRun> RunSettlement(RunSettlementRequest request, ServerCallContext context) =>
        runs.RunAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<SettlementRun> GetSettlementRun(GetSettlementRunRequest request, ServerCallContext context) =>
        runs.GetAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<ListSettlementRunsResponse> ListSettlementRuns(ListSettlementRunsRequest request, ServerCallContext context) =>
        runs.ListAsync(request, context.CancellationToken);

    public override Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context) =>
        payouts.ListStatementsAsync(request, context.CancellationToken);

    public override Task<MerchantStatement> GetStatement(GetStatementRequest request, ServerCallContext context) =>
        payouts.GetStatementAsync(request, context.CancellationToken);

    public override Task<Adjustment> RecordAdjustment(RecordAdjustmentRequest request, ServerCallContext context) =>
        payouts.RecordAdjustmentAsync(request, context.CancellationToken);

    public override Task<MerchantStatement> HoldStatement(HoldStatementRequest request, ServerCallContext context) =>
        payouts.HoldAsync(request, context.CancellationToken);

    public override Task<PayoutBatch> ReleaseHeldStatements(ReleaseHeldStatementsRequest request, ServerCallContext context) =>
        payouts.ReleaseAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<ListPayoutBatchesResponse> ListPayoutBatches(ListPayoutBatchesRequest request, ServerCallContext context) =>
        payouts.ListBatchesAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<PayoutBatch> GetPayoutBatch(GetPayoutBatchRequest request, ServerCallContext context) =>
        payouts.GetBatchAsync(request, context.CancellationToken);

    public override Task<PayoutBatch> ApprovePayoutBatch(ApprovePayoutBatchRequest request, ServerCallContext context) =>
        payouts.ApproveAsync(request, context.CancellationToken);

    public override Task<PayoutBatch> MarkPayoutBatchPaid(MarkPayoutBatchPaidRequest request, ServerCallContext context) =>
        payouts.MarkPaidAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<FundingSplit> GetFundingSplit(GetFundingSplitRequest request, ServerCallContext context) =>
        payouts.GetFundingSplitAsync(request, context.CancellationToken);

    // Asked by Redemption before a till reverses a redemption; people read the same facts from statements and batches.
    [Authorize(Roles = Roles.System)]
    public override Task<GetRedemptionSettlementResponse> GetRedemptionSettlement(GetRedemptionSettlementRequest request, ServerCallContext context) =>
        standings.GetAsync(request, context.CancellationToken);
}
