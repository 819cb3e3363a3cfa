namespace VoucherRules;

public enum RedemptionStanding
{
    /// <summary>Counts for subsidy.</summary>
    Valid,
    /// <summary>Withdrawn by the operator (撤回, fraud): no subsidy.</summary>
    Revoked,
    /// <summary>Missing order amount, category or invoice: the voucher is used but earns no subsidy.</summary>
    ForfeitedMissingData,
}

/// <summary>
/// One redemption as settlement sees it. <see cref="MerchantCofundingCents"/> is the part of the
/// face value the merchant bears (张店: 30 of a 200 voucher); the government pays the rest.
/// </summary>
public sealed record SettledRedemption(
    string RedemptionId,
    string MerchantId,
    string IssuingChannelId,
    long FaceValueCents,
    long MerchantCofundingCents,
    long OrderAmountCents,
    RedemptionStanding Standing)
{
    public long GovernmentShareCents => checked(FaceValueCents - MerchantCofundingCents);
}

/// <summary>Money taken back from a merchant for a violation found later (追回).</summary>
public sealed record Clawback(string MerchantId, long AmountCents, string Reason);

/// <summary>An amount attributed to one funding source or channel.</summary>
public sealed record SplitLine(string Id, long AmountCents);

/// <summary>
/// A merchant's statement for a period. Gross is the government share of every redemption;
/// revoked, forfeited and clawed-back amounts come off it; the net is split over funding sources
/// and channels so that each split adds up to the net exactly. A negative net is money the
/// merchant owes back. A held statement (suspended merchant) is computed but not paid.
/// </summary>
public sealed record MerchantStatement(
    string MerchantId,
    int RedemptionCount,
    long FaceValueCents,
    long LeveragedSpendCents,
    long GrossGovernmentShareCents,
    long MerchantShareCents,
    long RevokedCents,
    long ForfeitedCents,
    long ClawedBackCents,
    long NetPayableCents,
    IReadOnlyList<SplitLine> ByFundingSource,
    IReadOnlyList<SplitLine> ByChannel,
    bool Held);

public sealed record SettlementResult(
    IReadOnlyList<MerchantStatement> Statements,
    IReadOnlyList<SplitLine> ByFundingSource,
    IReadOnlyList<SplitLine> ByChannel,
    long NetPayableCents,
    long HeldCents)
{
    /// <summary>What the batch pays now: positive nets of merchants not held.</summary>
    public long PayableNowCents => Statements.Where(s => !s.Held && s.NetPayableCents > 0).Sum(s => s.NetPayableCents);
}

public static class SettlementRules
{
    /// <summary>Channel line for a claw-back of a merchant with no valid redemption to attribute it to.</summary>
    public const string UnattributedChannelId = "";

    /// <summary>The merchant's part of a face value under a government share in basis points
    /// (8500 = 85%): the government share is rounded half up once, the merchant bears the rest.</summary>
    public static long MerchantCofunding(long faceValueCents, int governmentShareBasisPoints) =>
        checked(faceValueCents - Money.Share(faceValueCents, governmentShareBasisPoints));

