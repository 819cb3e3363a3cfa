using Claim.Service.HotPath;
using Vouchers.Common.V1;
using InvalidArgumentException = VoucherRules.InvalidArgumentException;
using NotFoundException = VoucherRules.NotFoundException;
using PermissionDeniedException = VoucherRules.PermissionDeniedException;

namespace Claim.Service.Admin;

/// <summary>The checks every operator request starts with: who may call, which campaign and rounds it names, required text.</summary>
internal static class AdminRequests
{
    public static void RequireWriter(Actor? actor)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role is not (ActorRole.Operator or ActorRole.System))
        {
            throw new PermissionDeniedException("an operator actor is required");
        }
    }

    public static void RequireReader(Actor? actor)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role is not (ActorRole.Operator or ActorRole.Auditor or ActorRole.Finance or ActorRole.System))
        {
            throw new PermissionDeniedException("an operator or auditor actor is required");
        }
    }

    public static void RequireText(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw InvalidArgumentException.ForField(field, $"{field} is required");
        }
    }

    public static CampaignPlan RequireCampaign(this CampaignCatalog catalog, string campaignId)
    {
        if (string.IsNullOrWhiteSpace(campaignId))
        {
            throw InvalidArgumentException.ForField("campaign_id", "campaign_id is required");
        }

        return catalog.Require(campaignId);
    }

    /// <summary>Every round of the campaign, or the one <paramref name="roundId"/> names.</summary>
    public static IReadOnlyList<RoundPlan> SelectRounds(CampaignPlan plan, string roundId)
    {
        if (string.IsNullOrEmpty(roundId))
        {
            return plan.Rounds;
        }

        return [plan.FindRound(roundId) ?? throw new NotFoundException($"round '{roundId}' not found in campaign '{plan.CampaignId}'")];
    }
}
