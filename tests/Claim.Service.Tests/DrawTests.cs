using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class DrawTests(ClaimFixture fixture)
{
    private static CampaignSnapshot DrawCampaign(long fifties, long hundreds, long twoHundreds)
    {
        var campaign = Campaign(
            [Tier("t50", 5000, 15000), Tier("t100", 10000, 30000), Tier("t200", 20000, 60000)],
            [Cell("t50", fifties, "fuel"), Cell("t100", hundreds, "fuel"), Cell("t200", twoHundreds, "fuel"), Cell("t50", 5, "books")],
            [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "cat", Scope = LimitScope.PerCategoryPerRound, MaxClaims = 1 }]);
        campaign.Campaign.ClaimRules.Mode = ClaimMode.LuckyDraw;
        return campaign;
    }

    private static DrawVoucherRequest Draw(CampaignSnapshot campaign, int person, string category = "fuel") =>
        new() { RequestId = Guid.NewGuid().ToString(), CampaignId = campaign.CampaignId, CategoryId = category, Person = Person(person) };

    [Fact]
    public async Task The_first_draws_follow_the_remaining_stock_of_the_category()
    {
        // 6000 : 3000 : 1000 stock; 1500 draws take little enough that the weights barely move.
        var h = await fixture.ResetAsync(Opens.AddMinutes(1), drawSeed: 20220601);
        var campaign = DrawCampaign(6000, 3000, 1000);
        await h.LoadAsync(campaign);

        var tiers = new List<string>();
        for (var i = 0; i < 1500; i++)
        {
            tiers.Add((await h.Engine.DrawAsync(Draw(campaign, i))).Voucher.TierId);
        }

        var observed = new[] { "t50", "t100", "t200" }.Select(t => (double)tiers.Count(x => x == t)).ToArray();
        var expected = new[] { 0.6, 0.3, 0.1 }.Select(p => p * 1500).ToArray();
        var chiSquare = observed.Zip(expected, (o, e) => (o - e) * (o - e) / e).Sum();
        Assert.True(chiSquare < 13.8, $"chi-square {chiSquare:F2} with 2 degrees of freedom exceeds the 0.001 critical value; observed {string.Join(", ", observed)}");
    }

    [Fact]
    public async Task A_tier_with_nothing_left_never_comes_up_and_an_empty_category_is_sold_out()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = DrawCampaign(0, 20, 0);
        await h.LoadAsync(campaign);

        var outcomes = new List<ClaimOutcome>();
        for (var i = 0; i < 25; i++)
        {
            outcomes.Add(await h.Engine.DrawAsync(Draw(campaign, i)));
        }

        Assert.Equal(20, outcomes.Count(o => o.Voucher?.TierId == "t100"));
        Assert.Equal(20, outcomes.Count(o => o.Voucher is not null));
        Assert.All(outcomes.Skip(20), o => Assert.Equal(ClaimRefusalReason.SoldOut, o.Refusal.Reason));
        Assert.All(outcomes.Where(o => o.Voucher is not null), o => Assert.Equal("fuel", o.Voucher.CategoryId));
    }

    [Fact]
    public async Task One_draw_per_category_per_round_and_bad_draws_are_errors()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = DrawCampaign(10, 10, 10);
        await h.LoadAsync(campaign);

        Assert.NotNull((await h.Engine.DrawAsync(Draw(campaign, 1))).Voucher);
        Assert.Equal(ClaimRefusalReason.LimitReached, (await h.Engine.DrawAsync(Draw(campaign, 1))).Refusal.Reason);
        Assert.NotNull((await h.Engine.DrawAsync(Draw(campaign, 1, "books"))).Voucher);

        Assert.Equal(StatusCode.NotFound, (await Refusals.ThrowsAsync(() => h.Engine.DrawAsync(Draw(campaign, 2, "lodging")))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refusals.ThrowsAsync(() => h.Engine.DrawAsync(Draw(campaign, 2, "")))).StatusCode);
        var claim = await Refusals.ThrowsAsync(() => h.Engine.ClaimAsync(ClaimFor(campaign, Person(3), "t50", category: "fuel")));
        Assert.Equal(StatusCode.FailedPrecondition, claim.StatusCode);
    }
}
