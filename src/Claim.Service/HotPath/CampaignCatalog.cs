using System.Collections.Concurrent;
using Vouchers.Campaign.V1;

namespace Claim.Service.HotPath;

/// <summary>
/// The newest snapshot of every campaign this copy knows, compiled. Snapshots arrive from the
/// Campaign service's watch stream (or a test); an older or equal version never replaces a newer one.
/// </summary>
public sealed class CampaignCatalog(ServiceDefaults.CampaignSnapshotFollowing? following = null)
{
    private readonly ConcurrentDictionary<string, CampaignPlan> _plans = new(StringComparer.Ordinal);

    // Without a follower (tests that feed snapshots themselves) the catalog is complete by definition.
    private readonly ServiceDefaults.CampaignSnapshotFollowing _following = following ?? new();

    /// <summary>Raised after a newer snapshot was taken in, so stock can be armed for it.</summary>
    public event Action<CampaignPlan>? PlanChanged;

    public IReadOnlyCollection<CampaignPlan> Plans => _plans.Values.ToList();

    /// <summary>Takes in a snapshot; false when it is not newer than the one held.</summary>
    public bool Apply(CampaignSnapshot snapshot)
    {
        var plan = CampaignPlan.Compile(snapshot);
        while (true)
        {
            if (_plans.TryGetValue(plan.CampaignId, out var current))
            {
                if (current.Version >= plan.Version)
                {
                    return false;
                }

                if (!_plans.TryUpdate(plan.CampaignId, plan, current))
                {
                    continue;
                }
            }
            else if (!_plans.TryAdd(plan.CampaignId, plan))
            {
                continue;
            }

            PlanChanged?.Invoke(plan);
            return true;
        }
    }

    /// <summary>
    /// The campaign; NOT_FOUND when unknown or still a draft, or UNAVAILABLE while this copy has not received every
    /// campaign's snapshot yet (just started, the campaign may well exist).
    /// </summary>
    public CampaignPlan Require(string campaignId) =>
        Find(campaignId) ?? throw _following.Missing($"campaign '{campaignId}' not found");

    /// <summary>The campaign, unless unknown or still a draft (drafts are not claimable and not visible).</summary>
    public CampaignPlan? Find(string campaignId) =>
        _plans.TryGetValue(campaignId, out var plan) && plan.State is not (CampaignState.Draft or CampaignState.Unspecified) ? plan : null;
}
