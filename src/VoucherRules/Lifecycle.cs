using System.Globalization;

namespace VoucherRules;

public enum CampaignState
{
    /// <summary>Being configured; invisible to consumers.</summary>
    Draft,
    /// <summary>Visible, not claimable yet.</summary>
    Published,
    /// <summary>Rounds open and close on schedule.</summary>
    Running,
    /// <summary>Stopped by the operator: no claims, no redemptions until resumed.</summary>
    Paused,
    /// <summary>No claims, no redemptions; settlement may still run.</summary>
    Ended,
    /// <summary>Final settlement paid.</summary>
    Settled,
    /// <summary>Remainder returned or rolled over; nothing changes any more.</summary>
    Closed,
}

public enum LifecycleAction
{
    Publish,
    Start,
    Pause,
    Resume,
    End,
    Settle,
    Close,
}

public sealed record LifecycleDecision(bool Allowed, CampaignState From, CampaignState To, string Reason);

/// <summary>
/// draft → published → running ⇄ paused → ended → settled → closed. Nothing goes back: a campaign
/// that was visible to the public is corrected by configuration changes the audit log records,
/// not by returning to draft.
/// </summary>
public static class CampaignLifecycle
{
    public static string Name(CampaignState state) => state.ToString().ToUpperInvariant();

    public static LifecycleDecision Apply(CampaignState from, LifecycleAction action)
    {
        CampaignState? to = (from, action) switch
        {
            (CampaignState.Draft, LifecycleAction.Publish) => CampaignState.Published,
            (CampaignState.Published, LifecycleAction.Start) => CampaignState.Running,
            (CampaignState.Running, LifecycleAction.Pause) => CampaignState.Paused,
            (CampaignState.Paused, LifecycleAction.Resume) => CampaignState.Running,
            (CampaignState.Running or CampaignState.Paused, LifecycleAction.End) => CampaignState.Ended,
            (CampaignState.Ended, LifecycleAction.Settle) => CampaignState.Settled,
            (CampaignState.Settled, LifecycleAction.Close) => CampaignState.Closed,
            _ => null,
        };
        return to is { } target
            ? new LifecycleDecision(true, from, target, string.Empty)
            : new LifecycleDecision(false, from, from, $"cannot {action.ToString().ToLowerInvariant()} a campaign that is {Name(from)}; {Expected(action)}");
    }

    /// <summary>Whether consumers may claim or merchants redeem in this state (rounds permitting).</summary>
    public static bool AcceptsClaimsAndRedemptions(CampaignState state) => state == CampaignState.Running;

