using VoucherRules;

namespace Redemption.Service.Domain;

/// <summary>Why a voucher cannot be applied to an order; mirrors redemption.v1 RedemptionRefusalReason.</summary>
public enum RefusalReason
{
    None = 0,
    VoucherNotFound = 1,
    CodeExpired = 2,
    VoucherUsed = 3,
    VoucherExpired = 4,
    VoucherRevoked = 5,
    VoucherLocked = 6,
    NotYetValid = 7,
    OutsideUsageHours = 8,
    NotHolder = 9,
    MerchantNotApproved = 10,
    MerchantSuspended = 11,
    StaffNotBound = 12,
    CategoryNotAllowed = 13,
    BelowMinimumSpend = 14,
    OverTransactionCap = 15,
    MissingDetails = 16,
    CampaignNotRunning = 17,
    NoQualifyingVoucher = 18,
    TransactionAlreadyHasVoucher = 19,
    CampaignUnknown = 20,
}

/// <summary>Where a merchant stands for one campaign, as its snapshot says.</summary>
public enum MerchantStanding
{
    /// <summary>Not on the campaign's approved list (never enrolled, withdrawn, or not approved).</summary>
    NotEnrolled,
    Approved,
    Suspended,
}

/// <summary>A detail the campaign may require with a redemption; mirrors campaign.v1 RedemptionDetail.</summary>
public enum RequiredDetail
{
    OrderAmount = 1,
    Category = 2,
    Note = 3,
    InvoiceNumber = 4,
}

/// <summary>What the campaign says about redemptions.</summary>
public sealed record CampaignTerms(
    bool Running,
    DateTimeOffset? PeriodEnd,
    long MaxVoucherValuePerTransactionCents,
    IReadOnlyList<RequiredDetail> RequiredDetails,
    bool RefuseMissingDetails,
    bool RefundReturnsVoucher,
    int VoidWindowMinutes,
    TimeZoneInfo Zone);

/// <summary>The merchant as the campaign's snapshot lists it.</summary>
public sealed record MerchantTerms(MerchantStanding Standing, IReadOnlyList<string> CategoryIds, IReadOnlyCollection<string> ActiveStaffIds);

/// <summary>
/// The order as the till records it. <see cref="QualifyingItemAmountCents"/> is the most expensive qualifying item
/// for single-item minimum spends (0 = not recorded).
/// </summary>
public sealed record OrderInput(long OrderAmountCents, long QualifyingItemAmountCents, string CategoryId, string Note, string InvoiceNumber);

/// <summary>The verdict on one voucher for one order: every reason it cannot be applied, in the order the till shows them.</summary>
public sealed record Verdict(IReadOnlyList<RefusalReason> Reasons, long RequiredAmountCents, DateTimeOffset? UsableFrom)
{
    public bool Qualifies => Reasons.Count == 0;

    public RefusalReason First => Reasons.Count == 0 ? RefusalReason.None : Reasons[0];
}

