using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Domain;

/// <summary>Domain checks shared by the campaign, round and proposal use cases; refusals name the field or the state.</summary>
public static class CampaignEdits
{
    public static RoundDefinition ExistingRound(CampaignAggregate campaign, string roundId) =>
        campaign.FindRound(roundId) ?? throw new NotFoundException($"round '{roundId}' does not exist in campaign {campaign.Record.Id}");

    /// <summary>The caller's round without the output-only fields, which the service derives.</summary>
    public static RoundDefinition InputRound(RoundDefinition? round)
    {
        if (round is null)
        {
            throw new InvalidArgumentException("round", "required");
        }

        var input = round.Clone();
        input.State = RoundState.Unspecified;
        input.ClaimOpensAtUtc = null;
        input.ClaimClosesAtUtc = null;
        input.Resize = null;
        input.Allocation ??= new AllocationMatrix();
        return input;
    }

    public static void RequireRoundsWithinPlan(CampaignAggregate campaign)
    {
        var excess = BudgetChecker.Check(campaign).Discrepancies.Where(d => d.Item == BudgetCheckItem.RoundsVsPlan).ToList();
        if (excess.Count > 0)
        {
            throw new FailedPreconditionException($"campaign is {CampaignLifecycle.Name(campaign.RulesState)} and the rounds would exceed the plan plus returned value: {string.Join("; ", excess.Select(d => d.Message))}");
        }
    }

    public static void RequireCategoriesStillCover(CampaignAggregate campaign, FieldProblems problems)
    {
        var categories = CampaignValidation.CampaignCategories(campaign);
        var used = campaign.Tiers.SelectMany(t => t.Categories?.CategoryIds ?? [])
            .Concat(campaign.Plan.Cells.Select(c => c.CategoryId))
            .Concat(campaign.Rounds.SelectMany(r => r.Allocation?.Cells.Select(c => c.CategoryId) ?? []))
            .Where(id => id.Length > 0)
            .Distinct(StringComparer.Ordinal);
        foreach (var id in used.Where(id => !categories.Admits(id)))
        {
            problems.Add("settings.categories", $"category '{id}' is still used by a tier, the plan or a round");
        }
    }

    public static void RevalidateRounds(CampaignAggregate campaign, FieldProblems problems)
    {
        foreach (var round in campaign.LiveRounds.ToList())
        {
            CampaignValidation.Round(round, campaign, problems);
        }
    }

    public static void ValidateCategoryAmounts(IEnumerable<CategoryAmount> amounts, string field, CampaignAggregate campaign, FieldProblems problems)
    {
        var categories = campaign.Settings.Categories.Select(c => c.CategoryId).ToHashSet(StringComparer.Ordinal);
        var index = 0;
        foreach (var amount in amounts)
        {
            if (amount.CategoryId.Length > 0 && !categories.Contains(amount.CategoryId))
            {
                problems.Add($"{field}[{index}].category_id", $"unknown category '{amount.CategoryId}' (not one of the campaign's)");
            }

            if (amount.AmountCents < 0)
            {
                problems.Add($"{field}[{index}].amount_cents", "cannot be negative");
            }

            index++;
        }
    }

    public static RoundResize MergedResize(RoundResize? previous, string basedOn, string reason, Actor? actor, DateTimeOffset now, IEnumerable<CategoryAmount> returned)
    {
        var resize = new RoundResize { BasedOnRoundId = basedOn, Reason = reason, ResizedBy = actor, ResizedAt = LocalTimes.ToTimestamp(now) };
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var amount in (previous?.ReturnedValueByCategory ?? []).Concat(returned))
        {
            totals[amount.CategoryId] = checked(totals.GetValueOrDefault(amount.CategoryId) + amount.AmountCents);
        }

        resize.ReturnedValueByCategory.AddRange(totals.Where(t => t.Value > 0).Select(t => new CategoryAmount { CategoryId = t.Key, AmountCents = t.Value }));
        return resize;
    }

    public static List<StockTopUpLine> TopUpLines(CampaignAggregate campaign, RoundDefinition existing, AllocationMatrix requested)
    {
        var current = existing.Allocation?.Cells ?? [];
        var keys = current.Select(c => (c.TierId, c.CategoryId, c.ChannelId)).Union(requested.Cells.Select(c => (c.TierId, c.CategoryId, c.ChannelId)));
        return keys.Select(k => new StockTopUpLine(
                k.TierId,
                k.CategoryId,
                campaign.FindTier(k.TierId)?.FaceValueCents ?? 0,
                current.FirstOrDefault(c => (c.TierId, c.CategoryId, c.ChannelId) == k)?.Quantity ?? 0,
                requested.Cells.FirstOrDefault(c => (c.TierId, c.CategoryId, c.ChannelId) == k)?.Quantity ?? 0))
            .ToList();
    }
}
