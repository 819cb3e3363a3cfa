using System.Globalization;

namespace VoucherRules;

/// <summary>
/// One cell of the allocation matrix: how many vouchers of a tier a round offers in a category
/// through a channel. Empty <see cref="RoundId"/>, <see cref="CategoryId"/> or
/// <see cref="ChannelId"/> means the table is not split along that axis (S1 has no categories).
/// </summary>
public sealed record AllocationCell(
    string RoundId,
    string TierId,
    long FaceValueCents,
    string CategoryId,
    string ChannelId,
    long Quantity)
{
    public long AmountCents => checked(FaceValueCents * Quantity);
}

public sealed record FundingSource(string FundingSourceId, long AmountCents);

public sealed record ChannelAllocation(string ChannelId, long AmountCents);

public enum BudgetAxis
{
    /// <summary>A row of the table: one tier (denomination).</summary>
    Tier,
    /// <summary>A column of the table: one category.</summary>
    Category,
    Channel,
    Round,
    /// <summary>The funding sources together.</summary>
    Funding,
    /// <summary>The whole table.</summary>
    Grand,
}

/// <summary>A subtotal line of the budget: an axis and the key along it (empty for "all").</summary>
public readonly record struct BudgetLine(BudgetAxis Axis, string Key)
{
    public static BudgetLine Grand { get; } = new(BudgetAxis.Grand, string.Empty);

    public static BudgetLine AllFunding { get; } = new(BudgetAxis.Funding, string.Empty);

    public static BudgetLine AllChannels { get; } = new(BudgetAxis.Channel, string.Empty);

    public static BudgetLine Tier(string tierId) => new(BudgetAxis.Tier, tierId);

    public static BudgetLine Category(string categoryId) => new(BudgetAxis.Category, categoryId);

    public static BudgetLine Channel(string channelId) => new(BudgetAxis.Channel, channelId);

    public static BudgetLine Round(string roundId) => new(BudgetAxis.Round, roundId);

    public override string ToString() => Key.Length == 0 ? $"{Axis} total" : $"{Axis} {Key}";
}

/// <summary>A subtotal as the campaign document states it; a null measure was not stated.</summary>
public sealed record DeclaredSubtotal(BudgetLine Line, long? Count, long? AmountCents);

public sealed record BudgetPlan(
    long TotalBudgetCents,
    IReadOnlyList<AllocationCell> Cells,
    IReadOnlyList<FundingSource> FundingSources,
    IReadOnlyList<ChannelAllocation> ChannelAllocations,
    IReadOnlyList<DeclaredSubtotal> DeclaredSubtotals);

public enum BudgetMeasure
{
    Count,
    AmountCents,
}

/// <summary>What a computed sum was compared with.</summary>
public enum BudgetComparison
{
    /// <summary>A subtotal printed in the document (row, column or grand total).</summary>
    DeclaredSubtotal,
    /// <summary>The campaign's total budget.</summary>
    TotalBudget,
    /// <summary>The amount allocated to one issuing channel.</summary>
    ChannelAllocation,
}

/// <summary>
/// One number that does not add up. <see cref="Computed"/> is always a sum the platform worked out
/// (of cells, of funding sources, of channel allocations); <see cref="Declared"/> is the number
/// someone wrote down. <see cref="Difference"/> = computed − declared, as campaign.v1 reports it.
/// </summary>
public sealed record BudgetDiscrepancy(
    BudgetLine Line,
    BudgetMeasure Measure,
    BudgetComparison ComparedWith,
    long Computed,
    long Declared)
{
    public long Difference => checked(Computed - Declared);

    public string Describe()
    {
        var unit = Measure == BudgetMeasure.Count;
        string Show(long value) => unit ? value.ToString("#,0", CultureInfo.InvariantCulture) : Money.FormatYuan(value);
        var what = unit ? "count" : "amount";
        return $"{Line} {what}: computed {Show(Computed)}, declared {Show(Declared)} ({ComparedWith}), difference {Show(Difference)}";
    }
}