    private static string Expected(LifecycleAction action) => action switch
    {
        LifecycleAction.Publish => "only a DRAFT can be published",
        LifecycleAction.Start => "only a PUBLISHED campaign can start",
        LifecycleAction.Pause => "only a RUNNING campaign can be paused",
        LifecycleAction.Resume => "only a PAUSED campaign can resume",
        LifecycleAction.End => "only a RUNNING or PAUSED campaign can end",
        LifecycleAction.Settle => "only an ENDED campaign can be settled",
        LifecycleAction.Close => "only a SETTLED campaign can be closed",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}

/// <summary>Kinds of configuration change, grouped by what they may break once the public sees them.</summary>
public enum CampaignEdit
{
    /// <summary>Name, theme, organisers, description, policies: text and rules not promised per voucher.</summary>
    DescriptiveSettings,
    /// <summary>Code, time zone, period start, budget, funding sources, channel allocations.</summary>
    SettingsFixedAtPublication,
    /// <summary>Create, update or delete a tier (what consumers were promised).</summary>
    Tiers,
    /// <summary>The campaign-wide allocation table.</summary>
    AllocationPlan,
    /// <summary>Add a round whose opening is still ahead.</summary>
    ScheduleRound,
    /// <summary>Change, cancel or re-size a round that has not opened.</summary>
    UnopenedRound,
    /// <summary>Anything about a round that has opened other than adding returned stock.</summary>
    OpenedRound,
    /// <summary>Limits, person keys, mode, geo-fence, block-list enforcement.</summary>
    ClaimRules,
    /// <summary>Register and approve merchants, bind staff.</summary>
    MerchantOnboarding,
    /// <summary>Suspend a merchant (fraud found late still holds its payouts).</summary>
    MerchantSuspension,
}

public sealed record EditDecision(bool Allowed, string Reason)
{
    public static EditDecision Allow { get; } = new(true, string.Empty);
}

/// <summary>One tier line of an opened round: quantity now and quantity asked for.</summary>
public sealed record StockTopUpLine(string TierId, string CategoryId, long FaceValueCents, long CurrentQuantity, long RequestedQuantity);

/// <summary>Which change is allowed in which state; refusals name the state, as FAILED_PRECONDITION must.</summary>
public static class CampaignEditRules
{
    /// <param name="anyRoundOpened">Whether some round of the campaign has opened (claim rules freeze then).</param>
    /// <param name="roundOpened">For round edits: whether that round has opened.</param>
    /// <param name="roundOpensAt">For <see cref="CampaignEdit.ScheduleRound"/>: the new round's opening.</param>
    public static EditDecision Check(
        CampaignState state,
        CampaignEdit edit,
        bool anyRoundOpened = false,
        bool roundOpened = false,
        DateTimeOffset? roundOpensAt = null,
        DateTimeOffset? now = null)
    {
        var name = CampaignLifecycle.Name(state);
        if (state is CampaignState.Settled or CampaignState.Closed)
        {
            return Refuse($"campaign is {name}: nothing can change any more");
        }

        if (state == CampaignState.Ended && edit != CampaignEdit.MerchantSuspension)
        {
            return Refuse($"campaign is {name}: only merchant suspensions are possible after the end");
        }

        switch (edit)
        {
            case CampaignEdit.SettingsFixedAtPublication or CampaignEdit.Tiers or CampaignEdit.AllocationPlan when state != CampaignState.Draft:
                return Refuse($"campaign is {name}: {Describe(edit)} can change only in DRAFT, because the public has seen them");
            case CampaignEdit.ClaimRules when anyRoundOpened:
                return Refuse($"campaign is {name} and a round has opened: claim rules in force never change under claimants");
            case CampaignEdit.UnopenedRound when roundOpened:
            case CampaignEdit.OpenedRound:
                return Refuse($"campaign is {name} and the round has opened: an opened round only grows from returned value (use a stock top-up)");
            case CampaignEdit.ScheduleRound when roundOpensAt is { } opens && now is { } current && opens <= current:
                return Refuse(string.Create(CultureInfo.InvariantCulture, $"campaign is {name}: a new round must open in the future, not at {opens:u}"));
            default:
                return EditDecision.Allow;
        }
    }

    /// <summary>
    /// An opened round's stock may only grow, and only by value that came back to the pool
    /// (expired or unclaimed vouchers): never shrink under people who saw it, never spend new money.
    /// </summary>
    public static EditDecision CheckOpenedRoundTopUp(CampaignState state, IReadOnlyList<StockTopUpLine> lines, long returnedValueAvailableCents)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var name = CampaignLifecycle.Name(state);
        if (state is not (CampaignState.Running or CampaignState.Paused))
        {
            return Refuse($"campaign is {name}: stock of an opened round can be topped up only while RUNNING or PAUSED");
        }

        var shrinking = lines.Where(l => l.RequestedQuantity < l.CurrentQuantity).ToList();
        if (shrinking.Count > 0)
        {
            return Refuse($"campaign is {name}: an opened round's stock cannot shrink ({string.Join(", ", shrinking.Select(l => string.Create(CultureInfo.InvariantCulture, $"tier '{l.TierId}' category '{l.CategoryId}' {l.CurrentQuantity} → {l.RequestedQuantity}")))})");
        }

        var addedValue = lines.Aggregate(0L, (sum, l) => checked(sum + ((l.RequestedQuantity - l.CurrentQuantity) * l.FaceValueCents)));
        return addedValue <= returnedValueAvailableCents
            ? EditDecision.Allow
            : Refuse($"campaign is {name}: the top-up adds {Money.FormatYuan(addedValue)} but only {Money.FormatYuan(returnedValueAvailableCents)} of returned value is in the pool");
    }

    private static EditDecision Refuse(string reason) => new(false, reason);

    private static string Describe(CampaignEdit edit) => edit switch
    {
        CampaignEdit.SettingsFixedAtPublication => "code, time zone, period start, budget, funding and channel allocations",
        CampaignEdit.Tiers => "tiers",
        _ => "the allocation plan",
    };
}
