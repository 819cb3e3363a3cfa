using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using ProtoCell = Vouchers.Campaign.V1.AllocationCell;

namespace Campaign.Service.Domain;

/// <summary>
/// ProposeRoundResize: the target round's current allocation plus whole vouchers made from the
/// value available per category, spread by the earlier round's tier mix (SAME_MIX) or by that mix
/// weighted with how well each tier was used (BY_USAGE).
/// </summary>
public static class RoundProposals
{
    public sealed record Proposal(AllocationMatrix Allocation, IReadOnlyList<CategoryAmount> Unallocated);

    public static Proposal Propose(
        CampaignAggregate campaign,
        RoundDefinition target,
        RoundDefinition basis,
        IEnumerable<CategoryAmount> available,
        IReadOnlyList<TierCategoryUsage> usage,
        ResizeStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(usage);
        var quantities = new Dictionary<(string Tier, string Category), long>();
        foreach (var cell in target.Allocation?.Cells ?? [])
        {
            quantities[(cell.TierId, cell.CategoryId)] = checked(quantities.GetValueOrDefault((cell.TierId, cell.CategoryId)) + cell.Quantity);
        }

        var unallocated = new List<CategoryAmount>();
        foreach (var pool in available.GroupBy(a => a.CategoryId, StringComparer.Ordinal))
        {
            var value = pool.Sum(a => a.AmountCents);
            var weights = Weights(campaign, basis, pool.Key, usage, strategy);
            var (added, leftover) = RoundResizing.Spread(pool.Key, value, weights);
            foreach (var line in added)
            {
                quantities[(line.TierId, pool.Key)] = checked(quantities.GetValueOrDefault((line.TierId, pool.Key)) + line.Quantity);
            }

            if (leftover > 0)
            {
                unallocated.Add(new CategoryAmount { CategoryId = pool.Key, AmountCents = leftover });
            }
        }

        var matrix = new AllocationMatrix();
        matrix.Cells.AddRange(quantities
            .Where(q => q.Value > 0)
            .OrderBy(q => q.Key.Category, StringComparer.Ordinal)
            .ThenByDescending(q => campaign.FindTier(q.Key.Tier)?.FaceValueCents ?? 0)
            .Select(q => new ProtoCell { TierId = q.Key.Tier, CategoryId = q.Key.Category, Quantity = q.Value }));
        return new Proposal(matrix, unallocated);
    }

    private static List<RoundTierPlan> Weights(CampaignAggregate campaign, RoundDefinition basis, string categoryId, IReadOnlyList<TierCategoryUsage> usage, ResizeStrategy strategy)
    {
        var weights = new List<RoundTierPlan>();
        foreach (var cell in (basis.Allocation?.Cells ?? []).Where(c => c.CategoryId == categoryId))
        {
            var tier = campaign.FindTier(cell.TierId);
            if (tier is null)
            {
                continue;
            }

            var quantity = cell.Quantity;
            if (strategy == ResizeStrategy.ByUsage)
            {
                var used = usage.Where(u => u.TierId == cell.TierId && u.CategoryId == categoryId).ToList();
                var claimed = used.Sum(u => u.ClaimedCount);
                quantity = claimed == 0 ? 0 : checked(quantity * used.Sum(u => u.UsedCount)) / claimed;
            }

            weights.Add(new RoundTierPlan(categoryId, cell.TierId, tier.FaceValueCents, quantity));
        }

        return weights;
    }
}
