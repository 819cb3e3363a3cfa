namespace VoucherRules;

/// <summary>How one tier of one category fared in a finished round.</summary>
public sealed record RoundTierOutcome(string CategoryId, string TierId, long FaceValueCents, long Offered, long Claimed, long Expired)
{
    public long Unclaimed => Offered - Claimed;

    public long UnclaimedValueCents => checked(Unclaimed * FaceValueCents);

    public long ExpiredValueCents => checked(Expired * FaceValueCents);
}

/// <summary>Quantity of one tier of one category in a round's allocation.</summary>
public sealed record RoundTierPlan(string CategoryId, string TierId, long FaceValueCents, long Quantity)
{
    public long ValueCents => checked(Quantity * FaceValueCents);
}

public enum ResizeMode
{
    /// <summary>Re-issue exactly what came back, tier for tier: no rounding, nothing carried.</summary>
    SameTiers,
    /// <summary>
    /// Spread each category's pool over the next round's tiers in proportion to their planned value
    /// (or, when the next round plans nothing in the category, to the earlier round's offer).
    /// </summary>
    ByPlannedMix,
}

/// <summary>
/// A category's pool: value that was never claimed plus value that expired unused. What could not
/// be turned into whole vouchers stays in <see cref="CarriedOverCents"/> for a later round.
/// </summary>
public sealed record CategoryPool(string CategoryId, long UnclaimedValueCents, long ExpiredValueCents, long ReissuedValueCents, long CarriedOverCents)
{
    public long PoolCents => checked(UnclaimedValueCents + ExpiredValueCents);
}

public sealed record ResizeResult(IReadOnlyList<RoundTierPlan> NextRound, IReadOnlyList<CategoryPool> Pools)
{
    public long NextRoundValueCents => NextRound.Aggregate(0L, (sum, line) => checked(sum + line.ValueCents));
}

/// <summary>
/// Sizes the next round from the previous one (华亭: "batch 2 sized after batch 1"; 乾安: expired
/// value back to the pool). Value is conserved to the cent per category:
/// next = planned + re-issued, and pool = re-issued + carried over.
/// </summary>
public static class RoundResizing
{
    public static ResizeResult Plan(IReadOnlyList<RoundTierOutcome> previous, IReadOnlyList<RoundTierPlan> nextPlanned, ResizeMode mode)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(nextPlanned);
        foreach (var outcome in previous)
        {
            if (outcome.FaceValueCents <= 0 || outcome.Offered < 0 || outcome.Claimed < 0 || outcome.Expired < 0
                || outcome.Claimed > outcome.Offered || outcome.Expired > outcome.Claimed)
            {
                throw new ArgumentException(
                    $"tier '{outcome.TierId}' category '{outcome.CategoryId}': need 0 ≤ expired ≤ claimed ≤ offered and a positive face value", nameof(previous));
            }
        }

        if (nextPlanned.Any(p => p.Quantity < 0 || p.FaceValueCents <= 0))
        {
            throw new ArgumentException("planned quantities cannot be negative and face values must be positive", nameof(nextPlanned));
        }

        var next = nextPlanned.ToDictionary(p => (p.CategoryId, p.TierId), p => p);
        var pools = new List<CategoryPool>();
        foreach (var category in previous.GroupBy(o => o.CategoryId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var unclaimed = category.Aggregate(0L, (sum, o) => checked(sum + o.UnclaimedValueCents));
            var expired = category.Aggregate(0L, (sum, o) => checked(sum + o.ExpiredValueCents));
            var carried = mode == ResizeMode.SameTiers
                ? ReissueSameTiers(category, next)
                : ReissueByMix(category.Key, unclaimed + expired, category.ToList(), next);
            pools.Add(new CategoryPool(category.Key, unclaimed, expired, unclaimed + expired - carried, carried));
        }

        var ordered = next.Values
            .OrderBy(p => p.CategoryId, StringComparer.Ordinal)
            .ThenByDescending(p => p.FaceValueCents)
            .ThenBy(p => p.TierId, StringComparer.Ordinal)
            .ToList();
        return new ResizeResult(ordered, pools);
    }

