namespace VoucherRules.Tests;

public class PlanCoverageTests
{
    private static AllocationCell Cell(string tier, long face, string category, long quantity, string round = "") =>
        new(round, tier, face, category, string.Empty, quantity);

    // 乾安 2022 columns: lodging 600,000, catering 150,000 (cells as printed).
    private static readonly AllocationCell[] QiananPlan =
    [
        Cell("t-50", 5000, "lodging", 4000), Cell("t-100", 10000, "lodging", 2000), Cell("t-200", 20000, "lodging", 1000),
        Cell("t-100", 10000, "catering", 500), Cell("t-200", 20000, "catering", 250), Cell("t-500", 50000, "catering", 100),
    ];

    [Fact]
    public void Category_budgets_that_match_their_columns_and_the_total_have_no_discrepancy()
    {
        var budgets = new[] { new CategoryBudget("catering", Money.Yuan(150_000)), new CategoryBudget("lodging", Money.Yuan(600_000)) };
        Assert.Empty(CategoryBudgets.Compare(Money.Yuan(750_000), budgets, QiananPlan));
    }

    [Fact]
    public void A_column_short_of_its_budget_and_a_sum_off_the_total_are_both_reported_with_amounts()
    {
        var budgets = new[] { new CategoryBudget("lodging", Money.Yuan(650_000)), new CategoryBudget("catering", Money.Yuan(150_000)) };
        var found = CategoryBudgets.Compare(Money.Yuan(750_000), budgets, QiananPlan);
        Assert.Equal(2, found.Count);
        Assert.Equal(new CategoryBudgetDiscrepancy(string.Empty, Money.Yuan(800_000), Money.Yuan(750_000)), found[0]);
        Assert.Equal(new CategoryBudgetDiscrepancy("lodging", Money.Yuan(600_000), Money.Yuan(650_000)), found[1]);
        Assert.Equal(Money.Yuan(-50_000), found[1].DifferenceCents);
    }

    [Fact]
    public void Unbudgeted_categories_are_not_compared()
    {
        var budgets = new[] { new CategoryBudget("lodging", 0), new CategoryBudget("catering", 0) };
        Assert.Empty(CategoryBudgets.Compare(Money.Yuan(1), budgets, QiananPlan));
        Assert.Empty(CategoryBudgets.Validate(budgets));
    }

    [Fact]
    public void Budgeting_some_categories_but_not_all_is_a_problem_naming_the_missing_ones()
    {
        var problems = CategoryBudgets.Validate([new CategoryBudget("lodging", 100), new CategoryBudget("fuel", 0), new CategoryBudget("books", -1)]);
        Assert.Contains(problems, p => p.Contains("'books'") && p.Contains("negative"));
        Assert.Contains(problems, p => p.EndsWith("missing for 'fuel'"));
    }

    [Fact]
    public void Rounds_within_the_plan_pass_and_a_round_over_the_plan_is_refused_by_category()
    {
        var rounds = new[] { Cell("t-50", 5000, "lodging", 4000, "r1"), Cell("t-500", 50000, "catering", 301, "r1") };
        var excess = RoundCoverage.Check(QiananPlan, rounds, new Dictionary<string, long>());
        var only = Assert.Single(excess);
        Assert.Equal("catering", only.CategoryId);
        Assert.Equal(50_000, only.ExcessCents);
    }

    [Fact]
    public void Returned_value_lets_later_rounds_re_issue_beyond_the_plan_up_to_that_value()
    {
        var rounds = new[]
        {
            Cell("t-100", 10000, "catering", 500, "r1"),
            Cell("t-200", 20000, "catering", 250, "r1"),
            Cell("t-500", 50000, "catering", 100, "r1"),
            Cell("t-100", 10000, "catering", 30, "r2"),
        };
        Assert.Empty(RoundCoverage.Check(QiananPlan, rounds, new Dictionary<string, long> { ["catering"] = 300_000 }));
        var excess = Assert.Single(RoundCoverage.Check(QiananPlan, rounds, new Dictionary<string, long> { ["catering"] = 290_000 }));
        Assert.Equal(10_000, excess.ExcessCents);
    }
}

public class RoundSpreadTests
{
    [Fact]
    public void Spreading_a_pool_keeps_the_tier_mix_and_conserves_value_to_the_cent()
    {
        // 华亭 batch 1 mix (faces 10, 20, 50 by planned value 20,000 / 30,000 / 150,000) and a pool of ¥10,005.
        var weights = new[]
        {
            new RoundTierPlan("", "t-10", 1000, 2000),
            new RoundTierPlan("", "t-20", 2000, 1500),
            new RoundTierPlan("", "t-50", 5000, 3000),
        };
        var (added, leftover) = RoundResizing.Spread("", 1_000_500, weights);
        Assert.Equal(1_000_500, added.Sum(a => a.ValueCents) + leftover);
        Assert.True(leftover < 1000);
        var fifty = Assert.Single(added, a => a.TierId == "t-50");
        Assert.Equal(150, fifty.Quantity);
    }

    [Fact]
    public void A_pool_smaller_than_every_face_value_is_all_leftover()
    {
        var (added, leftover) = RoundResizing.Spread("fuel", 999, [new RoundTierPlan("fuel", "t-10", 1000, 5)]);
        Assert.Empty(added);
        Assert.Equal(999, leftover);
    }

    [Fact]
    public void Weights_of_other_categories_are_ignored()
    {
        var (added, leftover) = RoundResizing.Spread("fuel", 10_000, [new RoundTierPlan("books", "t-10", 1000, 5)]);
        Assert.Empty(added);
        Assert.Equal(10_000, leftover);
    }
}
