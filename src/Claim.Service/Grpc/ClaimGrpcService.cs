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

namespace Claim.Service.Grpc;

/// <summary>claim.v1 ClaimService: claim and draw through the hot path, the wallet from claimdb.</summary>
public sealed class ClaimGrpcService(ClaimEngine engine, WalletStore wallet, IdentityKeys identities, TimeProvider time, IOptions<ClaimOptions> options)
    : ClaimService.ClaimServiceBase
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public override Task<ClaimOutcome> ClaimVoucher(ClaimVoucherRequest request, ServerCallContext context) => engine.ClaimAsync(request);

    public override Task<ClaimOutcome> DrawVoucher(DrawVoucherRequest request, ServerCallContext context) => engine.DrawAsync(request);

    public override async Task<ListVouchersResponse> ListVouchers(ListVouchersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var holder = HolderHash(request.Person);
        var pageSize = request.Page?.PageSize is > 0 and var size ? Math.Min(size, MaxPageSize) : DefaultPageSize;
        var filters = string.Join('|', holder, request.CampaignId, string.Join(',', request.Statuses.Select(s => (int)s).Order()));
        var after = WalletStore.ReadPageToken(request.Page?.PageToken ?? string.Empty, filters);
        var vouchers = await wallet.ListAsync(holder, request.CampaignId, request.Statuses.ToList(), pageSize + 1, after, context.CancellationToken);
        var response = new ListVouchersResponse { Page = new PageResponse { TotalSize = -1 } };
        response.Vouchers.Add(vouchers.Take(pageSize));
        if (vouchers.Count > pageSize)
        {
            response.Page.NextPageToken = WalletStore.PageToken(filters, vouchers[pageSize - 1].VoucherId);
        }

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
