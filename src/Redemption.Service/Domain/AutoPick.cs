using VoucherRules;

namespace Redemption.Service.Domain;

/// <summary>One voucher with its verdict for the order.</summary>
public sealed record Candidate(WalletVoucher Voucher, Verdict Verdict);

/// <summary>
/// The ranking QuoteRedemption shows and the channel's automatic application uses (S3 "auto-pick largest"):
/// vouchers the order qualifies for first; among them the largest face value, then the earliest valid_until (the
/// person loses least), then the voucher id in ordinal order, so every copy of the service picks the same one.
/// The others keep every reason they were not picked, ranked the same way after the qualifying ones.
/// </summary>
public static class AutoPick
{
    public static IReadOnlyList<Candidate> Rank(IEnumerable<Candidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return candidates
            .OrderByDescending(c => c.Verdict.Qualifies)
            .ThenByDescending(c => c.Voucher.Terms.FaceValueCents)
            .ThenBy(c => c.Voucher.Validity.End ?? DateTimeOffset.MaxValue)
            .ThenBy(c => c.Voucher.VoucherId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The voucher to apply: the first of the ranking when it qualifies, otherwise none.</summary>
    public static Candidate? Best(IReadOnlyList<Candidate> ranked)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        return ranked.Count > 0 && ranked[0].Verdict.Qualifies ? ranked[0] : null;
    }
}
