using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.CampaignService: the campaign aggregate, its budget check and its lifecycle.</summary>
public sealed class CampaignGrpcService(
    CampaignDbContext db,
    TimeProvider timeProvider,
    SnapshotCache snapshots,
    CampaignMetrics metrics,
    ILogger<CampaignGrpcService> logger) : CampaignService.CampaignServiceBase
{
    private sealed record Change(string SubjectId, IMessage? Before, IMessage? After, string Reason = "");

    public override async Task<CampaignDetails> CreateCampaign(CreateCampaignRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "CreateCampaign", ActorRole.Operator);
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(request.RequestId))
        {
            problems.Add("request_id", "required");
        }

        var catalogue = await CatalogueAsync(context.CancellationToken);
        CampaignValidation.Settings(request.Settings, catalogue, new HashSet<string>(), problems);
        problems.ThrowIfAny();

        var fingerprint = Persistence.Fingerprint(request);
        var now = timeProvider.GetUtcNow();
        var created = await db.InTransactionAsync(
            async ct =>
            {
                var earlier = await db.Campaigns.FirstOrDefaultAsync(c => c.CreateRequestId == request.RequestId, ct);
                if (earlier is not null)
                {
                    return earlier.CreateRequestHash == fingerprint
                        ? (Record: earlier, Replayed: true)
                        : throw Refusals.AlreadyExists($"request_id '{request.RequestId}' was used for a different CreateCampaign request");
                }

                var taken = await db.Campaigns.Where(c => c.Code == request.Settings.Code).Select(c => c.Id).FirstOrDefaultAsync(ct);
                if (taken is not null)
                {
                    throw Refusals.AlreadyExists($"settings.code: '{request.Settings.Code}' is taken by campaign {taken}");
                }

                var record = new CampaignRecord
                {
                    Id = Persistence.NewId("cmp-"),
                    Code = request.Settings.Code,
                    CreateRequestId = request.RequestId,
                    CreateRequestHash = fingerprint,
                    State = (int)CampaignState.Draft,
                    Version = 1,
                    Name = string.Empty,
                    Theme = string.Empty,
                    RegionCode = string.Empty,
                    SettingsJson = "{}",
                    TiersJson = "[]",
                    RoundsJson = "[]",
                    PlanJson = "{}",
                    CreatedAt = now,
                };
                var campaign = CampaignAggregate.Load(record);
                campaign.Settings = request.Settings.Clone();
                campaign.Store(now);
                db.Campaigns.Add(record);
                db.AuditEntries.Add(Persistence.Audit(actor, "CreateCampaign", AuditSubject.Campaign, record.Id, now, campaignId: record.Id, versionAfter: 1, after: campaign.Settings));
                await db.SaveChangesAsync(ct);
                return (Record: record, Replayed: false);
            },
            context.CancellationToken);

        if (!created.Replayed)
        {
            metrics.ConfigurationChanged("CreateCampaign");
            CampaignLog.CampaignChanged(logger, "CreateCampaign", created.Record.Id, actor.ActorId, 0, 1);
            snapshots.Announce(created.Record.Id, created.Record.SnapshotVersion);
        }

        return CampaignAggregate.Load(created.Record).ToDetails(now);
    }

    public override async Task<CampaignDetails> GetCampaign(GetCampaignRequest request, ServerCallContext context)
    {
        var campaign = await LoadAsync(request.CampaignId, tracked: false, context.CancellationToken);
        return campaign.ToDetails(timeProvider.GetUtcNow());
    }

    public override async Task<ListCampaignsResponse> ListCampaigns(ListCampaignsRequest request, ServerCallContext context)
    {
        if (request.States.Any(s => s == CampaignState.Unspecified))
        {
            throw Refusals.Invalid("states: CAMPAIGN_STATE_UNSPECIFIED is not a state");
        }

        var filterKey = $"{string.Join(",", request.States)}|{request.RegionCode}|{request.Text}";
        var (offset, size) = Paging.Read(request.Page, filterKey);
        var query = db.Campaigns.AsNoTracking();
        if (request.States.Count > 0)
        {
            var states = request.States.Select(s => (int)s).ToList();
            query = query.Where(c => states.Contains(c.State));
        }

        if (request.RegionCode.Length > 0)
        {
            query = query.Where(c => c.RegionCode == request.RegionCode);
        }

        if (request.Text.Length > 0)
        {
            var pattern = "%" + request.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(c => EF.Functions.ILike(c.Code, pattern) || EF.Functions.ILike(c.Name, pattern) || EF.Functions.ILike(c.Theme, pattern));
        }

        var total = await query.LongCountAsync(context.CancellationToken);
        var page = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Skip(offset).Take(size).ToListAsync(context.CancellationToken);
        var response = new ListCampaignsResponse { Page = Paging.Next(offset, size, page.Count, total, filterKey) };
        response.Campaigns.AddRange(page.Select(r => CampaignAggregate.Load(r).ToSummary()));
        return response;
    }

    public override async Task<CampaignDetails> UpdateCampaignSettings(UpdateCampaignSettingsRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "UpdateCampaignSettings", ActorRole.Operator);
        var catalogue = await CatalogueAsync(context.CancellationToken);
        return await ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "UpdateCampaignSettings", AuditSubject.Campaign, (campaign, now) =>
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
            RequireCategoriesStillCover(campaign, problems);
            RevalidateRounds(campaign, problems);
            problems.ThrowIfAny();
            return new Change(campaign.Record.Id, before, campaign.Settings);
        }, context.CancellationToken, codeChange: request.Settings?.Code);
    }

    public override Task<CampaignDetails> CreateTier(CreateTierRequest request, ServerCallContext context) =>
        TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "CreateTier", context, catalogue =>
            (campaign, _) =>
            {
                var problems = new FieldProblems();
                CampaignValidation.Tier(request.Tier, campaign, catalogue, problems);
                problems.ThrowIfAny();
                if (campaign.FindTier(request.Tier.TierId) is not null)
                {
                    throw Refusals.AlreadyExists($"tier.tier_id: '{request.Tier.TierId}' exists in campaign {campaign.Record.Id}");
                }

                campaign.Tiers.Add(request.Tier.Clone());
                return new Change(request.Tier.TierId, null, request.Tier);
            });

    public override Task<CampaignDetails> UpdateTier(UpdateTierRequest request, ServerCallContext context) =>
        TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "UpdateTier", context, catalogue =>
            (campaign, _) =>
            {
                var existing = campaign.FindTier(request.Tier?.TierId ?? string.Empty)
                    ?? throw Refusals.NotFound($"tier '{request.Tier?.TierId}' does not exist in campaign {campaign.Record.Id}");
                var problems = new FieldProblems();
                CampaignValidation.Tier(request.Tier, campaign, catalogue, problems);
                problems.ThrowIfAny();
                campaign.Tiers[campaign.Tiers.IndexOf(existing)] = request.Tier!.Clone();
                return new Change(existing.TierId, existing, request.Tier);
            });

    public override Task<CampaignDetails> DeleteTier(DeleteTierRequest request, ServerCallContext context) =>
        TierChangeAsync(request.CampaignId, request.ExpectedVersion, request.Actor, "DeleteTier", context, _ =>
            (campaign, _) =>
            {
                var existing = campaign.FindTier(request.TierId)
                    ?? throw Refusals.NotFound($"tier '{request.TierId}' does not exist in campaign {campaign.Record.Id}");
                var users = campaign.Plan.Cells.Any(c => c.TierId == request.TierId) ? new List<string> { "the allocation plan" } : [];
                users.AddRange(campaign.Rounds.Where(r => r.Allocation?.Cells.Any(c => c.TierId == request.TierId) == true).Select(r => $"round '{r.RoundId}'"));
                if (users.Count > 0)
                {
                    throw Refusals.FailedPrecondition($"tier '{request.TierId}' is still used by {string.Join(", ", users)}");
                }

                campaign.Tiers.Remove(existing);
                return new Change(existing.TierId, existing, null);
            });

    public override async Task<SetAllocationPlanResponse> SetAllocationPlan(SetAllocationPlanRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "SetAllocationPlan", ActorRole.Operator);
        BudgetCheck? check = null;
        var details = await ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "SetAllocationPlan", AuditSubject.AllocationPlan, (campaign, _) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.AllocationPlan));
            var problems = new FieldProblems();
            CampaignValidation.Matrix(request.Plan, "plan", campaign, referencesMustExist: false, problems);
            problems.ThrowIfAny();
            var before = campaign.Plan;
            campaign.Plan = request.Plan.Clone();
            check = BudgetChecker.Check(campaign);
            return new Change(campaign.Record.Id, before, campaign.Plan);
        }, context.CancellationToken);
        metrics.BudgetChecked(check!.Balanced);
        return new SetAllocationPlanResponse { Campaign = details, BudgetCheck = check };
    }

    public override async Task<BudgetCheck> CheckBudget(CheckBudgetRequest request, ServerCallContext context)
    {
        var campaign = await LoadAsync(request.CampaignId, tracked: false, context.CancellationToken);
        if (request.CandidatePlan is not null)
        {
            var problems = new FieldProblems();
            CampaignValidation.Matrix(request.CandidatePlan, "candidate_plan", campaign, referencesMustExist: false, problems);
            problems.ThrowIfAny();
        }

        var check = BudgetChecker.Check(campaign, request.CandidatePlan);
        metrics.BudgetChecked(check.Balanced);
        return check;
    }

    public override Task<CampaignDetails> ScheduleRound(ScheduleRoundRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "ScheduleRound", ActorRole.Operator);
        return ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "ScheduleRound", AuditSubject.Round, (campaign, now) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ScheduleRound));
            var round = InputRound(request.Round);
            var problems = new FieldProblems();
            CampaignValidation.Round(round, campaign, problems);
            problems.ThrowIfAny();
            if (campaign.FindRound(round.RoundId) is not null)
            {
                throw Refusals.AlreadyExists($"round.round_id: '{round.RoundId}' exists in campaign {campaign.Record.Id}");
            }

            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ScheduleRound, roundOpensAt: LocalTimes.ToInstant(round.ClaimOpensAt, campaign.Zone), now: now));
            campaign.Rounds.Add(round);
            RequireRoundsWithinPlan(campaign);
            return new Change(round.RoundId, null, round);
        }, context.CancellationToken);
    }

    public override Task<CampaignDetails> UpdateRound(UpdateRoundRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "UpdateRound", ActorRole.Operator);
        return ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "UpdateRound", AuditSubject.Round, (campaign, now) =>
        {
            // A missing round is the caller's malformed request, not an unknown round.
            var round = InputRound(request.Round);
            var existing = ExistingRound(campaign, round.RoundId);
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound, roundOpened: campaign.HasOpened(existing, now)));
            round.Resize = existing.Resize;
            var problems = new FieldProblems();
            CampaignValidation.Round(round, campaign, problems);
            problems.ThrowIfAny();
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ScheduleRound, roundOpensAt: LocalTimes.ToInstant(round.ClaimOpensAt, campaign.Zone), now: now));
            campaign.Rounds[campaign.Rounds.IndexOf(existing)] = round;
            RequireRoundsWithinPlan(campaign);
            return new Change(round.RoundId, existing, round);
        }, context.CancellationToken);
    }

    public override Task<CampaignDetails> CancelRound(CancelRoundRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "CancelRound", ActorRole.Operator);
        return ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "CancelRound", AuditSubject.Round, (campaign, now) =>
        {
            var existing = ExistingRound(campaign, request.RoundId);
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound, roundOpened: campaign.HasOpened(existing, now)));
            var cancelled = existing.Clone();
            cancelled.State = RoundState.Cancelled;
            campaign.Rounds[campaign.Rounds.IndexOf(existing)] = cancelled;
            return new Change(existing.RoundId, existing, cancelled, request.Reason);
        }, context.CancellationToken);
    }

    public override async Task<ProposeRoundResizeResponse> ProposeRoundResize(ProposeRoundResizeRequest request, ServerCallContext context)
    {
        var campaign = await LoadAsync(request.CampaignId, tracked: false, context.CancellationToken);
        var now = timeProvider.GetUtcNow();
        var target = ExistingRound(campaign, request.RoundId);
        var basis = campaign.FindRound(request.BasedOnRoundId)
            ?? throw Refusals.NotFound($"based_on_round_id: round '{request.BasedOnRoundId}' does not exist in campaign {campaign.Record.Id}");
        var problems = new FieldProblems();
        ValidateCategoryAmounts(request.AvailableValueByCategory, "available_value_by_category", campaign, problems);
        if (request.Strategy == ResizeStrategy.Unspecified)
        {
            problems.Add("strategy", "required (SAME_MIX or BY_USAGE)");
        }

        for (var i = 0; i < request.Usage.Count; i++)
        {
            var usage = request.Usage[i];
            if (campaign.FindTier(usage.TierId) is null)
            {
                problems.Add($"usage[{i}].tier_id", $"unknown tier '{usage.TierId}'");
            }

            if (usage.ClaimedCount < 0 || usage.UsedCount < 0 || usage.UsedCount > usage.ClaimedCount)
            {
                problems.Add($"usage[{i}]", "need 0 <= used_count <= claimed_count");
            }
        }

        problems.ThrowIfAny();
        if (campaign.HasOpened(target, now))
        {
            throw Refusals.FailedPrecondition($"campaign is {CampaignLifecycle.Name(campaign.RulesState)} and round '{target.RoundId}' has opened: propose only for a round that has not opened");
        }

        var proposal = RoundProposals.Propose(campaign, target, basis, request.AvailableValueByCategory, request.Usage, request.Strategy);
        var projected = CampaignAggregate.Load(new CampaignRecord
        {
            Id = campaign.Record.Id,
            Code = campaign.Record.Code,
            Name = campaign.Record.Name,
            Theme = campaign.Record.Theme,
            RegionCode = campaign.Record.RegionCode,
            SettingsJson = campaign.Record.SettingsJson,
            TiersJson = campaign.Record.TiersJson,
            RoundsJson = campaign.Record.RoundsJson,
            PlanJson = campaign.Record.PlanJson,
            ClaimRulesJson = campaign.Record.ClaimRulesJson,
            PeriodStartUtc = campaign.Record.PeriodStartUtc,
            PeriodEndUtc = campaign.Record.PeriodEndUtc,
        });
        var projectedRound = projected.FindRound(target.RoundId)!;
        projectedRound.Allocation = proposal.Allocation;
        projectedRound.Resize = MergedResize(target.Resize, request.BasedOnRoundId, string.Empty, null, now, request.AvailableValueByCategory);
        var response = new ProposeRoundResizeResponse { ProposedAllocation = proposal.Allocation, BudgetCheck = BudgetChecker.Check(projected) };
        response.UnallocatedValueByCategory.AddRange(proposal.Unallocated);
        return response;
    }

    public override Task<CampaignDetails> ResizeRound(ResizeRoundRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "ResizeRound", ActorRole.Operator);
        return ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "ResizeRound", AuditSubject.Round, (campaign, now) =>
        {
            var existing = ExistingRound(campaign, request.RoundId);
            if (existing.State == RoundState.Cancelled)
            {
                throw Refusals.FailedPrecondition($"round '{existing.RoundId}' is CANCELLED");
            }

            var basis = campaign.FindRound(request.BasedOnRoundId)
                ?? throw Refusals.NotFound($"based_on_round_id: round '{request.BasedOnRoundId}' does not exist in campaign {campaign.Record.Id}");
            var problems = new FieldProblems();
            var opened = campaign.HasOpened(existing, now);
            if (ReferenceEquals(basis, existing))
            {
                // An opened round may be topped up from its own returned value; a re-size needs an earlier round.
                if (!opened)
                {
                    problems.Add("based_on_round_id", "must name an earlier round, not the round being re-sized");
                }
            }
            else if (campaign.OpensAt(basis) >= campaign.OpensAt(existing))
            {
                problems.Add("based_on_round_id", $"round '{basis.RoundId}' does not open before round '{existing.RoundId}'");
            }

            if (string.IsNullOrWhiteSpace(request.Reason))
            {
                problems.Add("reason", "required (shown in the round and the audit log)");
            }

            CampaignValidation.Matrix(request.Allocation, "allocation", campaign, referencesMustExist: true, problems);
            ValidateCategoryAmounts(request.ReturnedValueByCategory, "returned_value_by_category", campaign, problems);
            problems.ThrowIfAny();

            if (opened)
            {
                Permit(CampaignEditRules.CheckOpenedRoundTopUp(campaign.RulesState, TopUpLines(campaign, existing, request.Allocation), request.ReturnedValueByCategory.Sum(a => a.AmountCents)));
            }
            else
            {
                Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound));
            }

            var resized = existing.Clone();
            resized.Allocation = request.Allocation.Clone();
            resized.Resize = MergedResize(existing.Resize, request.BasedOnRoundId, request.Reason, actor, now, request.ReturnedValueByCategory);
            campaign.Rounds[campaign.Rounds.IndexOf(existing)] = resized;
            RequireRoundsWithinPlan(campaign);
            return new Change(existing.RoundId, existing, resized, request.Reason);
        }, context.CancellationToken);
    }

    public override Task<CampaignDetails> SetClaimRules(SetClaimRulesRequest request, ServerCallContext context)
    {
        var actor = Actors.Require(request.Actor, "SetClaimRules", ActorRole.Operator);
        return ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "SetClaimRules", AuditSubject.ClaimRules, (campaign, now) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ClaimRules, anyRoundOpened: campaign.AnyRoundOpened(now)));
            var problems = new FieldProblems();
            CampaignValidation.Rules(request.Rules, problems);
            problems.ThrowIfAny();
            var before = campaign.Rules;
            campaign.Rules = request.Rules.Clone();
            return new Change(campaign.Record.Id, before, campaign.Rules);
        }, context.CancellationToken);
    }

    public override Task<CampaignDetails> PublishCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.Publish, "PublishCampaign", false, context, [ActorRole.Operator], (campaign, now) =>
        {
            var missing = new List<string>();
            if (campaign.Tiers.Count == 0)
            {
                missing.Add("no tier");
            }

            if (!campaign.LiveRounds.Any())
            {
                missing.Add("no round");
            }

            if (campaign.Rules is null)
            {
                missing.Add("no claim rules");
            }

            if (missing.Count > 0)
            {
                throw Refusals.FailedPrecondition($"campaign is DRAFT and cannot be published yet: {string.Join(", ", missing)}");
            }

            var check = BudgetChecker.Check(campaign);
            metrics.BudgetChecked(check.Balanced);
            if (!check.Balanced)
            {
                CampaignLog.PublishRefused(logger, campaign.Record.Id, check.Discrepancies.Count);
                throw Refusals.FailedPrecondition($"campaign is DRAFT and its budget does not balance ({check.Discrepancies.Count} discrepancies; CheckBudget lists them): {BudgetChecker.Summarize(check)}");
            }

            campaign.Record.PublishedAt = now;
        });

    public override Task<CampaignDetails> PauseCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.Pause, "PauseCampaign", true, context, [ActorRole.Operator], (campaign, _) => campaign.Record.PauseReason = request.Reason);

    public override Task<CampaignDetails> ResumeCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.Resume, "ResumeCampaign", false, context, [ActorRole.Operator], (campaign, now) =>
        {
            if (now >= campaign.Record.PeriodEndUtc)
            {
                throw Refusals.FailedPrecondition($"campaign is PAUSED and its period ended at {campaign.Record.PeriodEndUtc:u}: it can only end now");
            }

            campaign.Record.PauseReason = null;
        });

    public override Task<CampaignDetails> EndCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.End, "EndCampaign", true, context, [ActorRole.Operator], (campaign, now) =>
        {
            campaign.Record.EndedAt = now;
            campaign.Record.PauseReason = null;
        });

    public override Task<CampaignDetails> MarkCampaignSettled(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.Settle, "MarkCampaignSettled", false, context, [ActorRole.Operator, ActorRole.Finance], (campaign, now) => campaign.Record.SettledAt = now);

    public override Task<CampaignDetails> CloseCampaign(CampaignTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleAction.Close, "CloseCampaign", false, context, [ActorRole.Operator], (campaign, now) => campaign.Record.ClosedAt = now);

    /// <summary>Moves a campaign along the lifecycle for the schedule (period start and end); false when another copy did it first.</summary>
    internal static async Task<bool> ApplyScheduledTransitionAsync(CampaignDbContext db, SnapshotCache snapshots, CampaignMetrics metrics, ILogger logger, string campaignId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var actor = new Actor { ActorId = "lifecycle-schedule", Role = ActorRole.System, DisplayName = "campaign schedule" };
        var outcome = await db.InTransactionAsync(
            async ct =>
            {
                var record = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, ct);
                if (record is null)
                {
                    return null;
                }

                var campaign = CampaignAggregate.Load(record);
                var before = record.Version;
                var beforeState = campaign.State;
                if (campaign.State == CampaignState.Published && now >= record.PeriodStartUtc)
                {
                    campaign.State = CampaignState.Running;
                    record.StartedAt = now;
                }

                if (campaign.State is CampaignState.Running or CampaignState.Paused && now >= record.PeriodEndUtc)
                {
                    campaign.State = CampaignState.Ended;
                    record.EndedAt = now;
                    record.PauseReason = null;
                }

                if (campaign.State == beforeState)
                {
                    return null;
                }

                record.Version++;
                record.UpdatedAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, campaign.State == CampaignState.Running ? "StartCampaign" : "EndCampaign", AuditSubject.Campaign, record.Id, now,
                    campaignId: record.Id, versionBefore: before, versionAfter: record.Version, reason: "period " + (campaign.State == CampaignState.Running ? "started" : "ended"),
                    before: new CampaignDetails { CampaignId = record.Id, State = beforeState }, after: new CampaignDetails { CampaignId = record.Id, State = campaign.State }));
                await db.SaveChangesAsync(ct);
                return ((long, CampaignState)?)(record.SnapshotVersion, campaign.State);
            },
            cancellationToken);
        if (outcome is not { } done)
        {
            return false;
        }

        snapshots.Announce(campaignId, done.Item1);
        metrics.CampaignTransition(done.Item2 == CampaignState.Running ? "started" : "ended");
        CampaignLog.ScheduledTransition(logger, campaignId, done.Item2.ToString().ToUpperInvariant());
        return true;
    }

    private async Task<CampaignDetails> TransitionAsync(
        CampaignTransitionRequest request,
        LifecycleAction action,
        string name,
        bool reasonRequired,
        ServerCallContext context,
        ActorRole[] roles,
        Action<CampaignAggregate, DateTimeOffset> beforeMove)
    {
        var actor = Actors.Require(request.Actor, name, roles);
        if (reasonRequired && string.IsNullOrWhiteSpace(request.Reason))
        {
            throw Refusals.Invalid("reason: required for " + name);
        }

        var details = await ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, name, AuditSubject.Campaign, (campaign, now) =>
        {
            var decision = CampaignLifecycle.Apply(campaign.RulesState, action);
            if (!decision.Allowed)
            {
                throw Refusals.FailedPrecondition(decision.Reason);
            }

            var before = new CampaignDetails { CampaignId = campaign.Record.Id, State = campaign.State, PauseReason = campaign.Record.PauseReason ?? string.Empty };
            beforeMove(campaign, now);
            campaign.State = CampaignAggregate.FromRulesState(decision.To);
            var after = new CampaignDetails { CampaignId = campaign.Record.Id, State = campaign.State, PauseReason = campaign.Record.PauseReason ?? string.Empty };
            return new Change(campaign.Record.Id, before, after, request.Reason);
        }, context.CancellationToken);
        metrics.CampaignTransition(action switch
        {
            LifecycleAction.Publish => "published",
            LifecycleAction.Pause => "paused",
            LifecycleAction.Resume => "resumed",
            LifecycleAction.End => "ended",
            LifecycleAction.Settle => "settled",
            _ => "closed",
        });
        return details;
    }

    private async Task<CampaignDetails> TierChangeAsync(
        string campaignId,
        long expectedVersion,
        Actor? requestActor,
        string action,
        ServerCallContext context,
        Func<IReadOnlyDictionary<string, bool>, Func<CampaignAggregate, DateTimeOffset, Change>> makeChange)
    {
        var actor = Actors.Require(requestActor, action, ActorRole.Operator);
        var change = makeChange(await CatalogueAsync(context.CancellationToken));
        return await ChangeAsync(campaignId, expectedVersion, actor, action, AuditSubject.Tier, (campaign, now) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.Tiers));
            return change(campaign, now);
        }, context.CancellationToken);
    }

    /// <summary>Load, check the version, apply, store, audit, commit, announce the new snapshot version.</summary>
    private async Task<CampaignDetails> ChangeAsync(
        string campaignId,
        long expectedVersion,
        Actor actor,
        string action,
        AuditSubject subject,
        Func<CampaignAggregate, DateTimeOffset, Change> apply,
        CancellationToken cancellationToken,
        string? codeChange = null)
    {
        RequireCampaignId(campaignId);
        if (expectedVersion <= 0)
        {
            throw Refusals.Invalid("expected_version: required (the version you read)");
        }

        var now = timeProvider.GetUtcNow();
        var result = await db.InTransactionAsync(
            async ct =>
            {
                var record = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, ct)
                    ?? throw Refusals.NotFound($"campaign {campaignId} does not exist");
                if (record.Version != expectedVersion)
                {
                    throw Refusals.Stale($"campaign {campaignId}", expectedVersion, record.Version);
                }

                if (codeChange is not null && codeChange != record.Code
                    && await db.Campaigns.AnyAsync(c => c.Code == codeChange && c.Id != campaignId, ct))
                {
                    throw Refusals.AlreadyExists($"settings.code: '{codeChange}' is taken by another campaign");
                }

                var campaign = CampaignAggregate.Load(record);
                var change = apply(campaign, now);
                var before = record.Version;
                campaign.Store(now);
                record.Version++;
                db.AuditEntries.Add(Persistence.Audit(actor, action, subject, change.SubjectId, now, campaignId: record.Id,
                    versionBefore: before, versionAfter: record.Version, reason: change.Reason, before: change.Before, after: change.After));
                await db.SaveChangesAsync(ct);
                return (Campaign: campaign, Before: before);
            },
            cancellationToken);

        snapshots.Announce(campaignId, result.Campaign.Record.SnapshotVersion);
        metrics.ConfigurationChanged(action);
        CampaignLog.CampaignChanged(logger, action, campaignId, actor.ActorId, result.Before, result.Campaign.Record.Version);
        return result.Campaign.ToDetails(now);
    }

    private async Task<CampaignAggregate> LoadAsync(string campaignId, bool tracked, CancellationToken cancellationToken)
    {
        RequireCampaignId(campaignId);
        var query = tracked ? db.Campaigns : db.Campaigns.AsNoTracking();
        var record = await query.FirstOrDefaultAsync(c => c.Id == campaignId, cancellationToken)
            ?? throw Refusals.NotFound($"campaign {campaignId} does not exist");
        return CampaignAggregate.Load(record);
    }

    private async Task<IReadOnlyDictionary<string, bool>> CatalogueAsync(CancellationToken cancellationToken) =>
        await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Active, StringComparer.Ordinal, cancellationToken);

    private static void RequireCampaignId(string campaignId)
    {
        if (string.IsNullOrWhiteSpace(campaignId))
        {
            throw Refusals.Invalid("campaign_id: required");
        }
    }

    private static void Permit(EditDecision decision)
    {
        if (!decision.Allowed)
        {
            throw Refusals.FailedPrecondition(decision.Reason);
        }
    }

    private static RoundDefinition ExistingRound(CampaignAggregate campaign, string roundId) =>
        campaign.FindRound(roundId) ?? throw Refusals.NotFound($"round '{roundId}' does not exist in campaign {campaign.Record.Id}");

    /// <summary>The caller's round without the output-only fields, which the service derives.</summary>
    private static RoundDefinition InputRound(RoundDefinition? round)
    {
        if (round is null)
        {
            throw Refusals.Invalid("round: required");
        }

        var input = round.Clone();
        input.State = RoundState.Unspecified;
        input.ClaimOpensAtUtc = null;
        input.ClaimClosesAtUtc = null;
        input.Resize = null;
        input.Allocation ??= new AllocationMatrix();
        return input;
    }

    private static void RequireRoundsWithinPlan(CampaignAggregate campaign)
    {
        var excess = BudgetChecker.Check(campaign).Discrepancies.Where(d => d.Item == BudgetCheckItem.RoundsVsPlan).ToList();
        if (excess.Count > 0)
        {
            throw Refusals.FailedPrecondition($"campaign is {CampaignLifecycle.Name(campaign.RulesState)} and the rounds would exceed the plan plus returned value: {string.Join("; ", excess.Select(d => d.Message))}");
        }
    }

    private static void RequireCategoriesStillCover(CampaignAggregate campaign, FieldProblems problems)
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

    private static void RevalidateRounds(CampaignAggregate campaign, FieldProblems problems)
    {
        foreach (var round in campaign.LiveRounds.ToList())
        {
            CampaignValidation.Round(round, campaign, problems);
        }
    }

    private static void ValidateCategoryAmounts(IEnumerable<CategoryAmount> amounts, string field, CampaignAggregate campaign, FieldProblems problems)
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

    private static RoundResize MergedResize(RoundResize? previous, string basedOn, string reason, Actor? actor, DateTimeOffset now, IEnumerable<CategoryAmount> returned)
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

    private static List<StockTopUpLine> TopUpLines(CampaignAggregate campaign, RoundDefinition existing, AllocationMatrix requested)
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