    /// <summary>
    /// Statements per merchant for one settlement period, split over the government funding
    /// sources in proportion to their amounts, and over channels by where each voucher was issued.
    /// </summary>
    public static SettlementResult Settle(
        IEnumerable<SettledRedemption> redemptions,
        IEnumerable<Clawback> clawbacks,
        IReadOnlyList<FundingSource> governmentFunding,
        IReadOnlyCollection<string>? heldMerchantIds = null)
    {
        ArgumentNullException.ThrowIfNull(redemptions);
        ArgumentNullException.ThrowIfNull(clawbacks);
        ArgumentNullException.ThrowIfNull(governmentFunding);
        if (governmentFunding.Count == 0 || governmentFunding.Any(f => f.AmountCents <= 0))
        {
            throw new ArgumentException("At least one funding source with a positive amount is needed.", nameof(governmentFunding));
        }

        var all = redemptions.ToList();
        var invalid = all.FirstOrDefault(r => r.FaceValueCents <= 0 || r.MerchantCofundingCents < 0 || r.MerchantCofundingCents > r.FaceValueCents || r.OrderAmountCents < 0);
        if (invalid is not null)
        {
            throw new ArgumentException($"redemption '{invalid.RedemptionId}': need face > 0, 0 ≤ co-funding ≤ face and a non-negative order amount", nameof(redemptions));
        }

        if (all.Select(r => r.RedemptionId).Distinct(StringComparer.Ordinal).Count() != all.Count)
        {
            throw new ArgumentException("a redemption appears twice; settlement would pay it twice", nameof(redemptions));
        }

        var clawbacksByMerchant = clawbacks.ToLookup(c => c.MerchantId, StringComparer.Ordinal);
        if (clawbacksByMerchant.SelectMany(g => g).Any(c => c.AmountCents <= 0))
        {
            throw new ArgumentException("a claw-back must be a positive amount", nameof(clawbacks));
        }

        var held = new HashSet<string>(heldMerchantIds ?? [], StringComparer.Ordinal);
        var merchantIds = all.Select(r => r.MerchantId).Concat(clawbacksByMerchant.Select(g => g.Key))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var fundingWeights = governmentFunding.Select(f => f.AmountCents).ToList();
        var statements = new List<MerchantStatement>();
        foreach (var merchantId in merchantIds)
        {
            var own = all.Where(r => string.Equals(r.MerchantId, merchantId, StringComparison.Ordinal)).ToList();
            var valid = own.Where(r => r.Standing == RedemptionStanding.Valid).ToList();
            var clawedBack = clawbacksByMerchant[merchantId].Aggregate(0L, (sum, c) => checked(sum + c.AmountCents));
            var gross = Sum(own, r => r.GovernmentShareCents);
            var revoked = Sum(own.Where(r => r.Standing == RedemptionStanding.Revoked), r => r.GovernmentShareCents);
            var forfeited = Sum(own.Where(r => r.Standing == RedemptionStanding.ForfeitedMissingData), r => r.GovernmentShareCents);
            var net = checked(gross - revoked - forfeited - clawedBack);

            var byFunding = Money.AllocateLargestRemainder(net, fundingWeights)
                .Select((amount, i) => new SplitLine(governmentFunding[i].FundingSourceId, amount)).ToList();

            statements.Add(new MerchantStatement(
                merchantId,
                own.Count,
                Sum(own, r => r.FaceValueCents),
                Sum(valid, r => r.OrderAmountCents),
                gross,
                Sum(valid, r => r.MerchantCofundingCents),
                revoked,
                forfeited,
                clawedBack,
                net,
                byFunding,
                SplitByChannel(valid, clawedBack),
                held.Contains(merchantId)));
        }

        return new SettlementResult(
            statements,
            Total(statements.SelectMany(s => s.ByFundingSource), governmentFunding.Select(f => f.FundingSourceId)),
            Total(statements.SelectMany(s => s.ByChannel), []),
            Sum(statements, s => s.NetPayableCents),
            Sum(statements.Where(s => s.Held), s => s.NetPayableCents));
    }

    // Each valid redemption's government share belongs to the channel that issued the voucher; a
    // claw-back is not tied to a voucher, so it comes off the channels in proportion to their share.
    private static List<SplitLine> SplitByChannel(List<SettledRedemption> valid, long clawedBack)
    {
        var perChannel = valid.GroupBy(r => r.IssuingChannelId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SplitLine(g.Key, Sum(g, r => r.GovernmentShareCents)))
            .ToList();
        if (clawedBack == 0)
        {
            return perChannel;
        }

        var weights = perChannel.Select(l => l.AmountCents).ToList();
        if (weights.Sum() == 0)
        {
            return [.. perChannel, new SplitLine(UnattributedChannelId, -clawedBack)];
        }

        var deductions = Money.AllocateLargestRemainder(clawedBack, weights);
        return perChannel.Select((line, i) => line with { AmountCents = line.AmountCents - deductions[i] }).ToList();
    }

    private static List<SplitLine> Total(IEnumerable<SplitLine> lines, IEnumerable<string> idsInOrder)
    {
        var totals = lines.GroupBy(l => l.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Sum(g, l => l.AmountCents), StringComparer.Ordinal);
        var ordered = idsInOrder.ToList();
        ordered.AddRange(totals.Keys.Except(ordered, StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return ordered.Select(id => new SplitLine(id, totals.GetValueOrDefault(id))).ToList();
    }

    private static long Sum<T>(IEnumerable<T> items, Func<T, long> amount) => items.Aggregate(0L, (sum, item) => checked(sum + amount(item)));
}
