using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Tests;

/// <summary>
/// ProposeRoundResize with RESIZE_STRATEGY_BY_USAGE: the earlier round's tier mix weighted by
/// used / claimed from the request's usage, spread by largest remainder, never above what is available.
/// </summary>
public class RoundResizeProposalTests(CampaignServiceFixture fixture) : IClassFixture<CampaignServiceFixture>
{
    private CampaignServiceHost Host => fixture.Host;

    private static TierCategoryUsage Usage(string tier, long claimed, long used, string category = "") =>
        new() { TierId = tier, CategoryId = category, ClaimedCount = claimed, UsedCount = used };

    private static CategoryAmount Available(long cents, string category = "") => new() { CategoryId = category, AmountCents = cents };

    private static List<(string Tier, string Category, string Channel, long Quantity)> Cells(AllocationMatrix matrix) =>
        matrix.Cells.Select(c => (c.TierId, c.CategoryId, c.ChannelId, c.Quantity)).ToList();

    private static long ValueOf(AllocationMatrix matrix, CampaignDetails campaign) =>
        matrix.Cells.Sum(c => c.Quantity * campaign.Tiers.Single(t => t.TierId == c.TierId).FaceValueCents);

    [Fact]
    public async Task By_usage_weights_batch_1_tiers_by_used_over_claimed_and_spreads_the_value_to_the_cent()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-by-usage");

