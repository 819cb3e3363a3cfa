using Claim.Service.Admin;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Grpc;

/// <summary>
/// claim.v1 ClaimAdminService: stock, the scalper list, claim pauses, revocation, expiry and the pool report,
/// each call one use case of <see cref="ClaimAdminService"/> or <see cref="StockReports"/>.
/// </summary>
public sealed class ClaimAdminGrpcService(Admin.ClaimAdminService admin, StockReports reports) : Vouchers.Claim.V1.ClaimAdminService.ClaimAdminServiceBase
{
    public override Task<StockStatus> GetStockStatus(GetStockStatusRequest request, ServerCallContext context) =>
        reports.GetStockStatusAsync(request, context.CancellationToken);

    public override Task<PoolReport> GetPoolReport(GetPoolReportRequest request, ServerCallContext context) =>
        reports.GetPoolReportAsync(request, context.CancellationToken);

    public override Task<AddToBlockListResponse> AddToBlockList(AddToBlockListRequest request, ServerCallContext context) =>
        admin.AddToBlockListAsync(request, context.CancellationToken);

    public override Task<BlockListEntry> RemoveFromBlockList(RemoveFromBlockListRequest request, ServerCallContext context) =>
        admin.RemoveFromBlockListAsync(request, context.CancellationToken);

    public override Task<ListBlockListResponse> ListBlockList(ListBlockListRequest request, ServerCallContext context) =>
        admin.ListBlockListAsync(request, context.CancellationToken);

    public override Task<ClaimingState> PauseClaiming(PauseClaimingRequest request, ServerCallContext context) =>
        admin.PauseClaimingAsync(request);

    public override Task<ClaimingState> ResumeClaiming(ResumeClaimingRequest request, ServerCallContext context) =>
        admin.ResumeClaimingAsync(request);

    public override Task<Voucher> RevokeVoucher(RevokeVoucherRequest request, ServerCallContext context) =>
        admin.RevokeVoucherAsync(request, context.CancellationToken);

    public override Task<ExpireVouchersResponse> ExpireVouchers(ExpireVouchersRequest request, ServerCallContext context) =>
        admin.ExpireVouchersAsync(request, context.CancellationToken);

    public override Task<ReconciliationReport> ReconcileCampaign(ReconcileCampaignRequest request, ServerCallContext context) =>
        admin.ReconcileCampaignAsync(request, context.CancellationToken);
}
