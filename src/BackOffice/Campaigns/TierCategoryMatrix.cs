using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;

namespace BackOffice.Campaigns;

/// <summary>One tier × category cell of a campaign: the plan's quantity against what was claimed and used.</summary>
/// <param name="ValueCents">Face value of the planned vouchers.</param>
/// <param name="UsedValueCents">Face value of the used vouchers.</param>
public sealed record MatrixCell(long Total, long Claimed, long Used, long ValueCents, long UsedValueCents)
{
    /// <summary>Not claimed yet, in every round scheduled or still to come.</summary>
    public long Remaining => Total - Claimed;

    public static MatrixCell Of(long total, long claimed, long used, long faceValueCents) =>
        new(total, claimed, used, total * faceValueCents, used * faceValueCents);
}

/// <summary>The campaign's tier × category table (the seeds' report screen) with row, column and grand totals.</summary>
public sealed class TierCategoryMatrix
{
    private readonly Dictionary<(string Tier, string Category), MatrixCell> _cells;

    private TierCategoryMatrix(IReadOnlyList<TierDefinition> tiers, IReadOnlyList<string> categories, Dictionary<(string, string), MatrixCell> cells)
    {
        Tiers = tiers;
        Categories = categories;
        _cells = cells;
    }

    public IReadOnlyList<TierDefinition> Tiers { get; }

    /// <summary>The campaign's categories in its order; a single empty category when stock is not split by category.</summary>
    public IReadOnlyList<string> Categories { get; }

    public MatrixCell? Cell(string tierId, string categoryId) => _cells.GetValueOrDefault((tierId, categoryId));

    public MatrixCell TierTotal(string tierId) => Sum(_cells.Where(c => c.Key.Tier == tierId).Select(c => c.Value));

    public MatrixCell CategoryTotal(string categoryId) => Sum(_cells.Where(c => c.Key.Category == categoryId).Select(c => c.Value));

    public MatrixCell GrandTotal => Sum(_cells.Values);

    /// <summary>
    /// Totals from the campaign's plan (summed over channels); claimed and used from Claim's pool report
    /// (summed over rounds). A pool line for a cell the plan lacks (a re-size beyond the plan) still shows.
    /// </summary>
    public static TierCategoryMatrix Build(CampaignDetails campaign, PoolReport? pool)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var faces = campaign.Tiers.ToDictionary(t => t.TierId, t => t.FaceValueCents, StringComparer.Ordinal);
        var totals = new Dictionary<(string, string), (long Total, long Claimed, long Used)>();
        foreach (var cell in campaign.AllocationPlan?.Cells ?? [])
        {
            var key = (cell.TierId, cell.CategoryId);
            var current = totals.GetValueOrDefault(key);
            totals[key] = current with { Total = current.Total + cell.Quantity };
        }

        foreach (var line in pool?.Lines ?? [])
        {
            var key = (line.TierId, line.CategoryId);
            var current = totals.GetValueOrDefault(key);
            totals[key] = current with { Claimed = current.Claimed + (line.Issued?.Count ?? 0), Used = current.Used + (line.Used?.Count ?? 0) };
        }

        var cells = totals.ToDictionary(t => t.Key, t => MatrixCell.Of(t.Value.Total, t.Value.Claimed, t.Value.Used, faces.GetValueOrDefault(t.Key.Item1)));
        List<string> categories = [.. campaign.Settings.Categories.Select(c => c.CategoryId)];
        categories.AddRange(cells.Keys.Select(k => k.Item2).Where(c => !categories.Contains(c)).Distinct().Order(StringComparer.Ordinal));
        if (categories.Count == 0)
        {
            categories.Add(string.Empty);
        }

        var tiers = campaign.Tiers.OrderBy(t => t.FaceValueCents).ThenBy(t => t.TierId, StringComparer.Ordinal).ToList();
        return new TierCategoryMatrix(tiers, categories.Where(c => c.Length > 0 || cells.Keys.Any(k => k.Item2.Length == 0)).ToList(), cells);
    }

    private static MatrixCell Sum(IEnumerable<MatrixCell> cells)
    {
        long total = 0, claimed = 0, used = 0, value = 0, usedValue = 0;
        foreach (var cell in cells)
        {
            total += cell.Total;
            claimed += cell.Claimed;
            used += cell.Used;
            value += cell.ValueCents;
            usedValue += cell.UsedValueCents;
        }

        return new MatrixCell(total, claimed, used, value, usedValue);
    }
}
