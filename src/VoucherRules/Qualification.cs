using System.Globalization;

namespace VoucherRules;

/// <summary>What a minimum spend is measured on.</summary>
public enum SpendScope
{
    /// <summary>The whole order amount (满150减50).</summary>
    Order,
    /// <summary>One item of the order (张店: an item of at least 2000 qualifies for the 200 voucher).</summary>
    SingleItem,
}

/// <summary>
/// A minimum spend: either a fixed amount or a multiple of the face value, in basis points of the
/// face value (30000 = 3×). Comparisons are inclusive: an order of exactly the threshold qualifies.
/// </summary>
public sealed record MinimumSpendRule
{
    private MinimumSpendRule(long? fixedCents, int? faceValueMultipleBasisPoints, SpendScope scope)
    {
        FixedCents = fixedCents;
        FaceValueMultipleBasisPoints = faceValueMultipleBasisPoints;
        Scope = scope;
    }

    public long? FixedCents { get; }

    public int? FaceValueMultipleBasisPoints { get; }

    public SpendScope Scope { get; }

    public static MinimumSpendRule Fixed(long thresholdCents, SpendScope scope = SpendScope.Order) =>
        new(thresholdCents, null, scope);

    public static MinimumSpendRule MultipleOfFaceValue(int basisPoints, SpendScope scope = SpendScope.Order) =>
        new(null, basisPoints, scope);

    /// <summary>
    /// The smallest amount that qualifies. For a multiple this is rounded up to the cent, which is
    /// exactly "amount × 10000 ≥ face × multiple" for whole cents.
    /// </summary>
    public long ThresholdCents(long faceValueCents)
    {
        if (FixedCents is { } fixedCents)
        {
            return fixedCents;
        }

        var scaled = checked(faceValueCents * FaceValueMultipleBasisPoints!.Value);
        return (scaled + Money.FullShareBasisPoints - 1) / Money.FullShareBasisPoints;
    }

    public bool IsMetBy(long amountCents, long faceValueCents) => amountCents >= ThresholdCents(faceValueCents);
}

/// <summary>
/// Categories a voucher may be spent in. Empty admits every category. Ids are the catalogue's
/// lower-case ids; a dotted id is a sub-category, so "appliances" admits "appliances.tv" but
/// "appliances.tv" does not admit "appliances".
/// </summary>
public sealed record CategoryRestriction(IReadOnlyList<string> CategoryIds)
{
    public static CategoryRestriction Any { get; } = new(Array.Empty<string>());

    public static CategoryRestriction Only(params string[] categoryIds) => new(categoryIds);

    public bool AdmitsEverything => CategoryIds.Count == 0;

