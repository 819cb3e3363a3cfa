using VoucherRules;

namespace Redemption.Service.Domain;

/// <summary>Where a redemption stands; mirrors redemption.v1 RedemptionStatus.</summary>
public enum Standing
{
    Completed = 1,
    Voided = 2,
    Refunded = 3,
    Revoked = 4,
}

public enum ReversalType
{
    Void = 1,
    Refund = 2,
}

/// <summary>What a reversal does: the new status, whether the voucher goes back to the wallet, the subsidy exclusion.</summary>
public sealed record ReversalEffect(Standing Status, bool ReturnsVoucher, Exclusion Exclusion);

/// <summary>
/// Reversals and revocations. VOID is a technical cancellation inside the campaign's void window (0 = until the end
/// of the local day of the redemption) and returns the voucher; REFUND (退货) follows the refund policy: by default
/// the voucher stays used (如发生退货，该消费券视为已使用) and the redemption keeps its subsidy unless revoked; under
/// VOUCHER_RETURNED the voucher goes back and the subsidy is lost. Only COMPLETED redemptions are reversed; the
/// operator revokes COMPLETED or REFUNDED ones (never VOIDED ones), and a revocation is final.
/// </summary>
public static class Reversals
{
    /// <summary>The first instant a VOID is no longer allowed.</summary>
    public static DateTimeOffset VoidDeadline(DateTimeOffset redeemedAt, int voidWindowMinutes, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (voidWindowMinutes > 0)
        {
            return redeemedAt.AddMinutes(voidWindowMinutes);
        }

        var day = CampaignClock.LocalDate(redeemedAt, zone);
        return CampaignClock.ToInstant(day, WallClock.EndOfDay, zone);
    }

    /// <summary>The effect of a reversal, or the reason it is refused (FAILED_PRECONDITION, INVALID_ARGUMENT).</summary>
    public static ReversalEffect Decide(
        Standing current,
        ReversalType type,
        long refundedAmountCents,
        long orderAmountCents,
        DateTimeOffset redeemedAt,
        DateTimeOffset now,
        CampaignTerms campaign,
        Exclusion currentExclusion)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        if (type == ReversalType.Refund && (refundedAmountCents < 1 || refundedAmountCents > Math.Max(orderAmountCents, 0)))
        {
            throw InvalidArgumentException.ForField(
                "refunded_amount_cents",
                $"退款金额须在 0.01 与订单金额 {Money.FormatYuan(orderAmountCents)} 之间 (refunded amount must be between 0.01 and the order amount)");
        }

        if (current != Standing.Completed)
        {
            throw new FailedPreconditionException($"该核销已{Describe(current)}，不能再撤销 (the redemption is {current.ToString().ToUpperInvariant()}, only a COMPLETED one can be reversed)");
        }

        if (type == ReversalType.Void)
        {
            var deadline = VoidDeadline(redeemedAt, campaign.VoidWindowMinutes, campaign.Zone);
            if (now >= deadline)
            {
                throw new FailedPreconditionException($"已超过冲正时限，只能办理退货 (the void window ended at {deadline:u}; use a REFUND)");
            }

            return new ReversalEffect(Standing.Voided, ReturnsVoucher: true, Exclusion.Voided);
        }

        return campaign.RefundReturnsVoucher
            ? new ReversalEffect(Standing.Refunded, ReturnsVoucher: true, Exclusion.RefundReturnedVoucher)
            : new ReversalEffect(Standing.Refunded, ReturnsVoucher: false, currentExclusion);
    }

    /// <summary>
    /// A till may not reverse a redemption whose subsidy a settlement batch has paid out: the money has left the
    /// treasury, so only the bureau's revocation (which claws it back on the merchant's next statement) may undo it.
    /// </summary>
    public static void RefuseIfPaidOut(string? paidBatchId, DateTimeOffset paidAt, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (string.IsNullOrEmpty(paidBatchId))
        {
            return;
        }

        var day = CampaignClock.LocalDate(paidAt, zone).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        throw new FailedPreconditionException(
            $"该核销的补贴已于 {day} 在结算批次 {paidBatchId} 中支付，收银端不能撤销，只能由主管部门撤回 (this redemption was paid out in settlement batch {paidBatchId} on {day}; only the bureau can revoke it)");
    }

    /// <summary>Whether the operator may revoke; false means it is revoked already (an unchanged answer).</summary>
    public static bool CanRevoke(Standing current) => current switch
    {
        Standing.Completed or Standing.Refunded => true,
        Standing.Revoked => false,
        _ => throw new FailedPreconditionException("该核销已冲正，无需撤回 (a VOIDED redemption earns nothing and cannot be revoked)"),
    };

    private static string Describe(Standing standing) => standing switch
    {
        Standing.Voided => "冲正",
        Standing.Refunded => "退货",
        Standing.Revoked => "撤回",
        _ => "完成",
    };
}
