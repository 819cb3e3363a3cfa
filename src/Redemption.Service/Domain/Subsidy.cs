namespace Redemption.Service.Domain;

/// <summary>Why a redemption earns no subsidy; mirrors redemption.v1 SubsidyExclusion.</summary>
public enum Exclusion
{
    None = 0,
    MissingDetails = 1,
    Voided = 2,
    RefundReturnedVoucher = 3,
    Revoked = 4,
}

/// <summary>
/// Which redemptions earn a subsidy. A detail the campaign requires (S2: the order amount; S5: the invoice number)
/// and the merchant did not record leaves the redemption standing under ACCEPT_WITHOUT_SUBSIDY but excludes it from
/// the subsidy (乾安: no amount recorded, no subsidy); the government pays face value minus the merchant's
/// co-funding (S5: 170 of 200).
/// </summary>
public static class Subsidy
{
    public static IReadOnlyList<RequiredDetail> MissingDetails(IReadOnlyList<RequiredDetail> required, OrderInput order)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(order);
        return required.Distinct().Where(detail => !IsRecorded(detail, order)).OrderBy(d => d).ToList();
    }

    public static Exclusion ExclusionAtRedemption(IReadOnlyList<RequiredDetail> missing)
    {
        ArgumentNullException.ThrowIfNull(missing);
        return missing.Count > 0 ? Exclusion.MissingDetails : Exclusion.None;
    }

    public static long GovernmentShareCents(long faceValueCents, long merchantCofundingCents) =>
        Math.Max(0, checked(faceValueCents - Math.Clamp(merchantCofundingCents, 0, faceValueCents)));

    /// <summary>Order amount ÷ face value in basis points (54400 = 5.44×), rounded down; 0 without face value.</summary>
    public static long LeverageBasisPoints(long orderAmountCents, long faceValueCents) =>
        faceValueCents <= 0 ? 0 : (long)((Int128)orderAmountCents * VoucherRules.Money.FullShareBasisPoints / faceValueCents);

    private static bool IsRecorded(RequiredDetail detail, OrderInput order) => detail switch
    {
        RequiredDetail.OrderAmount => order.OrderAmountCents > 0,
        RequiredDetail.Category => !string.IsNullOrWhiteSpace(order.CategoryId),
        RequiredDetail.Note => !string.IsNullOrWhiteSpace(order.Note),
        RequiredDetail.InvoiceNumber => !string.IsNullOrWhiteSpace(order.InvoiceNumber),
        _ => true,
    };
}
