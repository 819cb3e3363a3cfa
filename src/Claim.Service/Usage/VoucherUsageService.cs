using Claim.Service.HotPath;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using IdentityKeyKind = VoucherRules.IdentityKeyKind;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using VoucherTimeStatus = VoucherRules.VoucherTimeStatus;

namespace Claim.Service.Usage;

/// <summary>
/// What Redemption does to a voucher (claim.v1 VoucherUsageService), each use case idempotent on the id it carries:
/// check the request → row-lock the voucher → decide → write the change and its feed events → commit → count it.
/// </summary>
public sealed class VoucherUsageService(VoucherUsageStore store, IdentityKeys identities, TimeProvider time, ClaimMetrics? metrics = null)
{
    private static readonly TimeSpan MinimumLockTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumLockTtl = TimeSpan.FromMinutes(5);

    public async Task<Voucher> ResolvePresentationCodeAsync(ResolvePresentationCodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.Token, "token");
        var code = await store.FindCodeAsync(request.Token, cancellationToken) ?? throw new NotFoundException("unknown presentation code");
        var now = time.GetUtcNow();
        if (code.Replaced || code.ExpiresAt <= now)
        {
            throw new FailedPreconditionException("the presentation code expired or was replaced by a newer one; ask the holder to refresh it");
        }

