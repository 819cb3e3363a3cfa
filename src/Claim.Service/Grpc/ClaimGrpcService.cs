using Claim.Service.HotPath;
using Claim.Service.Wallet;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Vouchers.Claim.V1;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 ClaimService: claim and draw through the hot path, the wallet through <see cref="WalletService"/>.</summary>
// Claims are made for people: by their channel, by themselves in the city app, or relayed by the platform.
[Authorize(Roles = Roles.Channel + "," + Roles.Consumer + "," + Roles.System)]
public sealed class ClaimGrpcService(ClaimEngine engine, WalletService wallet) : ClaimService.ClaimServiceBase
{
    public override Task<ClaimOutcome> ClaimVoucher(ClaimVoucherRequest request, ServerCallContext context) => engine.ClaimAsync(request);

    public override Task<ClaimOutcome> DrawVoucher(DrawVoucherRequest request, ServerCallContext context) => engine.DrawAsync(request);

    public override Task<ListVouchersResponse> ListVouchers(ListVouchersRequest request, ServerCallContext context) =>
        wallet.ListVouchersAsync(request, context.CancellationToken);

    public override Task<Voucher> GetVoucher(GetVoucherRequest request, ServerCallContext context) =>
        wallet.GetVoucherAsync(request, context.CancellationToken);

    public override Task<PresentationCode> CreatePresentationCode(CreatePresentationCodeRequest request, ServerCallContext context) =>
        wallet.CreatePresentationCodeAsync(request, context.CancellationToken);
}
