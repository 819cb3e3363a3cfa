using System.Globalization;
using Vouchers.Campaign.V1;
using VoucherRules;
using ProtoCell = Vouchers.Campaign.V1.AllocationCell;
using ProtoDiscrepancy = Vouchers.Campaign.V1.BudgetDiscrepancy;
using RulesCell = VoucherRules.AllocationCell;

namespace Campaign.Service.Domain;

/// <summary>
/// The campaign-wide budget check of campaign.v1: VoucherRules' arithmetic over the plan (printed
/// subtotals, total budget, funding, channels), category budgets, rounds against the plan plus
/// returned value, and references to tiers, categories or channels the campaign does not define.
/// </summary>
public static class BudgetChecker
{
    public static BudgetCheck Check(CampaignAggregate campaign, AllocationMatrix? candidatePlan = null)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var plan = candidatePlan ?? campaign.Plan;
        var settings = campaign.Settings;
        var discrepancies = new List<ProtoDiscrepancy>();
        var planCells = ToRulesCells(plan.Cells, string.Empty, campaign, discrepancies);

        var report = BudgetArithmetic.Check(new BudgetPlan(
            settings.BudgetCents,
            planCells,
            settings.FundingSources.Select(f => new VoucherRules.FundingSource(f.FundingSourceId, f.AmountCents)).ToList(),
            settings.ChannelAllocations.Select(c => new VoucherRules.ChannelAllocation(c.Channel.ChannelId, c.AmountCents)).ToList(),
            plan.DeclaredTotals.Select(ToDeclared).ToList()));

        discrepancies.AddRange(report.Discrepancies.Select(ToProto));
        foreach (var category in CategoryBudgets.Compare(settings.BudgetCents, settings.Categories.Select(c => new CategoryBudget(c.CategoryId, c.BudgetCents)).ToList(), planCells))
        {
            var isSum = category.CategoryId.Length == 0;
            discrepancies.Add(Cents(
                isSum ? BudgetCheckItem.CategoryBudgets : BudgetCheckItem.CategoryColumn,
                isSum ? AllocationAxis.Grand : AllocationAxis.Category,
                category.CategoryId,
                category.DeclaredCents,
                category.ComputedCents,
                isSum
                    ? $"category budgets add up to {Money.FormatYuan(category.ComputedCents)}, the budget is {Money.FormatYuan(category.DeclaredCents)}"
                    : $"column {category.CategoryId}: budget {Money.FormatYuan(category.DeclaredCents)}, cells sum to {Money.FormatYuan(category.ComputedCents)}"));
        }

