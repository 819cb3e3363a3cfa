using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Usage;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Rules = VoucherRules;
using FailedPreconditionException = VoucherRules.FailedPreconditionException;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 VoucherUsageService: what Redemption does to a voucher, each call idempotent on the id it carries.</summary>
public sealed class VoucherUsageGrpcService(VoucherUsageStore store, IdentityKeys identities, TimeProvider time, ClaimMetrics? metrics = null)
    : VoucherUsageService.VoucherUsageServiceBase
{
    private static readonly TimeSpan MinimumLockTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumLockTtl = TimeSpan.FromMinutes(5);

    public override async Task<Voucher> ResolvePresentationCode(ResolvePresentationCodeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        VoucherTimes.RequireId(request.Token, "token");
        var code = await store.FindCodeAsync(request.Token, context.CancellationToken) ?? throw new NotFoundException("unknown presentation code");
        var now = time.GetUtcNow();
        if (code.Replaced || code.ExpiresAt <= now)
        {
            throw new FailedPreconditionException("the presentation code expired or was replaced by a newer one; ask the holder to refresh it");
        }

        var row = await store.FindAsync(code.VoucherId, context.CancellationToken) ?? throw new NotFoundException("unknown presentation code");
        return row.Current(now);
    }

    public override async Task<ListUsableVouchersResponse> ListUsableVouchers(ListUsableVouchersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var holder = HolderHash(request.Person) ?? throw InvalidArgumentException.ForField("person", "person.channel_id and person.channel_account_id are required");
        var at = request.At?.ToDateTimeOffset() ?? time.GetUtcNow();
        var rows = await store.ListValidAsync(holder, request.CampaignId, at, context.CancellationToken);
        var response = new ListUsableVouchersResponse();
        response.Vouchers.Add(rows.Where(r => VoucherTimes.Check(r.Voucher, at) == Rules.VoucherTimeStatus.Usable).Select(r => r.Current(at)));
        return response;
    }

    public override async Task<LockVoucherResponse> LockVoucher(LockVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
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
        var answer = await store.ChangeAsync(request.VoucherId, async (row, connection, transaction) =>
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

            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                "UPDATE vouchers SET status = 2, lock_id = @lock, lock_expires_at = @expires, version = version + 1 WHERE voucher_id = @id",
                context.CancellationToken,
                ("lock", request.LockId),
                ("expires", expires.UtcDateTime),
                ("id", request.VoucherId));
            var locked = current.Clone();
            locked.Status = VoucherStatus.Locked;
            locked.Version++;
            changed = true;
            return new LockVoucherResponse { Lock = new VoucherLock { Voucher = locked, LockId = request.LockId, ExpiresAt = VoucherUsageStore.Stamp(expires) } };
        }, context.CancellationToken);

        // Counted once committed: a change the commit lost is not a business event.
        if (changed)
        {
            metrics?.Usage("lock");
        }

        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    public override async Task<Voucher> ConsumeVoucher(ConsumeVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.MerchantId, "merchant_id");
        var now = time.GetUtcNow();
        var usedAt = request.UsedAt?.ToDateTimeOffset() ?? now;
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, connection, transaction) =>
        {
            var earlier = await VoucherUsageStore.RecordedVoucherAsync(connection, transaction, "voucher_consumptions", "redemption_id", request.RedemptionId, context.CancellationToken);
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

            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                """
                UPDATE vouchers SET status = 3, lock_id = NULL, lock_expires_at = NULL, redemption_id = @redemption, merchant_id = @merchant,
                                    merchant_trade_name = @trade, used_at = @used, version = version + 1
                WHERE voucher_id = @id
                """,
                context.CancellationToken,
                ("redemption", request.RedemptionId),
                ("merchant", request.MerchantId),
                ("trade", request.MerchantTradeName),
                ("used", usedAt.UtcDateTime),
                ("id", request.VoucherId));
            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO voucher_consumptions (redemption_id, voucher_id, consumed_at) VALUES (@redemption, @id, @now)",
                context.CancellationToken,
                ("redemption", request.RedemptionId),
                ("id", request.VoucherId),
                ("now", now.UtcDateTime));
            await VoucherStore.AppendEventsAsync(connection, transaction, [Event(row.Voucher, now, e => e.Consumed = new VoucherConsumed
            {
                VoucherId = request.VoucherId,
                RedemptionId = request.RedemptionId,
                MerchantId = request.MerchantId,
            })], context.CancellationToken);
            var used = row.Voucher.Clone();
            used.Status = VoucherStatus.Used;
            used.Version++;
            used.Use = new VoucherUse { RedemptionId = request.RedemptionId, MerchantId = request.MerchantId, MerchantTradeName = request.MerchantTradeName, UsedAt = VoucherUsageStore.Stamp(usedAt) };
            changed = true;
            return used;
        }, context.CancellationToken);

        if (changed)
        {
            metrics?.Usage("consume");
        }

        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    public override async Task<Voucher> ReleaseVoucher(ReleaseVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.LockId, "lock_id");
        var now = time.GetUtcNow();
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, connection, transaction) =>
        {
            if (row.Voucher.Status != VoucherStatus.Locked || !string.Equals(row.LockId, request.LockId, StringComparison.Ordinal))
            {
                return row.Current(now);
            }

            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                "UPDATE vouchers SET status = 1, lock_id = NULL, lock_expires_at = NULL, version = version + 1 WHERE voucher_id = @id",
                context.CancellationToken,
                ("id", request.VoucherId));
            var released = row.Voucher.Clone();
            released.Status = VoucherStatus.Unused;
            released.Version++;
            changed = true;
            return released;
        }, context.CancellationToken);

        if (changed)
        {
            metrics?.Usage("release");
        }

        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    public override async Task<Voucher> ReinstateVoucher(ReinstateVoucherRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        VoucherTimes.RequireId(request.VoucherId, "voucher_id");
        VoucherTimes.RequireId(request.RedemptionId, "redemption_id");
        VoucherTimes.RequireId(request.ReversalId, "reversal_id");
        var now = time.GetUtcNow();
        var changed = false;
        var answer = await store.ChangeAsync(request.VoucherId, async (row, connection, transaction) =>
        {
            var earlier = await VoucherUsageStore.RecordedVoucherAsync(connection, transaction, "voucher_reinstatements", "reversal_id", request.ReversalId, context.CancellationToken);
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
            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                """
                UPDATE vouchers SET status = @status, redemption_id = NULL, merchant_id = NULL, merchant_trade_name = NULL, used_at = NULL,
                                    ended_at = @ended, version = version + 1
                WHERE voucher_id = @id
                """,
                context.CancellationToken,
                ("status", (short)(expired ? VoucherStatus.Expired : VoucherStatus.Unused)),
                ("ended", expired ? now.UtcDateTime : null),
                ("id", request.VoucherId));
            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                "UPDATE voucher_consumptions SET reversed_at = @now WHERE redemption_id = @redemption",
                context.CancellationToken,
                ("now", now.UtcDateTime),
                ("redemption", request.RedemptionId));
            await VoucherUsageStore.ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO voucher_reinstatements (reversal_id, voucher_id, redemption_id, reason, reinstated_at) VALUES (@reversal, @id, @redemption, @reason, @now)",
                context.CancellationToken,
                ("reversal", request.ReversalId),
                ("id", request.VoucherId),
                ("redemption", request.RedemptionId),
                ("reason", request.Reason),
                ("now", now.UtcDateTime));
            var events = new List<IssuanceEvent>
            {
                Event(row.Voucher, now, e => e.Reinstated = new VoucherReinstated { VoucherId = request.VoucherId, RedemptionId = request.RedemptionId, ReversalId = request.ReversalId }),
            };
            if (expired)
            {
                events.Add(Event(row.Voucher, now, e => e.Expired = new VoucherExpired { VoucherId = request.VoucherId, FaceValueCents = row.Voucher.FaceValueCents }));
            }

            await VoucherStore.AppendEventsAsync(connection, transaction, events, context.CancellationToken);
            var reinstated = row.Voucher.Clone();
            reinstated.Status = expired ? VoucherStatus.Expired : VoucherStatus.Unused;
            reinstated.Use = null;
            reinstated.EndedAt = expired ? VoucherUsageStore.Stamp(now) : null;
            reinstated.Version++;
            changed = true;
            return reinstated;
        }, context.CancellationToken);

        if (changed)
        {
            metrics?.Usage("reinstate");
        }

        return answer ?? throw new NotFoundException($"voucher '{request.VoucherId}' not found");
    }

    private static LockVoucherResponse Unavailable(VoucherUnavailableReason reason, Voucher voucher) =>
        new() { Unavailable = new VoucherUnavailable { Reason = reason, Voucher = voucher } };

    private static IssuanceEvent Event(Voucher voucher, DateTimeOffset now, Action<IssuanceEvent> fill)
    {
        var e = new IssuanceEvent { CampaignId = voucher.CampaignId, OccurredAt = VoucherUsageStore.Stamp(now) };
        fill(e);
        return e;
    }

    private string? HolderHash(PersonIdentity? person) => identities.Hash(person, [Rules.IdentityKeyKind.ChannelAccount])?.AccountHash;
}