        var row = await store.FindAsync(code.VoucherId, cancellationToken) ?? throw new NotFoundException("unknown presentation code");
        return row.Current(now);
    }

    public async Task<ListUsableVouchersResponse> ListUsableVouchersAsync(ListUsableVouchersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var holder = HolderHash(request.Person) ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required");
        var at = request.At?.ToDateTimeOffset() ?? time.GetUtcNow();
        var rows = await store.ListValidAsync(holder, request.CampaignId, at, cancellationToken);
        var response = new ListUsableVouchersResponse();
        response.Vouchers.Add(rows.Where(r => VoucherTimes.Check(r.Voucher, at) == VoucherTimeStatus.Usable).Select(r => r.Current(at)));
        return response;
    }

    public async Task<LockVoucherResponse> LockVoucherAsync(LockVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        VoucherTimes.RequireId(request.MerchantId, "merchant_id");
        var ttl = request.Ttl?.ToTimeSpan() ?? TimeSpan.Zero;
        if (ttl < MinimumLockTtl || ttl > MaximumLockTtl)
        {
            throw InvalidArgumentException.ForField("ttl", "ttl must be between 1 second and 5 minutes");
        }

        string? presenter = null;
        if (request.Person is not null)
        {
            presenter = HolderHash(request.Person) ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required when person is set");
        }

        var now = time.GetUtcNow();
        var expires = now + ttl;
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var current = row.Current(now);
            if (presenter is not null && !string.Equals(presenter, row.HolderHash, StringComparison.Ordinal))
            {
                return Unavailable(VoucherUnavailableReason.NotHolder, current);
            }

            var refusal = current.Status switch
            {
                VoucherStatus.Used => VoucherUnavailableReason.Used,
                VoucherStatus.Expired => VoucherUnavailableReason.Expired,
                VoucherStatus.Revoked => VoucherUnavailableReason.Revoked,
                VoucherStatus.Locked when !row.IsLockedBy(request.LockId, now) => VoucherUnavailableReason.Locked,
                _ => VoucherTimes.Refusal(VoucherTimes.Check(current, now)),
            };
            if (refusal is { } reason)
            {
                return Unavailable(reason, current);
            }

            await change.LockAsync(request.LockId, expires);
            var locked = current.Clone();
            locked.Status = VoucherStatus.Locked;
            locked.Version++;
            changed = true;
            return new LockVoucherResponse { Lock = new VoucherLock { Voucher = locked, LockId = request.LockId, ExpiresAt = VoucherUsageStore.Stamp(expires) } };
        }, cancellationToken);

        // Counted once committed: a change the commit lost is not a business event.
        return Counted(answer, changed, "lock", request.VoucherId);
    }

    public async Task<Voucher> ConsumeVoucherAsync(ConsumeVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.MerchantId, "merchant_id");
        var now = time.GetUtcNow();
        var usedAt = request.UsedAt?.ToDateTimeOffset() ?? now;
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var earlier = await change.ConsumedByAsync(request.RedemptionId);
            if (earlier is not null)
            {
                return string.Equals(earlier, request.VoucherId, StringComparison.Ordinal)
                    ? row.Current(now)
                    : throw new FailedPreconditionException($"redemption '{request.RedemptionId}' consumed another voucher");
            }

            if (row.Voucher.Status == VoucherStatus.Used)
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' was consumed by another redemption");
            }

            // A lapsed lock may still be used by its own attempt as long as nothing else happened to the voucher meanwhile.
            if (row.Voucher.Status != VoucherStatus.Locked || !string.Equals(row.LockId, request.LockId, StringComparison.Ordinal))
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' is not held by lock '{request.LockId}' (it is {row.Current(now).Status})");
            }

            await change.ConsumeAsync(request.RedemptionId, request.MerchantId, request.MerchantTradeName, usedAt, now);
            await change.AppendEventsAsync([Event(row.Voucher, now, e => e.Consumed = new VoucherConsumed
            {
                VoucherId = request.VoucherId,
                RedemptionId = request.RedemptionId,
                MerchantId = request.MerchantId,
            })]);
            var used = row.Voucher.Clone();
            used.Status = VoucherStatus.Used;
            used.Version++;
            used.Use = new VoucherUse { RedemptionId = request.RedemptionId, MerchantId = request.MerchantId, MerchantTradeName = request.MerchantTradeName, UsedAt = VoucherUsageStore.Stamp(usedAt) };
            changed = true;
            return used;
        }, cancellationToken, PriorRecord.Consumption(request.RedemptionId));

        return Counted(answer, changed, "consume", request.VoucherId);
    }

    public async Task<Voucher> ReleaseVoucherAsync(ReleaseVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        var now = time.GetUtcNow();
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            if (row.Voucher.Status != VoucherStatus.Locked || !string.Equals(row.LockId, request.LockId, StringComparison.Ordinal))
            {
                return row.Current(now);
            }

            await change.ReleaseAsync();
            var released = row.Voucher.Clone();
            released.Status = VoucherStatus.Unused;
            released.Version++;
            changed = true;
            return released;
        }, cancellationToken);

        return Counted(answer, changed, "release", request.VoucherId);
    }

    public async Task<Voucher> ReinstateVoucherAsync(ReinstateVoucherRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.ReversalId, "reversal_id");
        var now = time.GetUtcNow();
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, change) =>
        {
            var earlier = await change.ReinstatedByAsync(request.ReversalId);
            if (earlier is not null)
            {
                return string.Equals(earlier, request.VoucherId, StringComparison.Ordinal)
                    ? row.Current(now)
                    : throw new FailedPreconditionException($"reversal '{request.ReversalId}' reinstated another voucher");
            }

            if (row.Voucher.Status != VoucherStatus.Used || !string.Equals(row.Voucher.Use?.RedemptionId, request.RedemptionId, StringComparison.Ordinal))
            {
                throw new FailedPreconditionException($"voucher '{request.VoucherId}' is not consumed by redemption '{request.RedemptionId}'");
            }

            var expired = row.Voucher.ValidUntil is { } until && until.ToDateTimeOffset() <= now;
            var status = expired ? VoucherStatus.Expired : VoucherStatus.Unused;
            await change.ReinstateAsync(status, request.RedemptionId, request.ReversalId, request.Reason, now);
            var events = new List<IssuanceEvent>
            {
                Event(row.Voucher, now, e => e.Reinstated = new VoucherReinstated { VoucherId = request.VoucherId, RedemptionId = request.RedemptionId, ReversalId = request.ReversalId }),
            };
            if (expired)
            {
                events.Add(Event(row.Voucher, now, e => e.Expired = new VoucherExpired { VoucherId = request.VoucherId, FaceValueCents = row.Voucher.FaceValueCents }));
            }

            await change.AppendEventsAsync(events);
            var reinstated = row.Voucher.Clone();
            reinstated.Status = status;
            reinstated.Use = null;
            reinstated.EndedAt = expired ? VoucherUsageStore.Stamp(now) : null;
            reinstated.Version++;
            changed = true;
            return reinstated;
        }, cancellationToken, PriorRecord.Reinstatement(request.ReversalId));

        return Counted(answer, changed, "reinstate", request.VoucherId);
    }

    private T Counted<T>(T? answer, bool changed, string usage, string voucherId)
        where T : class
    {
        if (changed)
        {
            metrics?.Usage(usage);
        }

        return answer ?? throw new NotFoundException($"voucher '{voucherId}' not found");
    }

    private static LockVoucherResponse Unavailable(VoucherUnavailableReason reason, Voucher voucher) =>
        new() { Unavailable = new VoucherUnavailable { Reason = reason, Voucher = voucher } };

    private static IssuanceEvent Event(Voucher voucher, DateTimeOffset now, Action<IssuanceEvent> fill)
    {
        var e = new IssuanceEvent { CampaignId = voucher.CampaignId, OccurredAt = VoucherUsageStore.Stamp(now) };
        fill(e);
        return e;
    }

    private string? HolderHash(PersonIdentity? person) => identities.Hash(person, [IdentityKeyKind.ChannelAccount])?.AccountHash;
}
