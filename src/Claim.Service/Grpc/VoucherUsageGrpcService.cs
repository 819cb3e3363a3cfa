using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Vouchers.Claim.V1;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 VoucherUsageService: what Redemption does to a voucher, each call one use case of <see cref="VoucherUsageService"/>.</summary>
// Vouchers are used at a till: by the merchant's cashier app or by Redemption on its behalf.
[Authorize(Roles = Roles.Merchant + "," + Roles.System)]
public sealed class VoucherUsageGrpcService(Usage.VoucherUsageService usage) : Vouchers.Claim.V1.VoucherUsageService.VoucherUsageServiceBase
{
    public override Task<Voucher> ResolvePresentationCode(ResolvePresentationCodeRequest request, ServerCallContext context) =>
        usage.ResolvePresentationCodeAsync(request, context.CancellationToken);

    public override Task<ListUsableVouchersResponse> ListUsableVouchers(ListUsableVouchersRequest request, ServerCallContext context) =>
        usage.ListUsableVouchersAsync(request, context.CancellationToken);

    public override Task<LockVoucherResponse> LockVoucher(LockVoucherRequest request, ServerCallContext context) =>
        usage.LockVoucherAsync(request, context.CancellationToken);

    public override Task<Voucher> ConsumeVoucher(ConsumeVoucherRequest request, ServerCallContext context) =>
        usage.ConsumeVoucherAsync(request, context.CancellationToken);

    public override Task<Voucher> ReleaseVoucher(ReleaseVoucherRequest request, ServerCallContext context) =>
        usage.ReleaseVoucherAsync(request, context.CancellationToken);

    public override Task<Voucher> ReinstateVoucher(ReinstateVoucherRequest request, ServerCallContext context) =>
        usage.ReinstateVoucherAsync(request, context.CancellationToken);

    // The platform's alone: the caller checks bind only a request's top-level merchant_id, and a batch's items each name
    // their own merchant, so a merchant's token would reach other merchants' vouchers through one.
    [Authorize(Roles = Roles.System)]
    public override Task<LockVouchersResponse> LockVouchers(LockVouchersRequest request, ServerCallContext context) =>
        usage.LockVouchersAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.System)]
    public override Task<ConsumeVouchersResponse> ConsumeVouchers(ConsumeVouchersRequest request, ServerCallContext context) =>
        usage.ConsumeVouchersAsync(request, context.CancellationToken);
}