/// <summary>
/// Whether a voucher may be applied to an order at a merchant now (DOMAIN.md "Redemption"). Every rule is checked
/// and every failing one reported, so a quote can tell the cashier all of them at once; the first reason is the
/// one a refused redemption carries. Thresholds are inclusive; usage hours and validity are read in the campaign's
/// time zone; the per-transaction cap bounds the single voucher's face value (one voucher per transaction).
/// </summary>
public static class Eligibility
{
    public static Verdict Check(WalletVoucher voucher, CampaignTerms campaign, MerchantTerms merchant, OrderInput order, string? staffId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(order);
        var reasons = new List<RefusalReason>();
        DateTimeOffset? usableFrom = null;

        switch (voucher.Status)
        {
            case WalletVoucherStatus.Used:
                reasons.Add(RefusalReason.VoucherUsed);
                break;
            case WalletVoucherStatus.Expired:
                reasons.Add(RefusalReason.VoucherExpired);
                break;
            case WalletVoucherStatus.Revoked:
                reasons.Add(RefusalReason.VoucherRevoked);
                break;
            case WalletVoucherStatus.Locked:
                reasons.Add(RefusalReason.VoucherLocked);
                break;
        }

        if (voucher.Status is WalletVoucherStatus.Unused or WalletVoucherStatus.Locked)
        {
            switch (VoucherValidity.Check(voucher.Validity, voucher.UsageHours, voucher.Zone, now))
            {
                case VoucherTimeStatus.NotYetValid:
                    reasons.Add(RefusalReason.NotYetValid);
                    usableFrom = NextUsable(voucher, voucher.Validity.Start);
                    break;
                case VoucherTimeStatus.Expired:
                    reasons.Add(RefusalReason.VoucherExpired);
                    break;
                case VoucherTimeStatus.OutsideUsageHours:
                    reasons.Add(RefusalReason.OutsideUsageHours);
                    usableFrom = NextUsable(voucher, now);
                    break;
            }
        }

        // After the voucher's own time rules: a voucher past its validity says so even once the campaign has ended.
        if (!campaign.Running || (campaign.PeriodEnd is { } end && now >= end))
        {
            reasons.Add(RefusalReason.CampaignNotRunning);
        }

        switch (merchant.Standing)
        {
            case MerchantStanding.NotEnrolled:
                reasons.Add(RefusalReason.MerchantNotApproved);
                break;
            case MerchantStanding.Suspended:
                reasons.Add(RefusalReason.MerchantSuspended);
                break;
        }

        if (!string.IsNullOrEmpty(staffId) && !merchant.ActiveStaffIds.Contains(staffId))
        {
            reasons.Add(RefusalReason.StaffNotBound);
        }

        if (!CategoryAllowed(voucher.Terms.Categories, merchant, order.CategoryId))
        {
            reasons.Add(RefusalReason.CategoryNotAllowed);
        }

        var required = voucher.Terms.MinimumSpend.ThresholdCents(voucher.Terms.FaceValueCents);
        var measured = voucher.Terms.MinimumSpend.Scope == SpendScope.SingleItem ? order.QualifyingItemAmountCents : order.OrderAmountCents;
        if (measured < required && !AmountLeftOutWithoutSubsidy(voucher, campaign, order))
        {
            reasons.Add(RefusalReason.BelowMinimumSpend);
        }

        if (campaign.MaxVoucherValuePerTransactionCents > 0 && voucher.Terms.FaceValueCents > campaign.MaxVoucherValuePerTransactionCents)
        {
            reasons.Add(RefusalReason.OverTransactionCap);
        }

        if (campaign.RefuseMissingDetails && Subsidy.MissingDetails(campaign.RequiredDetails, order).Count > 0)
        {
            reasons.Add(RefusalReason.MissingDetails);
        }

        return new Verdict(reasons, required, usableFrom);
    }

    /// <summary>
    /// A campaign that requires the order amount but accepts a redemption without it (乾安: no amount recorded, no
    /// subsidy) cannot hold an unrecorded amount against the minimum spend: the redemption stands, without subsidy.
    /// </summary>
    private static bool AmountLeftOutWithoutSubsidy(WalletVoucher voucher, CampaignTerms campaign, OrderInput order) =>
        order.OrderAmountCents == 0
        && voucher.Terms.MinimumSpend.Scope == SpendScope.Order
        && !campaign.RefuseMissingDetails
        && campaign.RequiredDetails.Contains(RequiredDetail.OrderAmount);

    /// <summary>
    /// The order's category must be one the voucher admits and one the merchant is enrolled for. An order recorded
    /// without a category is judged by the merchant alone: the voucher must admit one of the merchant's categories.
    /// </summary>
    public static bool CategoryAllowed(CategoryRestriction voucherCategories, MerchantTerms merchant, string categoryId)
    {
        ArgumentNullException.ThrowIfNull(voucherCategories);
        ArgumentNullException.ThrowIfNull(merchant);
        if (string.IsNullOrEmpty(categoryId))
        {
            return voucherCategories.AdmitsAny(merchant.CategoryIds);
        }

        var merchantAdmits = merchant.CategoryIds.Count == 0 || CategoryRestriction.Only([.. merchant.CategoryIds]).Admits(categoryId);
        return merchantAdmits && voucherCategories.Admits(categoryId);
    }

    /// <summary>The first instant at or after <paramref name="from"/> inside the usage hours (minute resolution), or null.</summary>
    public static DateTimeOffset? NextUsable(WalletVoucher voucher, DateTimeOffset from)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        if (voucher.UsageHours is null || voucher.UsageHours.Contains(from, voucher.Zone))
        {
            return from;
        }

        var local = CampaignClock.ToLocal(from, voucher.Zone);
        var startMinutes = voucher.UsageHours.Start.MinutesSinceMidnight;
        var candidateDate = DateOnly.FromDateTime(local);
        var today = CampaignClock.ToInstant(candidateDate, voucher.UsageHours.Start, voucher.Zone);
        var next = today > from ? today : CampaignClock.ToInstant(candidateDate.AddDays(1), new WallClock(startMinutes / 60, startMinutes % 60), voucher.Zone);
        return voucher.Validity.End is { } end && next >= end ? null : next;
    }
}