        var roundCells = campaign.LiveRounds
            .SelectMany(r => ToRulesCells(r.Allocation?.Cells ?? [], r.RoundId, campaign, discrepancies))
            .ToList();
        var returned = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var amount in campaign.LiveRounds.Where(r => r.Resize is not null).SelectMany(r => r.Resize.ReturnedValueByCategory))
        {
            returned[amount.CategoryId] = checked(returned.GetValueOrDefault(amount.CategoryId) + amount.AmountCents);
        }

        foreach (var excess in RoundCoverage.Check(planCells, roundCells, returned))
        {
            discrepancies.Add(new ProtoDiscrepancy
            {
                Item = BudgetCheckItem.RoundsVsPlan,
                Axis = AllocationAxis.Category,
                Key = excess.CategoryId,
                Cell = new ProtoCell { CategoryId = excess.CategoryId },
                Unit = BudgetUnit.Cents,
                Expected = excess.AllowedValueCents,
                Computed = excess.RoundsValueCents,
                Difference = excess.ExcessCents,
                Message = $"rounds in category '{excess.CategoryId}' hold {Money.FormatYuan(excess.RoundsValueCents)}, the plan plus returned value allows {Money.FormatYuan(excess.AllowedValueCents)}",
            });
        }

        var grand = report.Total(BudgetLine.Grand);
        var check = new BudgetCheck
        {
            BudgetCents = settings.BudgetCents,
            PlanTotalCents = grand.AmountCents,
            PlanTotalCount = grand.Count,
            DifferenceCents = grand.AmountCents - settings.BudgetCents,
        };
        check.Discrepancies.AddRange(discrepancies.OrderBy(Rank));
        check.Balanced = check.Discrepancies.Count == 0;
        return check;
    }

    public static string Summarize(BudgetCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return string.Join("; ", check.Discrepancies.Select(d => d.Message));
    }

    /// <summary>Rows first, then columns, channels, totals, rounds and references, as the contract orders them.</summary>
    private static int Rank(ProtoDiscrepancy d) => d.Item switch
    {
        BudgetCheckItem.UnknownReference => 9,
        BudgetCheckItem.RoundsVsPlan => 8,
        _ => d.Axis switch
        {
            AllocationAxis.Tier => 0,
            AllocationAxis.Category => 1,
            AllocationAxis.Channel => 2,
            _ => 3,
        },
    };

    private static List<RulesCell> ToRulesCells(IEnumerable<ProtoCell> cells, string roundId, CampaignAggregate campaign, List<ProtoDiscrepancy> discrepancies)
    {
        var categories = campaign.Settings.Categories.Select(c => c.CategoryId).ToHashSet(StringComparer.Ordinal);
        var channels = campaign.Settings.ChannelAllocations.Select(c => c.Channel.ChannelId).ToHashSet(StringComparer.Ordinal);
        var result = new List<RulesCell>();
        foreach (var cell in cells)
        {
            var tier = campaign.FindTier(cell.TierId);
            var unknown = new List<string>();
            if (tier is null)
            {
                unknown.Add($"tier '{cell.TierId}'");
            }

            if (cell.CategoryId.Length > 0 && !categories.Contains(cell.CategoryId))
            {
                unknown.Add($"category '{cell.CategoryId}'");
            }

            if (cell.ChannelId.Length > 0 && !channels.Contains(cell.ChannelId))
            {
                unknown.Add($"channel '{cell.ChannelId}'");
            }

            if (unknown.Count > 0)
            {
                discrepancies.Add(new ProtoDiscrepancy
                {
                    Item = BudgetCheckItem.UnknownReference,
                    Key = roundId,
                    Cell = cell.Clone(),
                    Unit = BudgetUnit.Count,
                    Expected = 0,
                    Computed = cell.Quantity,
                    Difference = cell.Quantity,
                    Message = $"{(roundId.Length > 0 ? $"round '{roundId}' " : "plan ")}cell names {string.Join(" and ", unknown)} the campaign does not define",
                });
            }

            if (tier is not null)
            {
                result.Add(new RulesCell(roundId, cell.TierId, tier.FaceValueCents, cell.CategoryId, cell.ChannelId, cell.Quantity));
            }
        }

        return result;
    }

    private static DeclaredSubtotal ToDeclared(DeclaredTotal total)
    {
        var line = total.Axis switch
        {
            AllocationAxis.Tier => BudgetLine.Tier(total.Key),
            AllocationAxis.Category => BudgetLine.Category(total.Key),
            AllocationAxis.Channel => BudgetLine.Channel(total.Key),
            _ => BudgetLine.Grand,
        };
        return new DeclaredSubtotal(line, total.HasCount ? total.Count : null, total.HasAmountCents ? total.AmountCents : null);
    }

    private static ProtoDiscrepancy ToProto(VoucherRules.BudgetDiscrepancy d)
    {
        var (item, axis) = (d.ComparedWith, d.Line.Axis) switch
        {
            (BudgetComparison.DeclaredSubtotal, var lineAxis) => (BudgetCheckItem.DeclaredTotal, ToAxis(lineAxis)),
            (BudgetComparison.ChannelAllocation, _) => (BudgetCheckItem.ChannelLine, AllocationAxis.Channel),
            (BudgetComparison.TotalBudget, BudgetAxis.Funding) => (BudgetCheckItem.FundingSources, AllocationAxis.Grand),
            (BudgetComparison.TotalBudget, BudgetAxis.Channel) => (BudgetCheckItem.ChannelAllocations, AllocationAxis.Grand),
            _ => (BudgetCheckItem.PlanTotal, AllocationAxis.Grand),
        };
        var unit = d.Measure == BudgetMeasure.Count ? BudgetUnit.Count : BudgetUnit.Cents;
        return new ProtoDiscrepancy
        {
            Item = item,
            Axis = axis,
            Key = d.Line.Key,
            Unit = unit,
            Expected = d.Declared,
            Computed = d.Computed,
            Difference = d.Difference,
            Message = Describe(item, d),
        };
    }

    private static string Describe(BudgetCheckItem item, VoucherRules.BudgetDiscrepancy d)
    {
        string Show(long value) => d.Measure == BudgetMeasure.Count ? value.ToString("#,0", CultureInfo.InvariantCulture) : Money.FormatYuan(value);
        var what = d.Measure == BudgetMeasure.Count ? "count" : "amount";
        var line = d.Line.Axis switch
        {
            BudgetAxis.Tier => $"row {d.Line.Key}",
            BudgetAxis.Category => $"column {d.Line.Key}",
            BudgetAxis.Channel when d.Line.Key.Length > 0 => $"channel {d.Line.Key}",
            _ => "grand total",
        };
        return item switch
        {
            BudgetCheckItem.DeclaredTotal => $"{line} {what}: printed {Show(d.Declared)}, cells sum to {Show(d.Computed)}, difference {Show(d.Difference)}",
            BudgetCheckItem.ChannelLine => $"{line}: allocation {Show(d.Declared)}, cells sum to {Show(d.Computed)}, difference {Show(d.Difference)}",
            BudgetCheckItem.FundingSources => $"funding sources add up to {Show(d.Computed)}, the budget is {Show(d.Declared)}, difference {Show(d.Difference)}",
            BudgetCheckItem.ChannelAllocations => $"channel allocations add up to {Show(d.Computed)}, the budget is {Show(d.Declared)}, difference {Show(d.Difference)}",
            _ => $"the plan adds up to {Show(d.Computed)}, the budget is {Show(d.Declared)}, difference {Show(d.Difference)}",
        };
    }

    private static AllocationAxis ToAxis(BudgetAxis axis) => axis switch
    {
        BudgetAxis.Tier => AllocationAxis.Tier,
        BudgetAxis.Category => AllocationAxis.Category,
        BudgetAxis.Channel => AllocationAxis.Channel,
        _ => AllocationAxis.Grand,
    };

    private static ProtoDiscrepancy Cents(BudgetCheckItem item, AllocationAxis axis, string key, long expected, long computed, string message) => new()
    {
        Item = item,
        Axis = axis,
        Key = key,
        Unit = BudgetUnit.Cents,
        Expected = expected,
        Computed = computed,
        Difference = computed - expected,
        Message = message,
    };
}
