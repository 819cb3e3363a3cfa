using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Tests;

/// <summary>S1–S5 configured exactly as DOMAIN.md lists them, through the gRPC contract.</summary>
public class SeedScenarioTests(CampaignServiceFixture fixture) : IClassFixture<CampaignServiceFixture>
{
    private CampaignServiceHost Host => fixture.Host;

    [Fact]
    public async Task S1_Huating_balances_publishes_runs_pauses_resumes_and_its_snapshot_carries_the_configuration()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 2, 1);
        var s1 = await Seeds.ConfigureS1Async(Host.Campaigns, "huating-2023-s1");

        var check = await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = s1.Id });
        Assert.True(check.Balanced, string.Join("; ", check.Discrepancies.Select(d => d.Message)));
        Assert.Equal(Seeds.Yuan(400_000), check.PlanTotalCents);
        Assert.Equal(7900, check.PlanTotalCount);

        var published = await s1.PublishAsync();
        Assert.Equal(CampaignState.Published, published.State);
        var snapshot = await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s1.Id });
        Assert.Equal(CampaignState.Published, snapshot.Campaign.State);
        Assert.Equal(6, snapshot.Campaign.Tiers.Count);
        Assert.Equal(2, snapshot.Campaign.Rounds.Count);
        Assert.Equal(Seeds.Beijing(2023, 3, 1, 10), snapshot.Campaign.Rounds[0].ClaimOpensAtUtc.ToDateTimeOffset());
        Assert.Equal(Seeds.Beijing(2023, 4, 1), snapshot.Campaign.PeriodEndUtc.ToDateTimeOffset());
        Assert.Equal(7, snapshot.Campaign.Rounds[0].Validity.DaysFromClaim.Days);
        Assert.Contains(snapshot.Categories, c => c.CategoryId == "catering");

        // The schedule starts it at the period start.
        Host.Clock.Now = Seeds.Beijing(2023, 3, 1, 10, 30);
        await WaitForStateAsync(s1, CampaignState.Running);
        Assert.Equal(RoundState.Open, s1.Details.Rounds[0].State);

        await Assert.ThrowsAsync<RpcException>(() => s1.TransitionAsync(r => Host.Campaigns.PauseCampaignAsync(r), reason: ""));
        var paused = await s1.TransitionAsync(r => Host.Campaigns.PauseCampaignAsync(r), "系统维护");
        Assert.Equal(CampaignState.Paused, paused.State);
        Assert.Equal("系统维护", paused.PauseReason);
        var resumed = await s1.TransitionAsync(r => Host.Campaigns.ResumeCampaignAsync(r));
        Assert.Equal(CampaignState.Running, resumed.State);

        // Batch 2 sized after batch 1 from its leftovers (¥10,000 of 50-yuan vouchers came back).
        var returned = new Vouchers.Common.V1.CategoryAmount { CategoryId = "", AmountCents = Seeds.Yuan(10_000) };
        var proposal = await Host.Campaigns.ProposeRoundResizeAsync(new ProposeRoundResizeRequest
        {
            CampaignId = s1.Id, RoundId = "batch-2", BasedOnRoundId = "batch-1", Strategy = ResizeStrategy.SameMix, AvailableValueByCategory = { returned },
        });
        Assert.Equal(Seeds.Yuan(10_000), proposal.ProposedAllocation.Cells.Sum(c => c.Quantity * s1.Details.Tiers.Single(t => t.TierId == c.TierId).FaceValueCents)
            + proposal.UnallocatedValueByCategory.Sum(u => u.AmountCents));
        var resized = await Host.Campaigns.ResizeRoundAsync(new ResizeRoundRequest
        {
            CampaignId = s1.Id, ExpectedVersion = s1.Version, Actor = Seeds.Operator, RoundId = "batch-2", BasedOnRoundId = "batch-1",
            Allocation = proposal.ProposedAllocation, Reason = "第二批根据第一批使用情况和市场反馈调整", ReturnedValueByCategory = { returned },
        });
        Assert.Equal("batch-1", resized.Rounds[1].Resize.BasedOnRoundId);
        Assert.Equal(Seeds.Operator.ActorId, resized.Rounds[1].Resize.ResizedBy.ActorId);

        var ended = await new Seeds.Configured(Host.Campaigns, resized).TransitionAsync(r => Host.Campaigns.EndCampaignAsync(r), "提前结束");
        Assert.Equal(CampaignState.Ended, ended.State);
        var configured = new Seeds.Configured(Host.Campaigns, ended);
        Assert.Equal(CampaignState.Settled, (await configured.TransitionAsync(r => Host.Campaigns.MarkCampaignSettledAsync(r), actor: Seeds.Finance)).State);
        Assert.Equal(CampaignState.Closed, (await configured.TransitionAsync(r => Host.Campaigns.CloseCampaignAsync(r))).State);
    }

    [Fact]
    public async Task S2_Qianan_as_printed_is_refused_with_every_wrong_subtotal_and_the_corrected_table_publishes()
    {
        Host.Clock.Now = Seeds.Beijing(2022, 5, 1);
        var printed = await Seeds.ConfigureS2Async(Host.Campaigns, asPrinted: true, "qianan-2022-printed");
        var check = await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = printed.Id });

        Assert.False(check.Balanced);
        Assert.Equal(Seeds.Yuan(1_570_000), check.PlanTotalCents);
        Assert.Equal(20450, check.PlanTotalCount);
        Assert.Equal(0, check.DifferenceCents);
        var found = check.Discrepancies.Select(d => (d.Item, d.Axis, d.Key, d.Unit, d.Expected, d.Computed, d.Difference)).ToList();
        (BudgetCheckItem, AllocationAxis, string, BudgetUnit, long, long, long)[] expected =
        [
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-50", BudgetUnit.Count, 10800, 9800, -1000),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-50", BudgetUnit.Cents, Seeds.Yuan(540_000), Seeds.Yuan(490_000), Seeds.Yuan(-50_000)),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-100", BudgetUnit.Count, 5600, 5100, -500),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-100", BudgetUnit.Cents, Seeds.Yuan(560_000), Seeds.Yuan(510_000), Seeds.Yuan(-50_000)),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-200", BudgetUnit.Count, 1500, 1750, 250),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-200", BudgetUnit.Cents, Seeds.Yuan(300_000), Seeds.Yuan(350_000), Seeds.Yuan(50_000)),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-500", BudgetUnit.Count, 200, 300, 100),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Tier, "t-500", BudgetUnit.Cents, Seeds.Yuan(100_000), Seeds.Yuan(150_000), Seeds.Yuan(50_000)),
            (BudgetCheckItem.DeclaredTotal, AllocationAxis.Grand, "", BudgetUnit.Count, 15950, 20450, 4500),
        ];
        Assert.Equal(expected.Order().ToList(), found.Order().ToList());
        Assert.Contains(check.Discrepancies, d => d.Message == "row t-50 count: printed 10,800, cells sum to 9,800, difference -1,000");

        var refusal = await Assert.ThrowsAsync<RpcException>(() => printed.PublishAsync());
        Assert.Equal(StatusCode.FailedPrecondition, refusal.StatusCode);
        Assert.Contains("does not balance (9 discrepancies", refusal.Status.Detail);
        Assert.Contains("row t-200 amount: printed 300,000.00, cells sum to 350,000.00", refusal.Status.Detail);

        var corrected = await Seeds.ConfigureS2Async(Host.Campaigns, asPrinted: false, "qianan-2022");
        Assert.True((await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = corrected.Id })).Balanced);
        var published = await corrected.PublishAsync();
        Assert.Equal(CampaignState.Published, published.State);
        Assert.Equal(7, published.Rounds.Count);
        Assert.Equal(ClaimMode.LuckyDraw, published.ClaimRules.Mode);
        Assert.Equal(Seeds.Beijing(2022, 6, 26, 9), published.Rounds[5].ClaimOpensAtUtc.ToDateTimeOffset());
        Assert.Equal(30000, published.Tiers[0].MinimumSpend.FaceValueMultipleBasisPoints);

        // A candidate plan can be checked without saving it: the printed one still fails.
        var candidate = await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = corrected.Id, CandidatePlan = Seeds.S2Plan(asPrinted: true) });
        Assert.Equal(9, candidate.Discrepancies.Count);
    }

    [Fact]
    public async Task S3_Youhao_keeps_geo_fence_person_keys_and_usage_hours_in_its_snapshot()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 4, 1);
        var s3 = await Seeds.ConfigureS3Async(Host.Campaigns);
        Assert.True((await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = s3.Id })).Balanced);
        await s3.PublishAsync();
        var snapshot = await Host.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = s3.Id });
        var rules = snapshot.Campaign.ClaimRules;
        Assert.Equal(LimitScope.PerTierPerCampaign, rules.Limits.Single().Scope);
        Assert.Equal(4, rules.PersonKeys.Count);
        Assert.Equal(4, rules.GeoFence.Polygons[0].Vertices.Count);
        Assert.Equal(22, snapshot.Campaign.Rounds[0].DailyUsageHours.End.Hour);
        Assert.Equal(RefundPolicy.VoucherStaysUsed, snapshot.Campaign.Settings.RedemptionPolicy.RefundPolicy);
    }

    [Fact]
    public async Task S4_Qianan_2020_one_tier_once_publishes_with_the_local_products_tier()
    {
        Host.Clock.Now = Seeds.Beijing(2020, 9, 1);
        var s4 = await Seeds.ConfigureS4Async(Host.Campaigns);
        var check = await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = s4.Id });
        Assert.True(check.Balanced, string.Join("; ", check.Discrepancies.Select(d => d.Message)));
        Assert.Equal(Seeds.Yuan(2_000_000), check.PlanTotalCents);
        var published = await s4.PublishAsync();
        Assert.Equal(LimitScope.SingleTierPerCampaign, published.ClaimRules.Limits.Single().Scope);
        Assert.Equal(["produce.local"], published.Tiers.Single(t => t.TierId == "t-local-100").Categories.CategoryIds);
        Assert.Equal(RemainderPolicy.ReturnToTreasury, published.Settings.RemainderPolicy);
    }

    [Fact]
    public async Task S5_Zhangdian_two_batches_with_merchant_cofunding_and_a_per_transaction_cap()
    {
        Host.Clock.Now = Seeds.Beijing(2023, 4, 1);
        var s5 = await Seeds.ConfigureS5Async(Host.Campaigns);
        var check = await Host.Campaigns.CheckBudgetAsync(new CheckBudgetRequest { CampaignId = s5.Id });
        Assert.True(check.Balanced, string.Join("; ", check.Discrepancies.Select(d => d.Message)));
        var published = await s5.PublishAsync();
        Assert.Equal(Seeds.Yuan(30), published.Tiers.Single(t => t.TierId == "t-200").MerchantCofundingCents);
        Assert.Equal(Vouchers.Common.V1.SpendScope.SingleItem, published.Tiers[0].MinimumSpend.Scope);
        Assert.Equal(Seeds.Yuan(200), published.Settings.RedemptionPolicy.MaxVoucherValuePerTransactionCents);
        Assert.Equal(Seeds.Beijing(2023, 5, 1, 10), published.Rounds[1].ClaimOpensAtUtc.ToDateTimeOffset());
        Assert.Equal(new[] { 1, 2 }, published.Rounds.Select(r => r.Sequence));

        // A batch that would take more than the plan is refused with the excess.
        var excess = await Assert.ThrowsAsync<RpcException>(() => s5.RoundAsync(Seeds.Round("batch-3", "第三批", Seeds.At(2023, 5, 12, 10), Seeds.At(2023, 5, 15, 24), Seeds.DaysFromClaim(3), Seeds.Matrix(Seeds.Cell("t-100", 1)))));
        Assert.Equal(StatusCode.FailedPrecondition, excess.StatusCode);
        Assert.Contains("plan plus returned value allows 500,000.00", excess.Status.Detail);
    }

    private static async Task WaitForStateAsync(Seeds.Configured campaign, CampaignState state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await campaign.RefreshAsync();
            if (campaign.Details.State == state || DateTime.UtcNow > deadline)
            {
                Assert.Equal(state, campaign.Details.State);
                return;
            }

            await Task.Delay(100);
        }
    }
}
