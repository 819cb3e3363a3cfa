using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Campaign.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;

namespace Settlement.Service.Tests;

/// <summary>Projection and scheduling exactly once: broken streams, a killed copy, replays, two copies on one schedule.</summary>
public class ExactlyOnceTests
{
    private static async Task<(long Count, long Face, long Distinct)> ProjectedAsync(SettlementHost host)
    {
        var contexts = host.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return (await db.Redemptions.LongCountAsync(), await db.Redemptions.SumAsync(r => r.FaceValueCents), await db.Redemptions.Select(r => r.RedemptionId).Distinct().LongCountAsync());
    }

    [Fact]
    public async Task A_feed_stream_that_breaks_mid_batch_is_resumed_from_the_stored_cursor_without_loss_or_double_counting()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        world.Feeds.BreakAfter = 150;
        for (var i = 0; i < 500; i++)
        {
            world.Feeds.Redemption(Redeemed(campaign, "m1", i % 2 == 0 ? "t-200" : "t-100", Shanghai(2023, 4, 22, 11).AddSeconds(i), 250_000));
        }

        await world.Host.WaitForFeedsAsync(500, caughtUpTo: world.Clock.Now);

        Assert.Equal((500L, 250L * 20_000 + 250L * 10_000, 500L), await ProjectedAsync(world.Host));
        Assert.True(world.Feeds.StreamsOpened >= 4);
    }

    [Fact]
    public async Task A_copy_killed_while_projecting_leaves_a_state_the_next_copy_completes_exactly_and_settles_once()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        world.Feeds.PerEventDelay = TimeSpan.FromMilliseconds(2);
        for (var i = 0; i < 400; i++)
        {
            world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 22, 11).AddSeconds(i), 120_000));
        }

        var contexts = world.Host.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync();
            if (await db.Redemptions.AnyAsync())
            {
                break;
            }

            await Task.Delay(5);
        }

        await world.StopHostAsync(world.Host);
        world.Feeds.PerEventDelay = TimeSpan.Zero;
        var second = await world.AddHostAsync();
        await second.WaitForFeedsAsync(400, caughtUpTo: world.Clock.Now);

        Assert.Equal((400L, 400L * 10_000, 400L), await ProjectedAsync(second));
        var run = await second.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = campaign.CampaignId, Kind = SettlementRunKind.Periodic, Period = Requests.ToWindow(Shanghai(2023, 4, 22, 10), Shanghai(2023, 4, 24)) });
        Assert.Equal(400, run.Totals.RedemptionCount);
        Assert.Equal(400L * 8_500, run.Totals.NetPayableCents);
    }

    [Fact]
    public async Task Replaying_a_batch_already_projected_changes_nothing()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        var first = world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 22, 11), 120_000));
        var revoked = world.Feeds.Redemption(Revoked(first.Redemption), RedemptionEventKind.Revoked);
        await world.Host.WaitForFeedsAsync(2, caughtUpTo: world.Clock.Now);
        var projection = world.Host.Services.GetRequiredService<RedemptionProjection>();

        var applied = await projection.ApplyAsync([first, revoked], CancellationToken.None);
        var appliedAgain = await projection.ApplyAsync([first], CancellationToken.None);

        Assert.Equal(0, applied + appliedAgain);
        var contexts = world.Host.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var row = await db.Redemptions.SingleAsync();
        Assert.Equal((short)RedemptionStatus.Revoked, row.Status);
        Assert.Equal(2, row.FeedSequence);
    }

    [Fact]
    public async Task A_gap_in_the_feed_is_refused_rather_than_projected()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var projection = world.Host.Services.GetRequiredService<RedemptionProjection>();
        var campaign = S5(("m1", MerchantStatus.Approved));
        var gap = new RedemptionEvent { Sequence = 5, Cursor = "r5", Kind = RedemptionEventKind.Redeemed, Redemption = Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 22, 11), 1) };

        await Assert.ThrowsAsync<InvalidOperationException>(() => projection.ApplyAsync([gap], CancellationToken.None));
    }

    [Fact]
    public async Task Two_copies_running_the_same_weekly_schedule_make_one_run()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved), ("m2", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 22, 11), 250_000));
        world.Feeds.Redemption(Redeemed(campaign, "m2", "t-100", Shanghai(2023, 4, 23, 11), 150_000));
        var other = await world.AddHostAsync();
        await world.Host.WaitForFeedsAsync(2, caughtUpTo: world.Clock.Now);
        var schedulers = new[] { world.Host, other }.Select(h => h.Services.GetRequiredService<SettlementScheduler>()).ToList();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => schedulers[i % 2].RunDueAsync(CancellationToken.None)));

        var runIds = answers.SelectMany(a => a).Select(r => r.RunId).Distinct().ToList();
        Assert.Single(runIds);
        var runs = await other.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = campaign.CampaignId });
        Assert.Equal(1, runs.Page.TotalSize);
        var batches = await other.Settlement.ListPayoutBatchesAsync(new ListPayoutBatchesRequest { CampaignId = campaign.CampaignId });
        Assert.Single(batches.Batches);
        Assert.Equal(17_000 + 8_500, batches.Batches[0].TotalCents);
    }

    [Fact]
    public async Task The_schedule_runs_by_itself_in_the_background_and_again_after_a_restart_makes_nothing_new()
    {
        await using var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 22, 11), 250_000));
        var scheduled = new Dictionary<string, string?> { ["Settlement:Scheduler:Enabled"] = "true", ["Settlement:Scheduler:Interval"] = "00:00:00.100" };
        var first = await world.AddHostAsync(scheduled);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        ListSettlementRunsResponse runs;
        do
        {
            await Task.Delay(100);
            runs = await first.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = campaign.CampaignId });
        }
        while (runs.Runs.Count == 0 && DateTime.UtcNow < deadline);

        await world.StopHostAsync(first);
        var restarted = await world.AddHostAsync(scheduled);
        await Task.Delay(500);

        var after = await restarted.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = campaign.CampaignId });
        Assert.Equal(runs.Runs.Single().RunId, after.Runs.Single().RunId);
        Assert.Equal(SettlementScheduler.SchedulerActor, after.Runs[0].RunBy);
    }
}
