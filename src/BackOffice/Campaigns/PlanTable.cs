using System.Globalization;
using Vouchers.Campaign.V1;

namespace BackOffice.Campaigns;

/// <summary>Where a figure sits in the editable table: a quantity cell, or one of the printed subtotals.</summary>
public readonly record struct PlanPosition(AllocationAxis Axis, string Key, BudgetUnit Unit, string CategoryId = "")
{
    public static PlanPosition Quantity(string tierId, string categoryId) => new(AllocationAxis.Unspecified, tierId, BudgetUnit.Count, categoryId);
}

/// <summary>
/// The campaign-wide allocation table as an operator edits it: tiers down, categories across, with the
/// printed subtotals (count and amount per tier, per category, grand) the document carries. Text in, text
/// out: every figure is kept as typed until it is turned into a plan, so a bad figure is shown where it was typed.
/// </summary>
public sealed class PlanTable
{
    private readonly Dictionary<PlanPosition, string> _text = [];

    public PlanTable(IReadOnlyList<TierDefinition> tiers, IReadOnlyList<string> categories)
    {
        Tiers = [.. tiers.OrderBy(t => t.FaceValueCents).ThenBy(t => t.TierId, StringComparer.Ordinal)];
        Categories = categories;
    }

    public IReadOnlyList<TierDefinition> Tiers { get; }

    public IReadOnlyList<string> Categories { get; }

    public string this[PlanPosition position]
    {
        get => _text.GetValueOrDefault(position, string.Empty);
        set => _text[position] = value ?? string.Empty;
    }

    public static PlanPosition TierCount(string tierId) => new(AllocationAxis.Tier, tierId, BudgetUnit.Count);

    public static PlanPosition TierAmount(string tierId) => new(AllocationAxis.Tier, tierId, BudgetUnit.Cents);

    public static PlanPosition CategoryCount(string categoryId) => new(AllocationAxis.Category, categoryId, BudgetUnit.Count);

    public static PlanPosition CategoryAmount(string categoryId) => new(AllocationAxis.Category, categoryId, BudgetUnit.Cents);

    public static readonly PlanPosition GrandCount = new(AllocationAxis.Grand, string.Empty, BudgetUnit.Count);

    public static readonly PlanPosition GrandAmount = new(AllocationAxis.Grand, string.Empty, BudgetUnit.Cents);

    /// <summary>The table of a stored plan (channels summed: the editor works on tier × category).</summary>
    public static PlanTable FromCampaign(CampaignDetails campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var table = new PlanTable(campaign.Tiers, [.. campaign.Settings.Categories.Select(c => c.CategoryId)]);
        foreach (var group in (campaign.AllocationPlan?.Cells ?? []).GroupBy(c => PlanPosition.Quantity(c.TierId, c.CategoryId)))
        {
            table[group.Key] = group.Sum(c => c.Quantity).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var declared in campaign.AllocationPlan?.DeclaredTotals ?? [])
        {
            if (declared.HasCount)
            {
                table[new PlanPosition(declared.Axis, declared.Key, BudgetUnit.Count)] = declared.Count.ToString(CultureInfo.InvariantCulture);
            }

            if (declared.HasAmountCents)
            {
                table[new PlanPosition(declared.Axis, declared.Key, BudgetUnit.Cents)] = YuanText(declared.AmountCents);
            }
        }

        return table;
    }

