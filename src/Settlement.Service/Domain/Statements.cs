using Vouchers.Settlement.V1;

namespace Settlement.Service.Domain;

/// <summary>Whether a redemption on a statement earns its government share.</summary>
public enum SubsidyStanding
{
    Earns,
    /// <summary>A required detail (order amount, invoice…) was not recorded: used, but no subsidy.</summary>
    ForfeitedMissingDetails,
    /// <summary>Withdrawn by the operator before the statement was made.</summary>
    Revoked,
}

/// <summary>A redemption as a statement counts it: not voided, voucher not handed back.</summary>
public sealed record StatementRedemption(
    string RedemptionId,
    string ChannelId,
    long FaceValueCents,
    long MerchantShareCents,
    long GovernmentShareCents,
    long OrderAmountCents,
    SubsidyStanding Standing);

/// <summary>One adjustment line; negative amounts reduce the payout.</summary>
public sealed record AdjustmentEntry(AdjustmentKind Kind, long AmountCents, string RedemptionId, string Reason);

/// <summary>The money columns of one statement.</summary>
public sealed record StatementFigures(
    long RedemptionCount,
    long FaceValueCents,
    long LeveragedSpendCents,
    long GovernmentShareCents,
    long MerchantShareCents,
    long AdjustmentsCents,
    long NetPayableCents)
{
    public static StatementFigures Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public StatementFigures Plus(StatementFigures other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(
            checked(RedemptionCount + other.RedemptionCount),
            checked(FaceValueCents + other.FaceValueCents),
            checked(LeveragedSpendCents + other.LeveragedSpendCents),
            checked(GovernmentShareCents + other.GovernmentShareCents),
            checked(MerchantShareCents + other.MerchantShareCents),
            checked(AdjustmentsCents + other.AdjustmentsCents),
            checked(NetPayableCents + other.NetPayableCents));
    }
}

/// <summary>
/// A computed statement: its columns, the adjustments it made itself (deductions for its own redemptions
/// and the carry-over line), the deduction it passes on to the merchant's next statement (0 or negative)
/// and its net split by issuing channel × funding source.
/// </summary>
public sealed record ComputedStatement(
    StatementFigures Amounts,
    IReadOnlyList<AdjustmentEntry> OwnAdjustments,
    long CarryForwardCents,
    IReadOnlyList<SplitCell> Split);

/// <summary>The statement of one merchant for one period (DOMAIN.md "Settlement").</summary>
public static class Statements
{
    public const string ForfeitedReason = "required redemption details missing; no subsidy";
    public const string CarryForwardReason = "deductions exceed this statement; the rest carries to the next one";

    /// <summary>
    /// The columns cover every redemption of the period that stands; a forfeited or revoked one is counted and
    /// its government share taken back by an adjustment, so the statement shows what was redeemed and what was
    /// withheld. Adjustments brought in (claw-backs of redemptions paid earlier and revoked since, manual
    /// corrections, deductions carried over) are added. The net never goes below zero: a larger deduction is
    /// offset here by a CARRIED_FORWARD line and passed on as <see cref="ComputedStatement.CarryForwardCents"/>.
    /// The net splits across channels by the subsidy their vouchers earned here, then across funding sources by
    /// their budget shares.
    /// </summary>
    public static ComputedStatement Compute(
        IReadOnlyList<StatementRedemption> redemptions,
        IReadOnlyList<AdjustmentEntry> broughtIn,
        IReadOnlyList<Weighted> fundingSources,
        string revokedReason = "revoked by the operator")
    {
        ArgumentNullException.ThrowIfNull(redemptions);
        ArgumentNullException.ThrowIfNull(broughtIn);
        ArgumentNullException.ThrowIfNull(fundingSources);
        var bad = redemptions.FirstOrDefault(r => r.FaceValueCents <= 0 || r.GovernmentShareCents < 0 || r.MerchantShareCents < 0
            || checked(r.GovernmentShareCents + r.MerchantShareCents) != r.FaceValueCents || r.OrderAmountCents < 0);
        if (bad is not null)
        {
            throw new ArgumentException($"redemption {bad.RedemptionId}: face value must be positive and equal government + merchant share", nameof(redemptions));
        }

        if (redemptions.Select(r => r.RedemptionId).Distinct(StringComparer.Ordinal).Count() != redemptions.Count)
        {
            throw new ArgumentException("a redemption appears twice on one statement", nameof(redemptions));
        }

        var own = new List<AdjustmentEntry>();
        foreach (var redemption in redemptions)
        {
            switch (redemption.Standing)
            {
                case SubsidyStanding.ForfeitedMissingDetails:
                    own.Add(new AdjustmentEntry(AdjustmentKind.ForfeitedMissingDetails, -redemption.GovernmentShareCents, redemption.RedemptionId, ForfeitedReason));
                    break;
                case SubsidyStanding.Revoked:
                    own.Add(new AdjustmentEntry(AdjustmentKind.Revoked, -redemption.GovernmentShareCents, redemption.RedemptionId, revokedReason));
                    break;
                case SubsidyStanding.Earns:
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(redemptions), redemption.Standing, "unknown standing");
            }
        }

        var government = Sum(redemptions, r => r.GovernmentShareCents);
        var adjustments = checked(Sum(own, a => a.AmountCents) + Sum(broughtIn, a => a.AmountCents));
        var raw = checked(government + adjustments);
        long carryForward = 0;
        if (raw < 0)
        {
            own.Add(new AdjustmentEntry(AdjustmentKind.CarriedForward, -raw, string.Empty, CarryForwardReason));
            adjustments = checked(adjustments - raw);
            carryForward = raw;
        }

        var net = checked(government + adjustments);
        var channelWeights = redemptions.Where(r => r.Standing == SubsidyStanding.Earns)
            .GroupBy(r => r.ChannelId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Weighted(g.Key, Sum(g, r => r.GovernmentShareCents)))
            .ToList();
        var figures = new StatementFigures(
            redemptions.Count,
            Sum(redemptions, r => r.FaceValueCents),
            Sum(redemptions, r => r.OrderAmountCents),
            government,
            Sum(redemptions, r => r.MerchantShareCents),
            adjustments,
            net);
        return new ComputedStatement(figures, own, carryForward, Splits.ByChannelThenFunding(net, channelWeights, fundingSources));
    }

    private static long Sum<T>(IEnumerable<T> items, Func<T, long> amount) => items.Aggregate(0L, (sum, item) => checked(sum + amount(item)));
}
