using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Usage;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Admin.AdminRequests;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PageSize = VoucherRules.PageSize;
using PageToken = VoucherRules.PageToken;

namespace Claim.Service.Admin;

/// <summary>
/// What operators change in claiming (claim.v1 ClaimAdminService): the scalper list, claim pauses, revocation,
/// expiry and reconciliation. Each use case checks the actor and the request, then calls one store.
/// </summary>
public sealed class ClaimAdminService(
    CampaignCatalog catalog,
    ClaimControls controls,
    BlockListStore blockList,
    VoucherUsageStore vouchers,
    WalletStore wallet,
    IdentityKeys identities,
    Reconciler reconciler,
    TimeProvider time)
{
    public async Task<AddToBlockListResponse> AddToBlockListAsync(AddToBlockListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        if (request.Keys.Count == 0)
        {
            throw InvalidArgumentException.ForField("keys", "at least one key is required");
        }

        RequireText(request.Reason, "reason");
        if (request.CampaignId.Length > 0)
        {
            catalog.RequireCampaign(request.CampaignId);
        }

        var now = time.GetUtcNow();
        var expires = request.ExpiresAt?.ToDateTimeOffset();
        if (expires is { } lapse && lapse <= now)
        {
            throw InvalidArgumentException.ForField("expires_at", "expires_at must be in the future");
        }

        var keys = request.Keys.Select(k =>
        {
            if (k.Kind == IdentityKeyKind.Unspecified || !System.Enum.IsDefined(k.Kind))
            {
                throw InvalidArgumentException.ForField("keys", "every key needs a kind");
            }

            if (string.IsNullOrWhiteSpace(k.Value) || (k.Kind == IdentityKeyKind.ChannelAccount && string.IsNullOrWhiteSpace(k.ChannelId)))
            {
                throw InvalidArgumentException.ForField("keys", $"the {k.Kind} key needs a value{(k.Kind == IdentityKeyKind.ChannelAccount ? " and a channel_id" : string.Empty)}");
            }

            var kind = CampaignPlan.ToRules(k.Kind);
            return (Kind: kind, Hash: identities.HashOne(kind, k.Value, k.ChannelId), Masked: IdentityKeys.MaskOne(kind, k.Value, k.ChannelId));
        }).ToList();
        var response = new AddToBlockListResponse();
        foreach (var key in keys)
        {
            response.Entries.Add(await ClaimControls.Reachable(() => blockList.AddAsync(key.Kind, key.Hash, key.Masked, request.CampaignId, request.Reason, request.Actor, expires, now, cancellationToken)));
        }

        return response;
    }

    public async Task<BlockListEntry> RemoveFromBlockListAsync(RemoveFromBlockListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        VoucherTimes.RequireId(request.EntryId, "entry_id");
        RequireText(request.Reason, "reason");
        return await ClaimControls.Reachable(() => blockList.RemoveAsync(request.EntryId, request.Reason, time.GetUtcNow(), cancellationToken))
            ?? throw new NotFoundException($"block-list entry '{request.EntryId}' not found");
    }

    public async Task<ListBlockListResponse> ListBlockListAsync(ListBlockListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireReader(request.Actor);
        var pageSize = PageSize.Resolve(request.Page?.PageSize ?? 0);
        var filters = string.Join('|', "block", request.CampaignId, (int)request.Kind, request.IncludeInactive);
        var after = PageToken.Read(request.Page?.PageToken, filters, keyParts: 1)?[0];
        var entries = await blockList.ListAsync(request.CampaignId, request.Kind, request.IncludeInactive, time.GetUtcNow(), pageSize + 1, after, cancellationToken);
        var (page, next) = PageToken.Page(entries, pageSize, filters, e => [e.EntryId]);
        var response = new ListBlockListResponse { Page = new PageResponse { TotalSize = -1, NextPageToken = next } };
        response.Entries.Add(page);
        return response;
    }

    public async Task<ClaimingState> PauseClaimingAsync(PauseClaimingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        RequireText(request.Reason, "reason");
        var plan = catalog.RequireCampaign(request.CampaignId);
        await controls.PauseAsync(plan.CampaignId, RoundIdOf(plan, request.RoundId), request.Reason);
        return await controls.ClaimingStateAsync(plan.CampaignId);
    }

    public async Task<ClaimingState> ResumeClaimingAsync(ResumeClaimingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        var plan = catalog.RequireCampaign(request.CampaignId);
        await controls.ResumeAsync(plan.CampaignId, RoundIdOf(plan, request.RoundId));
        return await controls.ClaimingStateAsync(plan.CampaignId);
    }

    public async Task<Voucher> RevokeVoucherAsync(RevokeVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        RequireText(request.Reason, "reason");
        var now = time.GetUtcNow();
        var answer = await vouchers.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var current = row.Current(now);
            if (current.Status != VoucherStatus.Unused)
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' is {current.Status}; only an unused voucher can be revoked here");
            }

            await change.RevokeAsync(request.Reason, now);
            await change.AppendEventsAsync([new IssuanceEvent
            {
                CampaignId = current.CampaignId,
                OccurredAt = VoucherUsageStore.Stamp(now),
                Revoked = new VoucherRevoked { VoucherId = current.VoucherId, FaceValueCents = current.FaceValueCents, Reason = request.Reason },
            }]);
            var revoked = current.Clone();
            revoked.Status = VoucherStatus.Revoked;
            revoked.EndedAt = VoucherUsageStore.Stamp(now);
            revoked.RevokeReason = request.Reason;
            revoked.Version++;
            return revoked;
        }, cancellationToken);
        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    public async Task<ExpireVouchersResponse> ExpireVouchersAsync(ExpireVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireWriter(request.Actor);
        if (request.CampaignId.Length > 0)
        {
            catalog.RequireCampaign(request.CampaignId);
        }

        return new ExpireVouchersResponse { Expired = await wallet.ExpireAsync(time.GetUtcNow(), request.CampaignId, cancellationToken) };
    }

    public async Task<ReconciliationReport> ReconcileCampaignAsync(ReconcileCampaignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Repair)
        {
            RequireWriter(request.Actor);
        }
        else
        {
            RequireReader(request.Actor);
        }

        var plan = catalog.RequireCampaign(request.CampaignId);
        return await ClaimControls.Reachable(() => reconciler.ReconcileAsync(plan, request.Repair, time.GetUtcNow(), cancellationToken));
    }

    /// <summary>The round a pause names (checked to exist), or empty for the whole campaign.</summary>
    private static string RoundIdOf(CampaignPlan plan, string roundId) =>
        string.IsNullOrEmpty(roundId) ? string.Empty : SelectRounds(plan, roundId)[0].RoundId;
}