        // Batch 1 offered 2000/1500/3000/1000/200/200 of t-10/20/50/100/200/300. Weights (offer × used ÷ claimed × face):
        // t-100 900 × ¥100 = ¥90,000; t-50 600 × ¥50 = ¥30,000; t-20 1500 × ¥20 = ¥30,000; t-10 1000 × ¥10 = ¥10,000;
        // t-200 nobody used; t-300 reported nothing. Σ ¥160,000.
        // ¥12,345.67 by largest remainder: 694,443.94 / 231,481.31 / 231,481.31 / 77,160.44 cents -> 694,444 / 231,481 / 231,481 / 77,161;
        // whole vouchers 69 / 46 / 115 / 77 leave 4,444 + 1,481 + 1,481 + 161 = 7,567 cents, which fill
        // one more t-50 (2,567 left) and one more t-20 (567 left, less than the smallest face).
        var proposal = await Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = s1.Id,
            RoundId = "batch-2",
            BasedOnRoundId = "batch-1",
            Strategy = ResizeStrategy.ByUsage,
            AvailableValueByCategory = { Available(1_234_567) },
            Usage =
            {
                Usage("t-10", 2000, 1000), Usage("t-20", 1500, 1500), Usage("t-50", 3000, 600),
                Usage("t-100", 1000, 900), Usage("t-200", 200, 0),
            },
        });

        (string, string, string, long)[] expected = [("t-100", "", "", 69), ("t-50", "", "", 47), ("t-20", "", "", 116), ("t-10", "", "", 77)];
        Assert.Equal(expected, Cells(proposal.ProposedAllocation));
        var unallocated = Assert.Single(proposal.UnallocatedValueByCategory);
        Assert.Equal(("", 567L), (unallocated.CategoryId, unallocated.AmountCents));
        Assert.Equal(1_234_000, ValueOf(proposal.ProposedAllocation, s1.Details));

        // SAME_MIX on the same input ignores usage: every batch-1 tier gets a share, t-200 and t-300 included.
        var sameMix = await Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = s1.Id,
            RoundId = "batch-2",
            BasedOnRoundId = "batch-1",
            Strategy = ResizeStrategy.SameMix,
            AvailableValueByCategory = { Available(1_234_567) },
            Usage = { Usage("t-200", 200, 0) },
        });
        Assert.Contains(sameMix.ProposedAllocation.Cells, c => c.TierId == "t-200" && c.Quantity > 0);
        Assert.Contains(sameMix.ProposedAllocation.Cells, c => c.TierId == "t-300" && c.Quantity > 0);
        Assert.True(ValueOf(sameMix.ProposedAllocation, s1.Details) <= 1_234_567);

        // Reading only: the round is unchanged until ResizeRound applies a proposal.
        await s1.RefreshAsync();
        Assert.Empty(s1.Details.Rounds.Single(r => r.RoundId == "batch-2").Allocation.Cells);
    }

    [Fact]
    public async Task By_usage_sums_usage_reported_in_parts_adds_to_the_targets_cells_and_keeps_their_channels()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var campaign = await Seeds.CreateAsync(Host.Campaigns, Seeds.S1Settings("huating-by-usage-channels"));
        await campaign.TierAsync(Seeds.Tier("t-50", 150, 50));
        await campaign.TierAsync(Seeds.Tier("t-100", 400, 100));
        await campaign.PlanAsync(Seeds.Matrix(
            Seeds.Cell("t-100", 610, channel: "unionpay"), Seeds.Cell("t-100", 400, channel: "bestpay"),
            Seeds.Cell("t-50", 2000, channel: "unionpay"), Seeds.Cell("t-50", 1000, channel: "bestpay")));
        await campaign.RoundAsync(Seeds.Round("batch-1", "第一批", Seeds.At(2023, 3, 1, 10), Seeds.At(2023, 3, 14, 24), Seeds.DaysFromClaim(7), Seeds.Matrix(
            Seeds.Cell("t-100", 600, channel: "unionpay"), Seeds.Cell("t-100", 400, channel: "bestpay"),
            Seeds.Cell("t-50", 2000, channel: "unionpay"), Seeds.Cell("t-50", 1000, channel: "bestpay"))));
        await campaign.RoundAsync(Seeds.Round("batch-2", "第二批", Seeds.At(2023, 3, 15, 10), Seeds.At(2023, 3, 24, 24), Seeds.DaysFromClaim(7), Seeds.Matrix(
            Seeds.Cell("t-100", 10, channel: "unionpay"))));

        // Batch 1 per tier over both channels: t-100 1000 offered, 800 of 1000 used -> 800 × ¥100 = ¥80,000;
        // t-50 3000 offered, 1500 of 3000 used -> 1500 × ¥50 = ¥75,000. ¥10,000.55 splits 16/31 : 15/31 into
        // 516,157 (rem 13/31) and 483,897 (rem 18/31) cents, the spare cent to t-50: 51 and 96 whole vouchers
        // leave 6,157 + 3,898 = 10,055 cents, one more t-100 and 55 cents unallocated.
        var proposal = await Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = campaign.Id,
            RoundId = "batch-2",
            BasedOnRoundId = "batch-1",
            Strategy = ResizeStrategy.ByUsage,
            AvailableValueByCategory = { Available(1_000_055) },
            Usage = { Usage("t-100", 600, 500), Usage("t-100", 400, 300), Usage("t-50", 3000, 1500) },
        });

        (string, string, string, long)[] expected = [("t-100", "", "", 52), ("t-100", "", "unionpay", 10), ("t-50", "", "", 96)];
        Assert.Equal(expected, Cells(proposal.ProposedAllocation));
        Assert.Equal(55, Assert.Single(proposal.UnallocatedValueByCategory).AmountCents);

        // The proposal is a valid allocation for the round as it stands.
        var resized = await Host.Campaigns.ResizeRoundAsync(new ResizeRoundRequest
        {
            CampaignId = campaign.Id, ExpectedVersion = campaign.Version, Actor = Seeds.Operator, RoundId = "batch-2", BasedOnRoundId = "batch-1",
            Allocation = proposal.ProposedAllocation, Reason = "第二批按第一批核销率调整", ReturnedValueByCategory = { Available(1_000_055) },
        });
        Assert.Equal(expected.Order(), Cells(resized.Rounds.Single(r => r.RoundId == "batch-2").Allocation).Order());
    }

    [Fact]
    public async Task By_usage_with_no_tier_used_proposes_nothing_and_leaves_all_the_value_unallocated()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-by-usage-unused");

        var proposal = await Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = s1.Id,
            RoundId = "batch-2",
            BasedOnRoundId = "batch-1",
            Strategy = ResizeStrategy.ByUsage,
            AvailableValueByCategory = { Available(Seeds.Yuan(5_000)) },
            Usage = { Usage("t-50", 3000, 0), Usage("t-100", 0, 0) },
        });

        Assert.Empty(proposal.ProposedAllocation.Cells);
        Assert.Equal(Seeds.Yuan(5_000), Assert.Single(proposal.UnallocatedValueByCategory).AmountCents);
    }

    [Fact]
    public async Task By_usage_refuses_unknown_rounds_bad_usage_and_a_round_that_has_opened()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-by-usage-refusals");
        ProposeRoundResizeRequest Request(string round = "batch-2", string basedOn = "batch-1") => new()
        {
            CampaignId = s1.Id,
            RoundId = round,
            BasedOnRoundId = basedOn,
            Strategy = ResizeStrategy.ByUsage,
            AvailableValueByCategory = { Available(Seeds.Yuan(1_000)) },
            Usage = { Usage("t-50", 3000, 1500) },
        };

        var unknownRound = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(Request(round: "batch-9")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknownRound.StatusCode);
        Assert.Contains("batch-9", unknownRound.Status.Detail);
        var unknownBasis = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(Request(basedOn: "batch-0")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknownBasis.StatusCode);
        Assert.Contains("based_on_round_id", unknownBasis.Status.Detail);
        var unknownCampaign = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = "cmp-missing", RoundId = "batch-2", BasedOnRoundId = "batch-1", Strategy = ResizeStrategy.ByUsage,
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknownCampaign.StatusCode);

        var bad = Request();
        bad.Usage.Add(Usage("t-20", 10, 11));
        bad.Usage.Add(Usage("t-999", 1, 1));
        bad.Usage.Add(Usage("t-10", -1, 0));
        bad.AvailableValueByCategory.Add(Available(-5));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(bad).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("usage[1]: need 0 <= used_count <= claimed_count", invalid.Status.Detail);
        Assert.Contains("usage[2].tier_id: unknown tier 't-999'", invalid.Status.Detail);
        Assert.Contains("usage[3]: need 0 <= used_count <= claimed_count", invalid.Status.Detail);
        Assert.Contains("available_value_by_category", invalid.Status.Detail);

        var unspecified = Request();
        unspecified.Strategy = ResizeStrategy.Unspecified;
        var noStrategy = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(unspecified).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noStrategy.StatusCode);
        Assert.Contains("strategy", noStrategy.Status.Detail);

        // 2023-03-01 10:00 Beijing batch 1 opens: a proposal for it is refused, one for batch 2 still answers.
        Host.Clock.Now = Seeds.Beijing(2023, 3, 1, 10);
        var opened = await Assert.ThrowsAsync<RpcException>(() => Host.Campaigns.ProposeRoundResizeAsync(Request(round: "batch-1")).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, opened.StatusCode);
        Assert.Contains("round 'batch-1' has opened", opened.Status.Detail);
        var stillOpen = await Host.Campaigns.ProposeRoundResizeAsync(Request());
        Assert.Equal([("t-50", "", "", 20L)], Cells(stillOpen.ProposedAllocation));
    }
}
