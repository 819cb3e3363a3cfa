namespace VoucherRules;

/// <summary>A category's own budget (乾安: lodging 600,000); zero means not budgeted separately.</summary>
public sealed record CategoryBudget(string CategoryId, long BudgetCents);

/// <summary>
/// A category figure that disagrees. An empty <see cref="CategoryId"/> is the sum of all category
/// budgets compared with the campaign budget. Difference = computed − declared.
/// </summary>
public sealed record CategoryBudgetDiscrepancy(string CategoryId, long ComputedCents, long DeclaredCents)
{
    public long DifferenceCents => checked(ComputedCents - DeclaredCents);
}

/// <summary>
/// Category budgets against the campaign budget and against the plan's columns. Budgets are all or
/// nothing: a table that budgets some categories and not others cannot be checked column by column.
/// </summary>
public static class CategoryBudgets
{
    public static IReadOnlyList<string> Validate(IReadOnlyList<CategoryBudget> budgets)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        var problems = budgets.Where(b => b.BudgetCents < 0)
            .Select(b => $"category '{b.CategoryId}': budget cannot be negative, got {Money.FormatYuan(b.BudgetCents)}")
            .ToList();
        var budgeted = budgets.Where(b => b.BudgetCents > 0).ToList();
        if (budgeted.Count > 0 && budgeted.Count < budgets.Count)
        {
            var missing = budgets.Where(b => b.BudgetCents == 0).Select(b => $"'{b.CategoryId}'");
            problems.Add($"when one category has a budget every category needs one; missing for {string.Join(", ", missing)}");
        }

        return problems;
    }

    /// <summary>The sum line first (when it differs), then every column that differs, in category order.</summary>
    public static IReadOnlyList<CategoryBudgetDiscrepancy> Compare(long totalBudgetCents, IReadOnlyList<CategoryBudget> budgets, IReadOnlyList<AllocationCell> planCells)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(planCells);
        var result = new List<CategoryBudgetDiscrepancy>();
        if (budgets.Count == 0 || budgets.All(b => b.BudgetCents == 0))
        {
            return result;
        }

        var sum = budgets.Aggregate(0L, (total, b) => checked(total + b.BudgetCents));
        if (sum != totalBudgetCents)
        {
            result.Add(new CategoryBudgetDiscrepancy(string.Empty, sum, totalBudgetCents));
        }

        foreach (var budget in budgets.OrderBy(b => b.CategoryId, StringComparer.Ordinal))
        {
            var column = planCells
                .Where(c => string.Equals(c.CategoryId, budget.CategoryId, StringComparison.Ordinal))
                .Aggregate(0L, (total, c) => checked(total + c.AmountCents));
            if (column != budget.BudgetCents)
            {
                result.Add(new CategoryBudgetDiscrepancy(budget.CategoryId, column, budget.BudgetCents));
            }
        }

        return result;
    }
}

/// <summary>Rounds of one category hold more value than the plan plus the value returned to the pool.</summary>
public sealed record RoundCoverageExcess(string CategoryId, long RoundsValueCents, long AllowedValueCents)
{
    public long ExcessCents => checked(RoundsValueCents - AllowedValueCents);
}

/// <summary>
/// Rounds draw their stock from the plan. Together they may hold less than the plan (later rounds
/// are often sized later), never more, except by value that came back to the pool and is re-issued:
/// every voucher value re-issued is value that was returned first, so the excess over the plan is
/// bounded by the returned value, category by category.
/// </summary>
public static class RoundCoverage
{
    public static IReadOnlyList<RoundCoverageExcess> Check(
        IReadOnlyList<AllocationCell> planCells,
        IReadOnlyList<AllocationCell> roundCells,
        IReadOnlyDictionary<string, long> returnedValueByCategory)
    {
        ArgumentNullException.ThrowIfNull(planCells);
        ArgumentNullException.ThrowIfNull(roundCells);
        ArgumentNullException.ThrowIfNull(returnedValueByCategory);
        var planned = SumByCategory(planCells);
        var scheduled = SumByCategory(roundCells);
        var result = new List<RoundCoverageExcess>();
        foreach (var (categoryId, roundsValue) in scheduled.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var allowed = checked(planned.GetValueOrDefault(categoryId) + returnedValueByCategory.GetValueOrDefault(categoryId));
            if (roundsValue > allowed)
            {
                result.Add(new RoundCoverageExcess(categoryId, roundsValue, allowed));
            }
        }

        return result;
    }

    private static Dictionary<string, long> SumByCategory(IReadOnlyList<AllocationCell> cells)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var cell in cells)
        {
            sums[cell.CategoryId] = checked(sums.GetValueOrDefault(cell.CategoryId) + cell.AmountCents);
        }

        return sums;
    }
}