    /// <summary>
    /// Fills the table from text pasted as the document prints it: one line per tier (face value, one quantity per
    /// category, printed count, printed amount), then the printed-count line and the printed-amount line (label,
    /// one figure per category, then the grand count on the first and the grand amount on the second). Cells are
    /// separated by tabs or '|'; figures may carry thousands separators; an empty cell is no quantity.
    /// Returns the lines it could not read.
    /// </summary>
    public IReadOnlyList<string> Paste(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var lines = text.Split('\n')
            .Select(line => line.Trim().Trim('|').TrimEnd('\r'))
            .Where(line => line.Length > 0 && !line.Replace("|", string.Empty, StringComparison.Ordinal).Trim().All(ch => ch is '-' or ' ' or ':'))
            .Select(line => line.Split(line.Contains('\t', StringComparison.Ordinal) ? '\t' : '|').Select(cell => cell.Trim()).ToArray())
            .Where(cells => !IsHeader(cells))
            .ToList();
        var width = Categories.Count + 3;
        if (lines.Count != Tiers.Count + 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"expected {Tiers.Count + 2} lines ({Tiers.Count} tiers and two printed-total lines), found {lines.Count}"));
            return problems;
        }

        for (var row = 0; row < lines.Count; row++)
        {
            var cells = lines[row];
            if (cells.Length < width - 1 || cells.Length > width)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"line {row + 1}: expected {width} cells, found {cells.Length}"));
                continue;
            }

            var cell = (int column) => column < cells.Length ? cells[column] : string.Empty;
            if (row < Tiers.Count)
            {
                var tier = Tiers[row].TierId;
                if (ParseYuan(cells[0]) is { } face && face != Tiers[row].FaceValueCents)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"line {row + 1}: face value {cells[0]} is not the tier {Tiers[row].Name}; lines must follow the tiers from the smallest face value"));
                    continue;
                }

                for (var column = 0; column < Categories.Count; column++)
                {
                    this[PlanPosition.Quantity(tier, Categories[column])] = cell(column + 1);
                }

                this[TierCount(tier)] = cell(Categories.Count + 1);
                this[TierAmount(tier)] = cell(Categories.Count + 2);
            }
            else
            {
                var counts = row == Tiers.Count;
                for (var column = 0; column < Categories.Count; column++)
                {
                    this[counts ? CategoryCount(Categories[column]) : CategoryAmount(Categories[column])] = cell(column + 1);
                }

                if (counts)
                {
                    this[GrandCount] = cell(Categories.Count + 1);
                }
                else
                {
                    this[GrandAmount] = cell(Categories.Count + 2);
                }
            }
        }

        return problems;
    }

    /// <summary>The plan the table says, or the positions whose text is not a figure.</summary>
    public (AllocationMatrix? Plan, IReadOnlyList<PlanPosition> Unreadable) ToPlan()
    {
        var plan = new AllocationMatrix();
        var unreadable = new List<PlanPosition>();
        foreach (var tier in Tiers)
        {
            foreach (var category in Categories)
            {
                var position = PlanPosition.Quantity(tier.TierId, category);
                switch (ParseCount(this[position]))
                {
                    case null:
                        unreadable.Add(position);
                        break;
                    case > 0 and var quantity:
                        plan.Cells.Add(new AllocationCell { TierId = tier.TierId, CategoryId = category, Quantity = quantity });
                        break;
                }
            }
        }

        AddDeclared(plan, unreadable, AllocationAxis.Tier, Tiers.Select(t => t.TierId));
        AddDeclared(plan, unreadable, AllocationAxis.Category, Categories);
        AddDeclared(plan, unreadable, AllocationAxis.Grand, [string.Empty]);
        return unreadable.Count == 0 ? (plan, unreadable) : (null, unreadable);
    }

    private void AddDeclared(AllocationMatrix plan, List<PlanPosition> unreadable, AllocationAxis axis, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            var countPosition = new PlanPosition(axis, key, BudgetUnit.Count);
            var amountPosition = new PlanPosition(axis, key, BudgetUnit.Cents);
            var countText = this[countPosition];
            var amountText = this[amountPosition];
            if (countText.Length == 0 && amountText.Length == 0)
            {
                continue;
            }

            var declared = new DeclaredTotal { Axis = axis, Key = key };
            if (countText.Length > 0)
            {
                if (ParseCount(countText) is { } count)
                {
                    declared.Count = count;
                }
                else
                {
                    unreadable.Add(countPosition);
                }
            }

            if (amountText.Length > 0)
            {
                if (ParseYuan(amountText) is { } cents)
                {
                    declared.AmountCents = cents;
                }
                else
                {
                    unreadable.Add(amountPosition);
                }
            }

            plan.DeclaredTotals.Add(declared);
        }
    }

    /// <summary>A whole non-negative count; empty is zero; null when it is not one.</summary>
    public static long? ParseCount(string text)
    {
        var digits = (text ?? string.Empty).Replace(",", string.Empty, StringComparison.Ordinal).Trim();
        return digits.Length == 0 ? 0
            : long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
            : null;
    }

    /// <summary>Yuan as written ("1,570,000", "12.5", "0.05") to exact cents; null for anything else (at most two decimals).</summary>
    public static long? ParseYuan(string text)
    {
        var written = (text ?? string.Empty).Replace(",", string.Empty, StringComparison.Ordinal).Replace("¥", string.Empty, StringComparison.Ordinal).Trim();
        var parts = written.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 2 && parts[1].Length is 0 or > 2))
        {
            return null;
        }

        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var yuan))
        {
            return null;
        }

        var fraction = 0L;
        if (parts.Length == 2 && !long.TryParse(parts[1].PadRight(2, '0'), NumberStyles.None, CultureInfo.InvariantCulture, out fraction))
        {
            return null;
        }

        // An amount beyond int64 cents is not an amount anyone meant.
        return yuan > (long.MaxValue - fraction) / 100 ? null : (yuan * 100) + fraction;
    }

    /// <summary>Cents as yuan for an input box: "70000", "12.50".</summary>
    public static string YuanText(long cents) =>
        cents % 100 == 0
            ? (cents / 100).ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{cents / 100}.{Math.Abs(cents % 100):D2}");

    /// <summary>The position a budget check's discrepancy is about, when it is one of the table's figures.</summary>
    public static PlanPosition? PositionOf(BudgetDiscrepancy discrepancy)
    {
        ArgumentNullException.ThrowIfNull(discrepancy);
        return discrepancy.Item switch
        {
            BudgetCheckItem.DeclaredTotal => new PlanPosition(discrepancy.Axis, discrepancy.Axis == AllocationAxis.Grand ? string.Empty : discrepancy.Key, discrepancy.Unit),
            BudgetCheckItem.UnknownReference when discrepancy.Cell is { } cell => PlanPosition.Quantity(cell.TierId, cell.CategoryId),
            BudgetCheckItem.CategoryColumn => new PlanPosition(AllocationAxis.Category, discrepancy.Key, BudgetUnit.Cents),
            _ => null,
        };
    }

    private static bool IsHeader(string[] cells) =>
        cells.Skip(1).Any(cell => cell.Length > 0 && ParseCount(cell) is null && ParseYuan(cell) is null) && ParseYuan(cells[0]) is null
            && !cells.Skip(1).Any(cell => ParseCount(cell) is > 0);
}
