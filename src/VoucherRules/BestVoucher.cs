namespace VoucherRules;

/// <summary>Status of an issued voucher in a wallet.</summary>
public enum WalletVoucherStatus
{
    Unused,
    /// <summary>Held for another order right now; not available to this one.</summary>
    Locked,
    Used,
    Expired,
    Revoked,
}

/// <summary>
/// A voucher in a person's wallet with everything needed to judge it against an order:
/// its terms, validity, optional daily usage hours and the zone those hours are read in.
/// </summary>
public sealed record WalletVoucher(
    string VoucherId,
    VoucherTerms Terms,
    TimeWindow Validity,
    WalletVoucherStatus Status,
    DailyUsageHours? UsageHours,
    TimeZoneInfo Zone);

/// <summary>
/// Auto-pick for channel payments: the largest face value the order qualifies for; among equal
/// face values the one that expires first (so the person loses the least); then the smallest
/// voucher id in ordinal order, so every copy of the service picks the same voucher.
/// </summary>
public static class BestVoucher
{
    /// <summary>The voucher to apply, or null when none of the wallet's vouchers fits the order now.</summary>
    public static WalletVoucher? Choose(
        IEnumerable<WalletVoucher> wallet,
        OrderFacts order,
        DateTimeOffset now,
        long? maxVoucherValuePerTransactionCents = null)
    {
        ArgumentNullException.ThrowIfNull(wallet);
        ArgumentNullException.ThrowIfNull(order);
        return wallet
            .Where(v => IsApplicable(v, order, now, maxVoucherValuePerTransactionCents))
            .OrderByDescending(v => v.Terms.FaceValueCents)
            .ThenBy(v => v.Validity.End ?? DateTimeOffset.MaxValue)
            .ThenBy(v => v.VoucherId, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>Whether a voucher could be applied to the order at <paramref name="now"/>.</summary>
    public static bool IsApplicable(WalletVoucher voucher, OrderFacts order, DateTimeOffset now, long? maxVoucherValuePerTransactionCents = null)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        return voucher.Status == WalletVoucherStatus.Unused
            && VoucherValidity.Check(voucher.Validity, voucher.UsageHours, voucher.Zone, now) == VoucherTimeStatus.Usable
            && SpendQualification.Check(voucher.Terms, order, maxVoucherValuePerTransactionCents).IsQualified;
    }
}
