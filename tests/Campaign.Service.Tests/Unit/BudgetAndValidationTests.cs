using Campaign.Service.Domain;
using Microsoft.Extensions.Time.Testing;
using Vouchers.Campaign.V1;
using VoucherRules;

namespace Campaign.Service.Tests.Unit;

/// <summary>CampaignValidation and BudgetChecker as pure functions over an in-memory aggregate.</summary>
public class BudgetAndValidationTests
{
    private static readonly IReadOnlyDictionary<string, bool> Catalogue = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["catering"] = true,
        ["supermarket"] = true,
        ["department_store"] = true,
        ["fuel"] = false,
    };

    private readonly FakeTimeProvider _time = new(Seeds.Beijing(2023, 2, 1));

    [Fact]
    public void S1_as_configured_balances_to_the_cent()
    {
        var check = BudgetChecker.Check(Drafts.S1(_time.GetUtcNow()));
        Assert.True(check.Balanced, BudgetChecker.Summarize(check));
        Assert.Empty(check.Discrepancies);
    }

    [Fact]
    public void A_plan_short_of_the_budget_is_reported_with_its_difference()
    {
        var campaign = Drafts.S1(_time.GetUtcNow());
        var shorter = campaign.Plan.Clone();
        shorter.Cells[0].Quantity -= 100;
        var check = BudgetChecker.Check(campaign, shorter);
        Assert.False(check.Balanced);
        var total = Assert.Single(check.Discrepancies, d => d.Item == BudgetCheckItem.PlanTotal);
        Assert.Equal(Seeds.Yuan(400_000), total.Expected);
        Assert.Equal(Seeds.Yuan(400_000 - 1_000), total.Computed);
    }

    [Fact]
    public void Settings_problems_are_field_violations_and_one_message()
    {
        var settings = Seeds.S1Settings("Bad Code!");
        settings.TimeZone = "Mars/Olympus";
        settings.BudgetCents = -1;
        var problems = new FieldProblems();
        CampaignValidation.Settings(settings, Catalogue, new HashSet<string>(), problems);

        Assert.Contains(problems.All, v => v.Field == "settings.code");
        Assert.Contains(new FieldViolation("settings.time_zone", "'Mars/Olympus' is not a known IANA time zone"), problems.All);
        Assert.Contains(problems.All, v => v.Field == "settings.budget_cents" && v.Description.StartsWith("must be positive", StringComparison.Ordinal));
        var refusal = Assert.Throws<InvalidArgumentException>(problems.ThrowIfAny);
        Assert.Equal(string.Join("; ", problems.All.Select(v => $"{v.Field}: {v.Description}")), refusal.Message);
        Assert.Equal(problems.All, refusal.Violations);
    }

    [Fact]
    public void A_tier_below_its_face_value_and_an_unknown_category_are_named()
    {
        var campaign = Drafts.S1(_time.GetUtcNow());
        var problems = new FieldProblems();
        CampaignValidation.Tier(Seeds.Tier("t-50", 40, 50, ["fuel"]), campaign, Catalogue, problems);
        Assert.Contains(problems.All, v => v.Description.Contains("is below the face value", StringComparison.Ordinal));
        Assert.Contains(problems.All, v => v.Description.Contains("'fuel' is not one of the campaign's categories", StringComparison.Ordinal));
    }

    [Fact]
    public void Valid_S1_settings_have_no_problem()
    {
        var problems = new FieldProblems();
        CampaignValidation.Settings(Seeds.S1Settings(), Catalogue, new HashSet<string>(), problems);
        Assert.Equal(0, problems.Count);
        problems.ThrowIfAny();
    }
}