    /// <summary>
    /// Turns one category's available value into whole vouchers spread over tiers in proportion to
    /// the weights' value (quantity × face); what cannot make a whole voucher is returned as leftover.
    /// Value is conserved: Σ added × face + leftover = pool.
    /// </summary>
    public static (IReadOnlyList<RoundTierPlan> Added, long LeftoverCents) Spread(string categoryId, long poolCents, IReadOnlyList<RoundTierPlan> weights)
    {
        ArgumentNullException.ThrowIfNull(categoryId);
        ArgumentNullException.ThrowIfNull(weights);
        if (poolCents < 0 || weights.Any(w => w.Quantity < 0 || w.FaceValueCents <= 0))
        {
            throw new ArgumentException("the pool and weights cannot be negative and face values must be positive", nameof(weights));
        }

        var own = weights.Where(w => string.Equals(w.CategoryId, categoryId, StringComparison.Ordinal)).ToList();
        var next = own.ToDictionary(w => (w.CategoryId, w.TierId), w => w);
        var leftover = ReissueByMix(categoryId, poolCents, [], next);
        var added = next.Values
            .Select(n => n with { Quantity = n.Quantity - own.First(w => w.TierId == n.TierId).Quantity })
            .Where(n => n.Quantity > 0)
            .OrderByDescending(n => n.FaceValueCents)
            .ThenBy(n => n.TierId, StringComparer.Ordinal)
            .ToList();
        return (added, leftover);
    }

    private static long ReissueSameTiers(IEnumerable<RoundTierOutcome> category, Dictionary<(string, string), RoundTierPlan> next)
    {
        foreach (var outcome in category)
        {
            var returned = checked(outcome.Unclaimed + outcome.Expired);
            var key = (outcome.CategoryId, outcome.TierId);
            next[key] = next.TryGetValue(key, out var planned)
                ? planned with { Quantity = checked(planned.Quantity + returned) }
                : new RoundTierPlan(outcome.CategoryId, outcome.TierId, outcome.FaceValueCents, returned);
        }

        return 0;
    }

    private static long ReissueByMix(string categoryId, long poolCents, List<RoundTierOutcome> outcomes, Dictionary<(string, string), RoundTierPlan> next)
    {
        var tiers = next.Values.Where(p => string.Equals(p.CategoryId, categoryId, StringComparison.Ordinal) && p.Quantity > 0).ToList();
        if (tiers.Count == 0)
        {
            tiers = outcomes.Where(o => o.Offered > 0).Select(o => new RoundTierPlan(categoryId, o.TierId, o.FaceValueCents, o.Offered)).ToList();
        }

        if (tiers.Count == 0 || poolCents == 0)
        {
            return poolCents;
        }

        // Deterministic order: larger faces first, so the largest-remainder tie-break favours them.
        tiers = tiers.OrderByDescending(t => t.FaceValueCents).ThenBy(t => t.TierId, StringComparer.Ordinal).ToList();
        var shares = Money.AllocateLargestRemainder(poolCents, tiers.Select(t => t.ValueCents).ToList());
        var added = new long[tiers.Count];
        var leftover = 0L;
        for (var i = 0; i < tiers.Count; i++)
        {
            added[i] = shares[i] / tiers[i].FaceValueCents;
            leftover += shares[i] % tiers[i].FaceValueCents;
        }

        // The remainders of several tiers may add up to whole vouchers again; fill from the largest face down.
        for (var i = 0; i < tiers.Count; i++)
        {
            var more = leftover / tiers[i].FaceValueCents;
            added[i] += more;
            leftover -= more * tiers[i].FaceValueCents;
        }

        for (var i = 0; i < tiers.Count; i++)
        {
            if (added[i] == 0)
            {
                continue;
            }

            var key = (categoryId, tiers[i].TierId);
            next[key] = next.TryGetValue(key, out var planned)
                ? planned with { Quantity = checked(planned.Quantity + added[i]) }
                : tiers[i] with { Quantity = added[i] };
        }

        return leftover;
    }
}