public sealed record LineTotal(BudgetLine Line, long Count, long AmountCents);

public sealed record BudgetReport(
    IReadOnlyList<LineTotal> Totals,
    IReadOnlyList<BudgetDiscrepancy> Discrepancies,
    IReadOnlyList<string> InvalidEntries)
{
    public bool IsConsistent => Discrepancies.Count == 0 && InvalidEntries.Count == 0;

    /// <summary>The computed total of a line; zero when no cell falls on it.</summary>
    public LineTotal Total(BudgetLine line) =>
        Totals.FirstOrDefault(t => t.Line == line) ?? new LineTotal(line, 0, 0);
}

/// <summary>
/// Adds up an allocation matrix along every axis and compares every sum with what was declared:
/// printed row/column subtotals, the total budget, the funding sources and the channel
/// allocations. Every difference is reported, not just the first, because an operator fixing a
/// printed table needs the whole list at once.
/// </summary>
public static class BudgetArithmetic
{
    public static BudgetReport Check(BudgetPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var invalid = FindInvalidEntries(plan);
        var totals = ComputeTotals(plan.Cells);
        var discrepancies = new List<BudgetDiscrepancy>();

        foreach (var declared in plan.DeclaredSubtotals)
        {
            var computed = totals.GetValueOrDefault(declared.Line);
            if (declared.Count is { } count && count != computed.Count)
            {
                discrepancies.Add(new(declared.Line, BudgetMeasure.Count, BudgetComparison.DeclaredSubtotal, computed.Count, count));
            }

            if (declared.AmountCents is { } amount && amount != computed.Amount)
            {
                discrepancies.Add(new(declared.Line, BudgetMeasure.AmountCents, BudgetComparison.DeclaredSubtotal, computed.Amount, amount));
            }
        }

        var grandAmount = totals.GetValueOrDefault(BudgetLine.Grand).Amount;
        if (grandAmount != plan.TotalBudgetCents)
        {
            discrepancies.Add(new(BudgetLine.Grand, BudgetMeasure.AmountCents, BudgetComparison.TotalBudget, grandAmount, plan.TotalBudgetCents));
        }

        if (plan.FundingSources.Count > 0)
        {
            var funded = plan.FundingSources.Aggregate(0L, (sum, source) => checked(sum + source.AmountCents));
            if (funded != plan.TotalBudgetCents)
            {
                discrepancies.Add(new(BudgetLine.AllFunding, BudgetMeasure.AmountCents, BudgetComparison.TotalBudget, funded, plan.TotalBudgetCents));
            }
        }

        CompareChannels(plan, totals, discrepancies);

        // Rows first, then columns, channels, rounds, funding and grand totals; stable within each.
        var ordered = discrepancies.OrderBy(d => d.Line.Axis).ToList();
        var lines = totals
            .Select(pair => new LineTotal(pair.Key, pair.Value.Count, pair.Value.Amount))
            .OrderBy(t => t.Line.Axis)
            .ThenBy(t => t.Line.Key, StringComparer.Ordinal)
            .ToList();
        return new BudgetReport(lines, ordered, invalid);
    }

