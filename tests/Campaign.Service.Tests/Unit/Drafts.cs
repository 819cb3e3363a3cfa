using Campaign.Service.Domain;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Tests.Unit;

/// <summary>Campaign aggregates built in memory, without a database, for the fast domain tests.</summary>
internal static class Drafts
{
    /// <summary>S1 华亭 2023 as a draft: settings, six tiers, the plan, the first round, claim rules.</summary>
    public static CampaignAggregate S1(DateTimeOffset now)
    {
        var campaign = Empty(now);
        foreach (var (id, spend, off, _) in Seeds.S1Tiers)
        {
            campaign.Tiers.Add(Seeds.Tier(id, spend, off));
        }

        campaign.Plan = Seeds.Matrix(Seeds.S1Tiers.Select(t => Seeds.Cell(t.Id, t.Quantity)).ToArray());
        campaign.Rounds.Add(Seeds.Round("batch-1", "第一批", Seeds.At(2023, 3, 1, 10), Seeds.At(2023, 3, 14, 24), Seeds.DaysFromClaim(7), campaign.Plan.Clone()));
        campaign.Rules = Seeds.Rules(ClaimMode.FirstComeFirstServed, LimitScope.PerRound);
        campaign.Store(now);
        return campaign;
    }

    /// <summary>S1's settings only: no tier, no round, no claim rules.</summary>
    public static CampaignAggregate Empty(DateTimeOffset now) => CampaignAggregate.NewDraft("cmp-unit", Seeds.S1Settings("huating-unit"), now);
}