    public bool Admits(string categoryId)
    {
        ArgumentNullException.ThrowIfNull(categoryId);
        if (AdmitsEverything)
        {
            return true;
        }

        foreach (var admitted in CategoryIds)
        {
            if (string.Equals(categoryId, admitted, StringComparison.Ordinal)
                || (categoryId.Length > admitted.Length
                    && categoryId.StartsWith(admitted, StringComparison.Ordinal)
                    && categoryId[admitted.Length] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a merchant selling in any of these categories may take the voucher.</summary>
    public bool AdmitsAny(IEnumerable<string> merchantCategoryIds)
    {
        ArgumentNullException.ThrowIfNull(merchantCategoryIds);
        return merchantCategoryIds.Any(Admits);
    }
}

/// <summary>What a voucher promises: its face value, when it applies and where.</summary>
public sealed record VoucherTerms(long FaceValueCents, MinimumSpendRule MinimumSpend, CategoryRestriction Categories)
{
    /// <summary>Configuration problems a bureau must fix before the tier can be saved.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (FaceValueCents <= 0)
        {
            problems.Add($"face value must be positive, got {Money.FormatYuan(FaceValueCents)}");
            return problems;
        }

        if (MinimumSpend.FaceValueMultipleBasisPoints is { } multiple && multiple < Money.FullShareBasisPoints)
        {
            problems.Add($"a minimum spend multiple below 1× face value ({multiple.ToString(CultureInfo.InvariantCulture)} basis points) would pay out more than the order");
        }
        else if (MinimumSpend.ThresholdCents(FaceValueCents) < FaceValueCents)
        {
            problems.Add($"minimum spend {Money.FormatYuan(MinimumSpend.ThresholdCents(FaceValueCents))} is below the face value {Money.FormatYuan(FaceValueCents)}");
        }

        return problems;
    }
}

/// <summary>
/// An order as the merchant records it: the amount, the category it was sold in, and the amounts
/// of the items that may qualify a single-item voucher (empty when not recorded).
/// </summary>
public sealed record OrderFacts(long OrderAmountCents, string CategoryId, IReadOnlyList<long> ItemAmountsCents)
{
    public static OrderFacts Whole(long orderAmountCents, string categoryId = "") =>
        new(orderAmountCents, categoryId, Array.Empty<long>());
}

public enum QualificationFailure
{
    None,
    /// <summary>The order's category is not one the voucher admits.</summary>
    CategoryNotAdmitted,
    /// <summary>The order (or the best item) is below the minimum spend.</summary>
    BelowMinimumSpend,
    /// <summary>A single-item voucher, but the merchant recorded no item amounts.</summary>
    NoItemRecorded,
    /// <summary>The voucher's value exceeds the campaign's cap per transaction.</summary>
    OverTransactionCap,
    /// <summary>The order itself is malformed (negative amount, an item larger than the order).</summary>
    InvalidOrder,
}

public sealed record Qualification(QualificationFailure Failure, string Reason)
{
    public static Qualification Qualifies { get; } = new(QualificationFailure.None, string.Empty);

    public bool IsQualified => Failure == QualificationFailure.None;
}

/// <summary>
/// Whether one voucher may be applied to one order. DOMAIN.md fixes "one voucher per transaction,
/// no stacking", so the per-transaction cap (张店: at most 200 of vouchers per transaction) is a
/// ceiling on the single voucher's face value.
/// </summary>
public static class SpendQualification
{
    /// <param name="maxVoucherValuePerTransactionCents">The campaign's cap; null or 0 means none.</param>
    public static Qualification Check(VoucherTerms terms, OrderFacts order, long? maxVoucherValuePerTransactionCents = null)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(order);
        if (order.OrderAmountCents < 0 || order.ItemAmountsCents.Any(item => item < 0 || item > order.OrderAmountCents))
        {
            return new(QualificationFailure.InvalidOrder, "order amounts must be non-negative and no item can exceed the order");
        }

        if (!terms.Categories.Admits(order.CategoryId))
        {
            return new(QualificationFailure.CategoryNotAdmitted,
                $"category '{order.CategoryId}' is not among the voucher's categories ({string.Join(", ", terms.Categories.CategoryIds)})");
        }

        if (maxVoucherValuePerTransactionCents is > 0 and var cap && terms.FaceValueCents > cap)
        {
            return new(QualificationFailure.OverTransactionCap,
                $"voucher value {Money.FormatYuan(terms.FaceValueCents)} exceeds the cap of {Money.FormatYuan(cap)} per transaction");
        }

        var threshold = terms.MinimumSpend.ThresholdCents(terms.FaceValueCents);
        if (terms.MinimumSpend.Scope == SpendScope.SingleItem)
        {
            if (order.ItemAmountsCents.Count == 0)
            {
                return new(QualificationFailure.NoItemRecorded, $"a single item of at least {Money.FormatYuan(threshold)} must be recorded");
            }

            var largestItem = order.ItemAmountsCents.Max();
            return largestItem >= threshold
                ? Qualification.Qualifies
                : new(QualificationFailure.BelowMinimumSpend,
                    $"largest item {Money.FormatYuan(largestItem)} is below the single-item minimum {Money.FormatYuan(threshold)}");
        }

        return order.OrderAmountCents >= threshold
            ? Qualification.Qualifies
            : new(QualificationFailure.BelowMinimumSpend,
                $"order {Money.FormatYuan(order.OrderAmountCents)} is below the minimum spend {Money.FormatYuan(threshold)}");
    }
}
