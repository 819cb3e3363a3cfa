using Campaign.Service.Domain;
using Microsoft.Extensions.Time.Testing;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Tests.Unit;

/// <summary>The lifecycle of the campaign aggregate on a fake clock: every move goes through CampaignLifecycle.</summary>
public class CampaignAggregateTests
{
    private readonly FakeTimeProvider _time = new(Seeds.Beijing(2023, 2, 1));

    [Fact]
    public void Publish_then_the_schedule_starts_at_the_period_start_and_ends_at_its_end()
    {
        var campaign = Drafts.S1(_time.GetUtcNow());
        Assert.Empty(campaign.MissingForPublication());
        campaign.Move(LifecycleAction.Publish, _time.GetUtcNow(), string.Empty);
        Assert.Equal(CampaignState.Published, campaign.State);
        Assert.Equal(_time.GetUtcNow(), campaign.Record.PublishedAt);
        Assert.Null(campaign.ScheduledMoveDue(_time.GetUtcNow()));

        _time.SetUtcNow(Seeds.Beijing(2023, 3, 1));
        Assert.Equal(LifecycleAction.Start, campaign.ScheduledMoveDue(_time.GetUtcNow()));
        campaign.Move(LifecycleAction.Start, _time.GetUtcNow(), "period started");
        Assert.Equal(CampaignState.Running, campaign.State);
        Assert.Equal(Seeds.Beijing(2023, 3, 1), campaign.Record.StartedAt);
        Assert.Null(campaign.ScheduledMoveDue(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(LifecycleAction.End, campaign.ScheduledMoveDue(_time.GetUtcNow()));
        campaign.Move(LifecycleAction.End, _time.GetUtcNow(), "period ended");
        Assert.Equal(CampaignState.Ended, campaign.State);
        Assert.Null(campaign.ScheduledMoveDue(_time.GetUtcNow()));
    }

    [Fact]
    public void A_pause_keeps_its_reason_and_a_resume_after_the_period_is_refused()
    {
        var campaign = Drafts.S1(_time.GetUtcNow());
        campaign.Move(LifecycleAction.Publish, _time.GetUtcNow(), string.Empty);
        _time.SetUtcNow(Seeds.Beijing(2023, 3, 2));
        campaign.Move(LifecycleAction.Start, _time.GetUtcNow(), string.Empty);
        campaign.Move(LifecycleAction.Pause, _time.GetUtcNow(), "核查");
        Assert.Equal("核查", campaign.ToDetails(_time.GetUtcNow()).PauseReason);

        _time.SetUtcNow(Seeds.Beijing(2023, 4, 2));
        var refused = Assert.Throws<FailedPreconditionException>(() => campaign.Move(LifecycleAction.Resume, _time.GetUtcNow(), string.Empty));
        Assert.StartsWith("campaign is PAUSED and its period ended at", refused.Message);
        Assert.Equal(CampaignState.Paused, campaign.State);
        Assert.Equal(LifecycleAction.End, campaign.ScheduledMoveDue(_time.GetUtcNow()));
    }

    [Fact]
    public void A_move_the_lifecycle_does_not_allow_is_refused_naming_the_state()
    {
        var campaign = Drafts.S1(_time.GetUtcNow());
        var refused = Assert.Throws<FailedPreconditionException>(() => campaign.Move(LifecycleAction.Pause, _time.GetUtcNow(), "x"));
        Assert.Equal("cannot pause a campaign that is DRAFT; only a RUNNING campaign can be paused", refused.Message);
        Assert.Equal(DomainErrorKind.FailedPrecondition, refused.Kind);
        Assert.Equal(CampaignState.Draft, campaign.State);
    }

    [Fact]
    public void An_empty_draft_names_what_it_lacks_before_publication()
    {
        var campaign = Drafts.Empty(_time.GetUtcNow());
        Assert.Equal(["no tier", "no round", "no claim rules"], campaign.MissingForPublication());
    }
}
