using Campaign.Service.Domain;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.CampaignChanges;
using static Campaign.Service.Domain.CampaignEdits;

namespace Campaign.Service.Application;

/// <summary>Scheduling, changing, cancelling and re-sizing rounds.</summary>
public sealed class RoundCommands(CampaignChanges changes)
{
    public Task<CampaignDetails> ScheduleAsync(ScheduleRoundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "ScheduleRound", ActorRole.Operator);
        return changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "ScheduleRound", AuditSubject.Round, (campaign, now) =>
        {
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ScheduleRound));
            var round = InputRound(request.Round);
            Validate(round, campaign);
            if (campaign.FindRound(round.RoundId) is not null)
            {
                throw new AlreadyExistsException($"round.round_id: '{round.RoundId}' exists in campaign {campaign.Record.Id}");
            }

            Place(campaign, round, replacing: null, now);
            return new CampaignChange(round.RoundId, null, round);
        }, cancellationToken);
    }

    public Task<CampaignDetails> UpdateAsync(UpdateRoundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "UpdateRound", ActorRole.Operator);
        return changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "UpdateRound", AuditSubject.Round, (campaign, now) =>
        {
            // A missing round is the caller's malformed request, not an unknown round.
            var round = InputRound(request.Round);
            var existing = ExistingRound(campaign, round.RoundId);
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound, roundOpened: campaign.HasOpened(existing, now)));
            round.Resize = existing.Resize;
            Validate(round, campaign);
            Place(campaign, round, replacing: existing, now);
            return new CampaignChange(round.RoundId, existing, round);
        }, cancellationToken);
    }

    public Task<CampaignDetails> CancelAsync(CancelRoundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "CancelRound", ActorRole.Operator);
        return changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "CancelRound", AuditSubject.Round, (campaign, now) =>
        {
            var existing = ExistingRound(campaign, request.RoundId);
            Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound, roundOpened: campaign.HasOpened(existing, now)));
            var cancelled = existing.Clone();
            cancelled.State = RoundState.Cancelled;
            campaign.Rounds[campaign.Rounds.IndexOf(existing)] = cancelled;
            return new CampaignChange(existing.RoundId, existing, cancelled, request.Reason);
        }, cancellationToken);
    }

    public Task<CampaignDetails> ResizeAsync(ResizeRoundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, "ResizeRound", ActorRole.Operator);
        return changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, "ResizeRound", AuditSubject.Round, (campaign, now) =>
        {
            var existing = ExistingRound(campaign, request.RoundId);
            if (existing.State == RoundState.Cancelled)
            {
                throw new FailedPreconditionException($"round '{existing.RoundId}' is CANCELLED");
            }

            var basis = campaign.FindRound(request.BasedOnRoundId)
                ?? throw new NotFoundException($"based_on_round_id: round '{request.BasedOnRoundId}' does not exist in campaign {campaign.Record.Id}");
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

            problems.Require(request.Reason, "reason", "required (shown in the round and the audit log)");
            CampaignValidation.Matrix(request.Allocation, "allocation", campaign, referencesMustExist: true, problems);
            ValidateCategoryAmounts(request.ReturnedValueByCategory, "returned_value_by_category", campaign, problems);
            problems.ThrowIfAny();

            Permit(opened
                ? CampaignEditRules.CheckOpenedRoundTopUp(campaign.RulesState, TopUpLines(campaign, existing, request.Allocation), request.ReturnedValueByCategory.Sum(a => a.AmountCents))
                : CampaignEditRules.Check(campaign.RulesState, CampaignEdit.UnopenedRound));

            var resized = existing.Clone();
            resized.Allocation = request.Allocation.Clone();
            resized.Resize = MergedResize(existing.Resize, request.BasedOnRoundId, request.Reason, actor, now, request.ReturnedValueByCategory);
            campaign.Rounds[campaign.Rounds.IndexOf(existing)] = resized;
            RequireRoundsWithinPlan(campaign);
            return new CampaignChange(existing.RoundId, existing, resized, request.Reason);
        }, cancellationToken);
    }

    private static void Validate(RoundDefinition round, CampaignAggregate campaign)
    {
        var problems = new FieldProblems();
        CampaignValidation.Round(round, campaign, problems);
        problems.ThrowIfAny();
    }

    /// <summary>A new or changed round must open in the future and keep the rounds within the plan.</summary>
    private static void Place(CampaignAggregate campaign, RoundDefinition round, RoundDefinition? replacing, DateTimeOffset now)
    {
        Permit(CampaignEditRules.Check(campaign.RulesState, CampaignEdit.ScheduleRound, roundOpensAt: LocalTimes.ToInstant(round.ClaimOpensAt, campaign.Zone), now: now));
        if (replacing is null)
        {
            campaign.Rounds.Add(round);
        }
        else
        {
            campaign.Rounds[campaign.Rounds.IndexOf(replacing)] = round;
        }

        RequireRoundsWithinPlan(campaign);
    }
}
