using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.CampaignChanges;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Application;

/// <summary>Creating a campaign and changing its settings, tiers, allocation plan and claim rules.</summary>
public sealed class CampaignCommands(
    CampaignDbContext db,
    CampaignChanges changes,
    SnapshotCache snapshots,
    CampaignMetrics metrics,
    ILogger<CampaignCommands> logger)
{
    public async Task<CampaignDetails> CreateAsync(CreateCampaignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "CreateCampaign", ActorRole.Operator);
        var problems = new FieldProblems();
        problems.Require(request.RequestId, "request_id");
        var catalogue = await changes.CatalogueAsync(cancellationToken);
        CampaignValidation.Settings(request.Settings, catalogue, new HashSet<string>(), problems);
        problems.ThrowIfAny();

        var fingerprint = Persistence.Fingerprint(request);
        var now = changes.Now;
        var created = await db.InTransactionAsync(
            async ct =>
            {
                var earlier = await db.Campaigns.FirstOrDefaultAsync(c => c.CreateRequestId == request.RequestId, ct);
                if (earlier is not null && Persistence.IsRetry(earlier.CreateRequestHash, fingerprint, request.RequestId, "CreateCampaign"))
                {
                    return (Record: earlier, Replayed: true);
                }

                var taken = await db.Campaigns.Where(c => c.Code == request.Settings.Code).Select(c => c.Id).FirstOrDefaultAsync(ct);
                if (taken is not null)
                {
                    throw new AlreadyExistsException($"settings.code: '{request.Settings.Code}' is taken by campaign {taken}");
                }

                var campaign = CampaignAggregate.NewDraft(Persistence.NewId("cmp-"), request.Settings, now, request.RequestId, fingerprint);
                var record = campaign.Record;
                db.Campaigns.Add(record);
                db.AuditEntries.Add(Persistence.Audit(actor, "CreateCampaign", AuditSubject.Campaign, record.Id, now, campaignId: record.Id, versionAfter: 1, after: campaign.Settings));
                await db.SaveChangesAsync(ct);
                return (Record: record, Replayed: false);
            },
            cancellationToken);

        if (!created.Replayed)
        {
            metrics.ConfigurationChanged("CreateCampaign");
            CampaignLog.CampaignChanged(logger, "CreateCampaign", created.Record.Id, actor.ActorId, 0, 1);
            snapshots.Announce(created.Record.Id, created.Record.SnapshotVersion);
        }

        return CampaignAggregate.Load(created.Record).ToDetails(now);
    }

    public async Task<CampaignDetails> UpdateSettingsAsync(UpdateCampaignSettingsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "UpdateCampaignSettings", ActorRole.Operator);
        var catalogue = await changes.CatalogueAsync(cancellationToken);
        return await changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "UpdateCampaignSettings", AuditSubject.Campaign, (campaign, _) =>
        {
            var next = request.Settings;
            var before = campaign.Settings;
            var fixedChanged = next is not null && (next.Code != before.Code || next.TimeZone != before.TimeZone
                || !Equals(next.PeriodStart, before.PeriodStart) || next.BudgetCents != before.BudgetCents
                || !next.FundingSources.Equals(before.FundingSources) || !next.ChannelAllocations.Equals(before.ChannelAllocations));
            Permit(CampaignEditRules.Check(campaign.RulesState, fixedChanged ? CampaignEdit.SettingsFixedAtPublication : CampaignEdit.DescriptiveSettings));

            var problems = new FieldProblems();
            var used = before.Categories.Select(c => c.CategoryId).ToHashSet(StringComparer.Ordinal);
            CampaignValidation.Settings(next, catalogue, used, problems);
            problems.ThrowIfAny();
            campaign.Settings = next!.Clone();
            CampaignEdits.RequireCategoriesStillCover(campaign, problems);
            CampaignEdits.RevalidateRounds(campaign, problems);
            problems.ThrowIfAny();
            return new CampaignChange(campaign.Record.Id, before, campaign.Settings);
        }, cancellationToken, codeChange: request.Settings?.Code);
    }

    public Task<CampaignDetails> CreateTierAsync(CreateTierRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "CreateTier", catalogue => campaign =>
        {
            var problems = new FieldProblems();
            CampaignValidation.Tier(request.Tier, campaign, catalogue, problems);
            problems.ThrowIfAny();
            if (campaign.FindTier(request.Tier.TierId) is not null)
            {
                throw new AlreadyExistsException($"tier.tier_id: '{request.Tier.TierId}' exists in campaign {campaign.Record.Id}");
            }

            campaign.Tiers.Add(request.Tier.Clone());
            return new CampaignChange(request.Tier.TierId, null, request.Tier);
        }, cancellationToken);
    }

    public Task<CampaignDetails> UpdateTierAsync(UpdateTierRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "UpdateTier", catalogue => campaign =>
        {
            var existing = campaign.FindTier(request.Tier?.TierId ?? string.Empty)
                ?? throw new NotFoundException($"tier '{request.Tier?.TierId}' does not exist in campaign {campaign.Record.Id}");
            var problems = new FieldProblems();
            CampaignValidation.Tier(request.Tier, campaign, catalogue, problems);
            problems.ThrowIfAny();
            campaign.Tiers[campaign.Tiers.IndexOf(existing)] = request.Tier!.Clone();
            return new CampaignChange(existing.TierId, existing, request.Tier);
        }, cancellationToken);
    }

    public Task<CampaignDetails> DeleteTierAsync(DeleteTierRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "DeleteTier", _ => campaign =>
        {
            var existing = campaign.FindTier(request.TierId)
                ?? throw new NotFoundException($"tier '{request.TierId}' does not exist in campaign {campaign.Record.Id}");
            var users = campaign.Plan.Cells.Any(c => c.TierId == request.TierId) ? new List<string> { "the allocation plan" } : [];
            users.AddRange(campaign.Rounds.Where(r => r.Allocation?.Cells.Any(c => c.TierId == request.TierId) == true).Select(r => $"round '{r.RoundId}'"));
            if (users.Count > 0)
            {
                throw new FailedPreconditionException($"tier '{request.TierId}' is still used by {string.Join(", ", users)}");
            }

            campaign.Tiers.Remove(existing);
            return new CampaignChange(existing.TierId, existing, null);
        }, cancellationToken);
    }

    public async Task<SetAllocationPlanResponse> SetAllocationPlanAsync(SetAllocationPlanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "SetAllocationPlan", ActorRole.Operator);
        BudgetCheck? check = null;
        var details = await changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "SetAllocationPlan", AuditSubject.AllocationPlan, (campaign, _) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.AllocationPlan));
            var problems = new FieldProblems();
            CampaignValidation.Matrix(request.Plan, "plan", campaign, referencesMustExist: false, problems);
            problems.ThrowIfAny();
            var before = campaign.Plan;
            campaign.Plan = request.Plan.Clone();
            check = BudgetChecker.Check(campaign);
            return new CampaignChange(campaign.Record.Id, before, campaign.Plan);
        }, cancellationToken);
        metrics.BudgetChecked(check!.Balanced);
        return new SetAllocationPlanResponse { Campaign = details, BudgetCheck = check };
    }

    public Task<CampaignDetails> SetClaimRulesAsync(SetClaimRulesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "SetClaimRules", ActorRole.Operator);
        return changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "SetClaimRules", AuditSubject.ClaimRules, (campaign, now) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ClaimRules, anyRoundOpened: campaign.AnyRoundOpened(now)));
            var problems = new FieldProblems();
            CampaignValidation.Rules(request.Rules, problems);
            problems.ThrowIfAny();
            var before = campaign.Rules;
            campaign.Rules = request.Rules.Clone();
            return new CampaignChange(campaign.Record.Id, before, campaign.Rules);
        }, cancellationToken);
    }

    /// <summary>Tier edits: operator only, draft only, checked against the catalogue read before the transaction.</summary>
    private async Task<CampaignDetails> TierChangeAsync(
        string campaignId,
        long expectedVersion,
        Actor? requestActor,
        string action,
        Func<IReadOnlyDictionary<string, bool>, Func<CampaignAggregate, CampaignChange>> makeChange,
        CancellationToken cancellationToken)
    {
        var actor = Actors.Require(requestActor, action, ActorRole.Operator);
        var change = makeChange(await changes.CatalogueAsync(cancellationToken));
        return await changes.ChangeAsync(campaignId, expectedVersion, actor, action, AuditSubject.Tier, (campaign, _) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.Tiers));
            return change(campaign);
        }, cancellationToken);
    }
}
