using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Microsoft.Extensions.Options;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Rules = VoucherRules;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PageSize = VoucherRules.PageSize;
using PageToken = VoucherRules.PageToken;

namespace Claim.Service.Wallet;

/// <summary>
/// The holder's side of claim.v1 ClaimService: their vouchers (keyset pages), one voucher, and the short-lived
/// presentation code a merchant scans. Claiming itself is the hot path (<see cref="ClaimEngine"/>).
/// </summary>
public sealed class WalletService(WalletStore wallet, IdentityKeys identities, TimeProvider time, IOptions<ClaimOptions> options)
{
    public async Task<ListVouchersResponse> ListVouchersAsync(ListVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var holder = HolderHash(request.Person);
        var pageSize = PageSize.Resolve(request.Page?.PageSize ?? 0);
        var filters = string.Join('|', "wallet", holder, request.CampaignId, string.Join(',', request.Statuses.Select(s => (int)s).Order()));
        var after = PageToken.Read(request.Page?.PageToken, filters, keyParts: 1)?[0];
        var vouchers = await wallet.ListAsync(holder, request.CampaignId, request.Statuses.ToList(), pageSize + 1, after, cancellationToken);
        var (page, next) = PageToken.Page(vouchers, pageSize, filters, v => [v.VoucherId]);
        var response = new ListVouchersResponse { Page = new PageResponse { TotalSize = -1, NextPageToken = next } };
        response.Vouchers.Add(page);
        return response;
    }

    public async Task<Voucher> GetVoucherAsync(GetVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await FindOwnAsync(request.Person, request.VoucherId, cancellationToken);
    }

    public async Task<PresentationCode> CreatePresentationCodeAsync(CreatePresentationCodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var voucher = await FindOwnAsync(request.Person, request.VoucherId, cancellationToken);
        var now = time.GetUtcNow();
        var validity = new Rules.TimeWindow(voucher.ValidFrom.ToDateTimeOffset(), voucher.ValidUntil?.ToDateTimeOffset());
        if (voucher.Status != VoucherStatus.Unused || !validity.Contains(now))
        {
            throw new FailedPreconditionException($"voucher '{voucher.VoucherId}' is {voucher.Status} or outside its validity window");
        }

        return await wallet.CreatePresentationCodeAsync(voucher.VoucherId, now, options.Value.PresentationCodeLifetime, cancellationToken);
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