    private static void CompareChannels(
        BudgetPlan plan,
        Dictionary<BudgetLine, (long Count, long Amount)> totals,
        List<BudgetDiscrepancy> discrepancies)
    {
        if (plan.ChannelAllocations.Count == 0)
        {
            return;
        }

        var allocated = plan.ChannelAllocations.Aggregate(0L, (sum, c) => checked(sum + c.AmountCents));
        if (allocated != plan.TotalBudgetCents)
        {
            discrepancies.Add(new(BudgetLine.AllChannels, BudgetMeasure.AmountCents, BudgetComparison.TotalBudget, allocated, plan.TotalBudgetCents));
        }

        // A table that does not say which channel issues a cell can only be checked in total.
        if (plan.Cells.Count == 0 || plan.Cells.Any(c => c.ChannelId.Length == 0))
        {
            return;
        }

        var channelIds = plan.Cells.Select(c => c.ChannelId)
            .Concat(plan.ChannelAllocations.Select(c => c.ChannelId))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var channelId in channelIds)
        {
            var line = BudgetLine.Channel(channelId);
            var computed = totals.GetValueOrDefault(line).Amount;
            var declared = plan.ChannelAllocations
                .Where(c => string.Equals(c.ChannelId, channelId, StringComparison.Ordinal))
                .Aggregate(0L, (sum, c) => checked(sum + c.AmountCents));
            if (computed != declared)
            {
                discrepancies.Add(new(line, BudgetMeasure.AmountCents, BudgetComparison.ChannelAllocation, computed, declared));
            }
        }
    }

    private static Dictionary<BudgetLine, (long Count, long Amount)> ComputeTotals(IReadOnlyList<AllocationCell> cells)
    {
        var totals = new Dictionary<BudgetLine, (long Count, long Amount)>();
        void Add(BudgetLine line, AllocationCell cell)
        {
            var current = totals.GetValueOrDefault(line);
            totals[line] = (checked(current.Count + cell.Quantity), checked(current.Amount + cell.AmountCents));
        }

        foreach (var cell in cells)
        {
            Add(BudgetLine.Grand, cell);
            Add(BudgetLine.Tier(cell.TierId), cell);
            if (cell.CategoryId.Length > 0)
            {
                Add(BudgetLine.Category(cell.CategoryId), cell);
            }

            if (cell.ChannelId.Length > 0)
            {
                Add(BudgetLine.Channel(cell.ChannelId), cell);
            }

            if (cell.RoundId.Length > 0)
            {
                Add(BudgetLine.Round(cell.RoundId), cell);
            }
        }

        return totals;
    }

    private static List<string> FindInvalidEntries(BudgetPlan plan)
    {
        var invalid = new List<string>();
        if (plan.TotalBudgetCents <= 0)
        {
            invalid.Add($"total budget must be positive, got {Money.FormatYuan(plan.TotalBudgetCents)}");
        }

        if (plan.Cells.Count == 0)
        {
            invalid.Add("the allocation table has no cells");
        }

        var seen = new HashSet<(string, string, string, string)>();
        var faceByTier = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var cell in plan.Cells)
        {
            var where = $"round '{cell.RoundId}' tier '{cell.TierId}' category '{cell.CategoryId}' channel '{cell.ChannelId}'";
            if (cell.TierId.Length == 0)
            {
                invalid.Add($"{where}: tier id is empty");
            }

            if (cell.FaceValueCents <= 0)
            {
                invalid.Add($"{where}: face value must be positive, got {Money.FormatYuan(cell.FaceValueCents)}");
            }

            if (cell.Quantity <= 0)
            {
                invalid.Add($"{where}: quantity must be positive, got {cell.Quantity.ToString(CultureInfo.InvariantCulture)}");
            }

            if (!seen.Add((cell.RoundId, cell.TierId, cell.CategoryId, cell.ChannelId)))
            {
                invalid.Add($"{where}: appears more than once");
            }

            if (faceByTier.TryGetValue(cell.TierId, out var face) && face != cell.FaceValueCents)
            {
                invalid.Add($"{where}: face value {Money.FormatYuan(cell.FaceValueCents)} differs from the tier's {Money.FormatYuan(face)}");
            }
            else
            {
                faceByTier[cell.TierId] = cell.FaceValueCents;
            }
        }

        foreach (var source in plan.FundingSources.Where(s => s.AmountCents <= 0))
        {
            invalid.Add($"funding source '{source.FundingSourceId}' must be positive, got {Money.FormatYuan(source.AmountCents)}");
        }

        foreach (var channel in plan.ChannelAllocations.Where(c => c.AmountCents < 0))
        {
            invalid.Add($"channel '{channel.ChannelId}' allocation cannot be negative, got {Money.FormatYuan(channel.AmountCents)}");
        }

        return invalid;
    }
}
