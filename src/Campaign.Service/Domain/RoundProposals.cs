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
        // The target's cells keep their channel; re-issued vouchers come from a category's pool, which
        // belongs to no channel, so they are added as shared stock (channel "").
        var quantities = new Dictionary<(string Tier, string Category, string Channel), long>();
        foreach (var cell in target.Allocation?.Cells ?? [])
        {
            var key = (cell.TierId, cell.CategoryId, cell.ChannelId);
            quantities[key] = checked(quantities.GetValueOrDefault(key) + cell.Quantity);
        }

        var unallocated = new List<CategoryAmount>();
        foreach (var pool in available.GroupBy(a => a.CategoryId, StringComparer.Ordinal))
        {
            var value = pool.Sum(a => a.AmountCents);
            var weights = Weights(campaign, basis, pool.Key, usage, strategy);
            var (added, leftover) = RoundResizing.Spread(pool.Key, value, weights);
            foreach (var line in added)
            {
                var key = (line.TierId, pool.Key, string.Empty);
                quantities[key] = checked(quantities.GetValueOrDefault(key) + line.Quantity);
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
            .ThenBy(q => q.Key.Tier, StringComparer.Ordinal)
            .ThenBy(q => q.Key.Channel, StringComparer.Ordinal)
            .Select(q => new ProtoCell { TierId = q.Key.Tier, CategoryId = q.Key.Category, ChannelId = q.Key.Channel, Quantity = q.Value }));
        return new Proposal(matrix, unallocated);
    }

    private static List<RoundTierPlan> Weights(CampaignAggregate campaign, RoundDefinition basis, string categoryId, IReadOnlyList<TierCategoryUsage> usage, ResizeStrategy strategy)
    {
        // A tier split over channels in the earlier round is one weight: usage is reported per tier.
        var weights = new List<RoundTierPlan>();
        var offered = (basis.Allocation?.Cells ?? [])
            .Where(c => c.CategoryId == categoryId)
            .GroupBy(c => c.TierId, StringComparer.Ordinal)
            .Select(g => (TierId: g.Key, Quantity: g.Aggregate(0L, (sum, c) => checked(sum + c.Quantity))));
        foreach (var (tierId, offeredQuantity) in offered)
        {
            var tier = campaign.FindTier(tierId);
            if (tier is null)
            {
                continue;
            }

            var quantity = offeredQuantity;
            if (strategy == ResizeStrategy.ByUsage)
            {
                var used = usage.Where(u => u.TierId == tierId && u.CategoryId == categoryId).ToList();
                var claimed = used.Sum(u => u.ClaimedCount);
                quantity = claimed == 0 ? 0 : checked(quantity * used.Sum(u => u.UsedCount)) / claimed;
            }

            weights.Add(new RoundTierPlan(categoryId, tierId, tier.FaceValueCents, quantity));
        }

        return weights;
    }
}
