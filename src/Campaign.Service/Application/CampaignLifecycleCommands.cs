using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Application;

/// <summary>
/// Every lifecycle move, whether an operator asks (publish, pause, resume, end, settle, close) or the
/// period's schedule is due (start, end): both go through <see cref="CampaignAggregate.Move"/>, that is
/// through <see cref="CampaignLifecycle"/>, and through the same audited unit of work.
/// </summary>
public sealed class CampaignLifecycleCommands(
    CampaignDbContext db,
    CampaignChanges changes,
    CampaignMetrics metrics,
    ILogger<CampaignLifecycleCommands> logger)
{
    private static readonly Actor Schedule = new() { ActorId = "lifecycle-schedule", Role = ActorRole.System, DisplayName = "campaign schedule" };

    public Task<CampaignDetails> PublishAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.Publish, "PublishCampaign", reasonRequired: false, [ActorRole.Operator], cancellationToken);

    public Task<CampaignDetails> PauseAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.Pause, "PauseCampaign", reasonRequired: true, [ActorRole.Operator], cancellationToken);

    public Task<CampaignDetails> ResumeAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.Resume, "ResumeCampaign", reasonRequired: false, [ActorRole.Operator], cancellationToken);

    public Task<CampaignDetails> EndAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.End, "EndCampaign", reasonRequired: true, [ActorRole.Operator], cancellationToken);

    public Task<CampaignDetails> SettleAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.Settle, "MarkCampaignSettled", reasonRequired: false, [ActorRole.Operator, ActorRole.Finance], cancellationToken);

    public Task<CampaignDetails> CloseAsync(CampaignTransitionRequest request, CancellationToken cancellationToken) =>
        MoveAsync(request, LifecycleAction.Close, "CloseCampaign", reasonRequired: false, [ActorRole.Operator], cancellationToken);

    /// <summary>Campaigns whose period start or end has passed while they are still in the state before it.</summary>
    public async Task<IReadOnlyList<string>> DueOnScheduleAsync(CancellationToken cancellationToken)
    {
        var now = changes.Now;
        var (published, running, paused) = ((int)CampaignState.Published, (int)CampaignState.Running, (int)CampaignState.Paused);
        return await db.Campaigns.AsNoTracking()
            .Where(c => (c.State == published && c.PeriodStartUtc <= now) || ((c.State == running || c.State == paused) && c.PeriodEndUtc <= now))
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Makes the one move the schedule asks for now, re-read inside the transaction; false when none is
    /// due (another copy or an operator moved it first). A campaign published after its whole period
    /// starts on one call and ends on the next.
    /// </summary>
    public async Task<bool> AdvanceOnScheduleAsync(string campaignId, CancellationToken cancellationToken)
    {
        LifecycleAction? made = null;
        var moved = await changes.CommitAsync(campaignId, expectedVersion: null, Schedule, "ScheduledMove", AuditSubject.Campaign, (campaign, now) =>
        {
            if (campaign.ScheduledMoveDue(now) is not { } action)
            {
                return null;
            }

            made = action;
            var reason = action == LifecycleAction.Start ? "period started" : "period ended";
            return Apply(campaign, action, now, reason, action == LifecycleAction.Start ? "StartCampaign" : "EndCampaign");
        }, cancellationToken);
        if (moved is null)
        {
            return false;
        }

        metrics.CampaignTransition(TransitionName(made!.Value));
        CampaignLog.ScheduledTransition(logger, campaignId, CampaignLifecycle.Name(moved.RulesState));
        return true;
    }

    private async Task<CampaignDetails> MoveAsync(
        CampaignTransitionRequest request,
        LifecycleAction action,
        string name,
        bool reasonRequired,
        ActorRole[] roles,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Actors.Require(request.Actor, name, roles);
        if (reasonRequired && string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new InvalidArgumentException("reason", "required for " + name);
        }

        var details = await changes.ChangeAsync(request.CampaignId, request.ExpectedVersion, actor, name, AuditSubject.Campaign, (campaign, now) =>
        {
            if (action == LifecycleAction.Publish)
            {
                RequirePublishable(campaign);
            }

            return Apply(campaign, action, now, request.Reason, name);
        }, cancellationToken);
        metrics.CampaignTransition(TransitionName(action));
        return details;
    }

    /// <summary>The lifecycle allows publishing, the draft is complete and its budget balances.</summary>
    private void RequirePublishable(CampaignAggregate campaign)
    {
        campaign.RequireAllowed(LifecycleAction.Publish);
        var missing = campaign.MissingForPublication();
        if (missing.Count > 0)
        {
            throw new FailedPreconditionException($"campaign is DRAFT and cannot be published yet: {string.Join(", ", missing)}");
        }

        var check = BudgetChecker.Check(campaign);
        metrics.BudgetChecked(check.Balanced);
        if (!check.Balanced)
        {
            CampaignLog.PublishRefused(logger, campaign.Record.Id, check.Discrepancies.Count);
            throw new FailedPreconditionException($"campaign is DRAFT and its budget does not balance ({check.Discrepancies.Count} discrepancies; CheckBudget lists them): {BudgetChecker.Summarize(check)}");
        }
    }

    private static CampaignChange Apply(CampaignAggregate campaign, LifecycleAction action, DateTimeOffset now, string reason, string auditAction)
    {
        var before = StateOf(campaign);
        campaign.Move(action, now, reason);
        return new CampaignChange(campaign.Record.Id, before, StateOf(campaign), reason, auditAction);
    }

    private static CampaignDetails StateOf(CampaignAggregate campaign) =>
        new() { CampaignId = campaign.Record.Id, State = campaign.State, PauseReason = campaign.Record.PauseReason ?? string.Empty };

    private static string TransitionName(LifecycleAction action) => action switch
    {
        LifecycleAction.Publish => "published",
        LifecycleAction.Start => "started",
        LifecycleAction.Pause => "paused",
        LifecycleAction.Resume => "resumed",
        LifecycleAction.End => "ended",
        LifecycleAction.Settle => "settled",
        _ => "closed",
    };
}
