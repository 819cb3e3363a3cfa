using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class LifecycleTests
{
    public static TheoryData<CampaignState, LifecycleAction, CampaignState?> EveryStateAndAction()
    {
        var allowed = new Dictionary<(CampaignState, LifecycleAction), CampaignState>
        {
            [(CampaignState.Draft, LifecycleAction.Publish)] = CampaignState.Published,
            [(CampaignState.Published, LifecycleAction.Start)] = CampaignState.Running,
            [(CampaignState.Running, LifecycleAction.Pause)] = CampaignState.Paused,
            [(CampaignState.Paused, LifecycleAction.Resume)] = CampaignState.Running,
            [(CampaignState.Running, LifecycleAction.End)] = CampaignState.Ended,
            [(CampaignState.Paused, LifecycleAction.End)] = CampaignState.Ended,
            [(CampaignState.Ended, LifecycleAction.Settle)] = CampaignState.Settled,
            [(CampaignState.Settled, LifecycleAction.Close)] = CampaignState.Closed,
        };
        var data = new TheoryData<CampaignState, LifecycleAction, CampaignState?>();
        foreach (var state in Enum.GetValues<CampaignState>())
        {
            foreach (var action in Enum.GetValues<LifecycleAction>())
            {
                data.Add(state, action, allowed.TryGetValue((state, action), out var to) ? to : null);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void Every_state_and_action_follows_the_lifecycle_table(CampaignState from, LifecycleAction action, CampaignState? expected)
    {
        var decision = CampaignLifecycle.Apply(from, action);

        Assert.Equal(expected is not null, decision.Allowed);
        Assert.Equal(expected ?? from, decision.To);
        if (expected is null)
        {
            Assert.Contains($"is {from.ToString().ToUpperInvariant()}", decision.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_full_life_walks_every_state_once()
    {
        var state = CampaignState.Draft;
        foreach (var action in new[] { LifecycleAction.Publish, LifecycleAction.Start, LifecycleAction.Pause, LifecycleAction.Resume, LifecycleAction.End, LifecycleAction.Settle, LifecycleAction.Close })
        {
            var decision = CampaignLifecycle.Apply(state, action);
            Assert.True(decision.Allowed, decision.Reason);
            state = decision.To;
        }

        Assert.Equal(CampaignState.Closed, state);
        Assert.Equal("cannot pause a campaign that is CLOSED; only a RUNNING campaign can be paused", CampaignLifecycle.Apply(state, LifecycleAction.Pause).Reason);
    }

    [Theory]
    [InlineData(CampaignState.Running, true)]
    [InlineData(CampaignState.Paused, false)]
    [InlineData(CampaignState.Published, false)]
    [InlineData(CampaignState.Ended, false)]
    public void Only_a_running_campaign_accepts_claims_and_redemptions(CampaignState state, bool accepts)
    {
        Assert.Equal(accepts, CampaignLifecycle.AcceptsClaimsAndRedemptions(state));
    }

    [Theory]
    [InlineData(CampaignState.Draft, CampaignEdit.Tiers, true)]
    [InlineData(CampaignState.Published, CampaignEdit.Tiers, false)]
    [InlineData(CampaignState.Running, CampaignEdit.Tiers, false)]
    [InlineData(CampaignState.Draft, CampaignEdit.SettingsFixedAtPublication, true)]
    [InlineData(CampaignState.Published, CampaignEdit.SettingsFixedAtPublication, false)]
    [InlineData(CampaignState.Draft, CampaignEdit.AllocationPlan, true)]
    [InlineData(CampaignState.Paused, CampaignEdit.AllocationPlan, false)]
    [InlineData(CampaignState.Running, CampaignEdit.DescriptiveSettings, true)]
    [InlineData(CampaignState.Ended, CampaignEdit.DescriptiveSettings, false)]
    [InlineData(CampaignState.Running, CampaignEdit.UnopenedRound, true)]
    [InlineData(CampaignState.Running, CampaignEdit.OpenedRound, false)]
    [InlineData(CampaignState.Draft, CampaignEdit.OpenedRound, false)]
    [InlineData(CampaignState.Published, CampaignEdit.ClaimRules, true)]
    [InlineData(CampaignState.Running, CampaignEdit.MerchantOnboarding, true)]
    [InlineData(CampaignState.Ended, CampaignEdit.MerchantOnboarding, false)]
    [InlineData(CampaignState.Ended, CampaignEdit.MerchantSuspension, true)]
    [InlineData(CampaignState.Settled, CampaignEdit.MerchantSuspension, false)]
    [InlineData(CampaignState.Closed, CampaignEdit.DescriptiveSettings, false)]
    [InlineData(CampaignState.Paused, CampaignEdit.ScheduleRound, true)]
    public void Edits_are_allowed_by_state(CampaignState state, CampaignEdit edit, bool allowed)
    {
        var decision = CampaignEditRules.Check(state, edit);

        Assert.Equal(allowed, decision.Allowed);
        if (!allowed)
        {
            Assert.Contains($"campaign is {state.ToString().ToUpperInvariant()}", decision.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Claim_rules_freeze_once_a_round_has_opened()
    {
        var decision = CampaignEditRules.Check(CampaignState.Running, CampaignEdit.ClaimRules, anyRoundOpened: true);

        Assert.False(decision.Allowed);
        Assert.Equal("campaign is RUNNING and a round has opened: claim rules in force never change under claimants", decision.Reason);
        Assert.True(CampaignEditRules.Check(CampaignState.Running, CampaignEdit.ClaimRules, anyRoundOpened: false).Allowed);
    }

    [Fact]
    public void An_unopened_round_edit_is_refused_once_that_round_opened()
    {
        Assert.False(CampaignEditRules.Check(CampaignState.Running, CampaignEdit.UnopenedRound, roundOpened: true).Allowed);
    }

    [Fact]
    public void A_new_round_must_open_in_the_future()
    {
        var now = new DateTimeOffset(2023, 4, 30, 0, 0, 0, TimeSpan.Zero);

        Assert.False(CampaignEditRules.Check(CampaignState.Running, CampaignEdit.ScheduleRound, roundOpensAt: now, now: now).Allowed);
        Assert.True(CampaignEditRules.Check(CampaignState.Running, CampaignEdit.ScheduleRound, roundOpensAt: now.AddMinutes(1), now: now).Allowed);
    }

    [Theory]
    [InlineData(500, 600, 10_000, true)] // +100 × 100 yuan = 10,000 yuan: exactly the pool
    [InlineData(500, 601, 10_000, false)]
    [InlineData(500, 500, 0, true)]
    [InlineData(500, 499, 1_000_000, false)]
    public void An_opened_round_grows_only_from_returned_value(long current, long requested, long poolYuan, bool allowed)
    {
        StockTopUpLine[] lines = [new("100", "fuel", Y(100), current, requested), new("50", "fuel", Y(50), 10, 10)];

        var decision = CampaignEditRules.CheckOpenedRoundTopUp(CampaignState.Running, lines, Y(poolYuan));

        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Top_up_refusals_name_the_state_and_the_amounts()
    {
        StockTopUpLine[] lines = [new("100", "fuel", Y(100), 5, 7)];

        Assert.Equal("campaign is RUNNING: the top-up adds 200.00 but only 199.99 of returned value is in the pool",
            CampaignEditRules.CheckOpenedRoundTopUp(CampaignState.Running, lines, Y(200) - 1).Reason);
        Assert.Equal("campaign is ENDED: stock of an opened round can be topped up only while RUNNING or PAUSED",
            CampaignEditRules.CheckOpenedRoundTopUp(CampaignState.Ended, lines, Y(1_000)).Reason);
        Assert.Contains("tier '100' category 'fuel' 5 → 4",
            CampaignEditRules.CheckOpenedRoundTopUp(CampaignState.Paused, [lines[0] with { RequestedQuantity = 4 }], Y(1_000)).Reason, StringComparison.Ordinal);
    }
}
