using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Redemption.Service.Access;
using Redemption.Service.Campaigns;
using Redemption.Service.Domain;
using Redemption.Service.Peers;
using Redemption.Service.Redeeming;
using Redemption.Service.Storage;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;
using AlreadyExistsException = VoucherRules.AlreadyExistsException;
using FieldProblems = VoucherRules.FieldProblems;
using NotFoundException = VoucherRules.NotFoundException;
using UnavailableException = VoucherRules.UnavailableException;

namespace Redemption.Service.Records;

/// <summary>
/// ReverseRedemption and RevokeRedemption: load → check the actor and the rules → (a reversal only: ask Settlement
/// whether the subsidy was paid out, refused if so) → (VOID, or REFUND under VOUCHER_RETURNED: reinstate the voucher
/// in Claim, idempotent on the reversal id) → store the change with its feed event. The voucher is reinstated before the change is stored: if storing fails, the retry with the same reversal
/// id finds the voucher reinstated already and stores the change.
/// </summary>
public sealed class ReversalService(RedemptionStore store, CampaignRules campaigns, ClaimGateway claim, SettlementGateway settlement, TimeProvider time, RedemptionMetrics metrics)
{
    public async Task<RedemptionRecord> ReverseAsync(ReverseRedemptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireMayReverse(request.Actor);
        var problems = new FieldProblems();
        problems.Require(request.ReversalId, "reversal_id", "请填写撤销单号 (reversal_id is required)");
        problems.Require(request.RedemptionId, "redemption_id", "请填写核销编号 (redemption_id is required)");
        problems.Require(request.Reason, "reason", "请填写撤销原因 (reason is required)");
        if (request.Kind is not (ReversalKind.Void or ReversalKind.Refund))
        {
            problems.Add("kind", "请选择冲正 (VOID) 或退货 (REFUND) (kind must be VOID or REFUND)");
        }

        problems.ThrowIfAny();
        var record = await store.GetAsync(request.RedemptionId, cancellationToken) ?? throw NotFound(request.RedemptionId);
        Actors.RequireReverser(request.Actor, record.MerchantId, record.AcquiringChannelId);
        var fingerprint = RedeemService.Fingerprint(request);
        if (await store.FindReversalAsync(request.ReversalId, cancellationToken) is { } earlier)
        {
            return string.Equals(earlier.Fingerprint, fingerprint, StringComparison.Ordinal) && earlier.RedemptionId == request.RedemptionId
                ? record
                : throw new AlreadyExistsException("该撤销单号已用于另一笔撤销 (reversal_id was already used for a different request)");
        }

        var campaign = campaigns.Find(record.CampaignId)
            ?? throw new UnavailableException("活动信息尚未同步，请稍后重试 (the campaign's rules are not loaded yet; retry shortly)");
        var now = time.GetUtcNow();
        var type = request.Kind == ReversalKind.Void ? ReversalType.Void : ReversalType.Refund;
        var effect = Decide(record, type, request.RefundedAmountCents, now, campaign.Terms);
        var paidOut = await settlement.FindPaidOutAsync(record.RedemptionId, cancellationToken);
        if (paidOut is not null)
        {
            metrics.ReversalRefusedPaidOut();
            Reversals.RefuseIfPaidOut(paidOut.BatchId, paidOut.PaidAt, campaign.Terms.Zone);
        }

        if (effect.ReturnsVoucher)
        {
            await claim.ReinstateAsync(new ReinstateVoucherRequest { VoucherId = record.VoucherId, RedemptionId = record.RedemptionId, ReversalId = request.ReversalId, Reason = request.Reason }, cancellationToken);
        }

        var reversal = new Reversal
        {
            ReversalId = request.ReversalId,
            Kind = request.Kind,
            RefundedAmountCents = type == ReversalType.Refund ? request.RefundedAmountCents : 0,
            Reason = request.Reason,
            Actor = request.Actor,
            ReversedAt = Timestamp.FromDateTimeOffset(now),
            VoucherReturned = effect.ReturnsVoucher,
        };
        var changed = await store.ChangeAsync(
            record.RedemptionId,
            current =>
            {
                var decided = Decide(current, type, request.RefundedAmountCents, now, campaign.Terms);
                var next = current.Clone();
                next.Status = (RedemptionStatus)(int)decided.Status;
                next.SubsidyExclusion = (SubsidyExclusion)(int)decided.Exclusion;
                next.Reversal = reversal;
                next.Version++;
                return next;
            },
            type == ReversalType.Void ? RedemptionEventKind.Voided : RedemptionEventKind.Refunded,
            async (connection, transaction) =>
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO reversals (reversal_id, redemption_id, fingerprint, reversal, reversed_at) VALUES (@id, @redemption, @fingerprint, @reversal, @at)", connection, transaction);
                insert.Parameters.AddWithValue("id", request.ReversalId);
                insert.Parameters.AddWithValue("redemption", record.RedemptionId);
                insert.Parameters.AddWithValue("fingerprint", fingerprint);
                insert.Parameters.AddWithValue("reversal", reversal.ToByteArray());
                insert.Parameters.AddWithValue("at", now.UtcDateTime);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            },
            now,
            cancellationToken);
        metrics.Reversed(type.ToString().ToLowerInvariant());
        return changed ?? throw NotFound(record.RedemptionId);
    }

    public async Task<RedemptionRecord> RevokeAsync(RevokeRedemptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Actors.RequireOperator(request.Actor);
        var problems = new FieldProblems();
        problems.Require(request.RedemptionId, "redemption_id", "请填写核销编号 (redemption_id is required)");
        problems.Require(request.Reason, "reason", "请填写撤回原因 (reason is required)");
        problems.ThrowIfAny();
        var record = await store.GetAsync(request.RedemptionId, cancellationToken) ?? throw NotFound(request.RedemptionId);
        if (!Reversals.CanRevoke((Standing)(int)record.Status))
        {
            return record;
        }

        var now = time.GetUtcNow();
        var revocation = new Revocation { Reason = request.Reason, Actor = request.Actor, RevokedAt = Timestamp.FromDateTimeOffset(now) };
        var changed = await store.ChangeAsync(
            record.RedemptionId,
            current =>
            {
                if (!Reversals.CanRevoke((Standing)(int)current.Status))
                {
                    return null;
                }

                var next = current.Clone();
                next.Status = RedemptionStatus.Revoked;
                next.SubsidyExclusion = SubsidyExclusion.Revoked;
                next.Revocation = revocation;
                next.Version++;
                return next;
            },
            RedemptionEventKind.Revoked,
            async (connection, transaction) =>
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO revocations (redemption_id, reason, actor, revoked_at) VALUES (@id, @reason, @actor, @at) ON CONFLICT DO NOTHING", connection, transaction);
                insert.Parameters.AddWithValue("id", record.RedemptionId);
                insert.Parameters.AddWithValue("reason", request.Reason);
                insert.Parameters.AddWithValue("actor", request.Actor.ToByteArray());
                insert.Parameters.AddWithValue("at", now.UtcDateTime);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            },
            now,
            cancellationToken);
        metrics.Reversed("revoke");
        return changed ?? throw NotFound(record.RedemptionId);
    }

    private static ReversalEffect Decide(RedemptionRecord record, ReversalType type, long refunded, DateTimeOffset now, CampaignTerms terms) =>
        Reversals.Decide((Standing)(int)record.Status, type, refunded, record.OrderAmountCents, record.RedeemedAt.ToDateTimeOffset(), now, terms, (Exclusion)(int)record.SubsidyExclusion);

    internal static NotFoundException NotFound(string redemptionId) => new($"核销记录 {redemptionId} 不存在 (redemption '{redemptionId}' not found)");
}
