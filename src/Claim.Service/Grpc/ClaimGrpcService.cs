using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Rules = VoucherRules;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PageSize = VoucherRules.PageSize;
using PageToken = VoucherRules.PageToken;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 ClaimService: claim and draw through the hot path, the wallet from claimdb.</summary>
public sealed class ClaimGrpcService(ClaimEngine engine, WalletStore wallet, IdentityKeys identities, TimeProvider time, IOptions<ClaimOptions> options)
    : ClaimService.ClaimServiceBase
{
    public override Task<ClaimOutcome> ClaimVoucher(ClaimVoucherRequest request, ServerCallContext context) => engine.ClaimAsync(request);

    public override Task<ClaimOutcome> DrawVoucher(DrawVoucherRequest request, ServerCallContext context) => engine.DrawAsync(request);

    public override async Task<ListVouchersResponse> ListVouchers(ListVouchersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var holder = HolderHash(request.Person);
        var pageSize = PageSize.Resolve(request.Page?.PageSize ?? 0);
        var filters = string.Join('|', "wallet", holder, request.CampaignId, string.Join(',', request.Statuses.Select(s => (int)s).Order()));
        var after = PageToken.Read(request.Page?.PageToken, filters, keyParts: 1)?[0];
        var vouchers = await wallet.ListAsync(holder, request.CampaignId, request.Statuses.ToList(), pageSize + 1, after, context.CancellationToken);
        var (page, next) = PageToken.Page(vouchers, pageSize, filters, v => [v.VoucherId]);
        var response = new ListVouchersResponse { Page = new PageResponse { TotalSize = -1, NextPageToken = next } };
        response.Vouchers.Add(page);
        return response;
    }

    public override async Task<Voucher> GetVoucher(GetVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return await FindOwnAsync(request.Person, request.VoucherId, context.CancellationToken);
    }

    public override async Task<PresentationCode> CreatePresentationCode(CreatePresentationCodeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var voucher = await FindOwnAsync(request.Person, request.VoucherId, context.CancellationToken);
        var now = time.GetUtcNow();
        var validity = new Rules.TimeWindow(voucher.ValidFrom.ToDateTimeOffset(), voucher.ValidUntil?.ToDateTimeOffset());
        if (voucher.Status != VoucherStatus.Unused || !validity.Contains(now))
        {
            throw new FailedPreconditionException($"voucher '{voucher.VoucherId}' is {voucher.Status} or outside its validity window");
        }

        return await wallet.CreatePresentationCodeAsync(voucher.VoucherId, now, options.Value.PresentationCodeLifetime, context.CancellationToken);
    }

    private async Task<Voucher> FindOwnAsync(PersonIdentity? person, string voucherId, CancellationToken cancellationToken)
    {
        var holder = HolderHash(person);
        if (string.IsNullOrWhiteSpace(voucherId))
        {
            throw InvalidArgumentException.ForField("voucher_id", "voucher_id is required");
        }

        return await wallet.GetAsync(voucherId, holder, cancellationToken) ?? throw new NotFoundException($"voucher '{voucherId}' not found");
    }

    private string HolderHash(PersonIdentity? person) =>
        identities.Hash(person, [Rules.IdentityKeyKind.ChannelAccount])?.AccountHash
        ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required");
}
