extern alias redemptiontests;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using Settlement.Service.Tests.Infrastructure;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;
using Scenes = redemptiontests::Redemption.Service.Tests.Infrastructure.Scenes;
using Shop = redemptiontests::Redemption.Service.Tests.Infrastructure.Shop;

namespace Settlement.Service.Tests;

/// <summary>Projection and scheduling exactly once against the real Redemption feed: a killed copy, a restarted peer, replays, two copies on one schedule.</summary>
[Collection(SettlementCollection.Name)]
public class ExactlyOnceTests(RedemptionWorld services)
{
    private static readonly Dictionary<string, string?> SmallBatches = new() { ["Settlement:Feeds:BatchSize"] = "5" };

    /// <summary>The campaign's projected rows and distinct redemptions, read straight from settlementdb (no copy need be running).</summary>
    private static async Task<(long Rows, long Distinct)> ProjectedAsync(string connectionString, string campaignId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT redemption_id) FROM redemptions WHERE campaign_id = @campaign", connection);
        command.Parameters.AddWithValue("campaign", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long> StoredSequenceAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sequence FROM feed_cursors WHERE feed = 'redemption'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Vouchers of t-100 claimed and redeemed at one shop on 2023-04-22 (several at a time, as tills do).</summary>
    private static async Task<List<RedemptionRecord>> RedeemManyAsync(World world, Shop shop, string s5, int count)
    {
        var redeemed = new List<RedemptionRecord>();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(5))
        {
            redeemed.AddRange(await Task.WhenAll(chunk.Select(_ => world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 22, 11), 120_000, "appliances", itemCents: 100_000))));
        }

        return redeemed;
    }

    /// <summary>
    /// Holds a SHARE lock on settlementdb's redemptions table until disposed: the follower's next batch then waits
    /// inside its transaction (cursor row locked, rows not yet written), which is where a crash hurts most.
    /// </summary>
    private sealed class ProjectionBlock : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;

        private ProjectionBlock(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            _connection = connection;
            _transaction = transaction;
        }

        public static async Task<ProjectionBlock> TakeAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE redemptions IN SHARE MODE", connection, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            return new ProjectionBlock(connection, transaction);
        }

        /// <summary>Waits until a projecting transaction is stuck behind the lock and returns its backend ids.</summary>
        public async Task<List<int>> WaitForBlockedBatchAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                await using var command = new NpgsqlCommand(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%INSERT INTO redemptions%'",
                    _connection,
                    _transaction);
                var blocked = new List<int>();
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        blocked.Add(reader.GetInt32(0));
                    }
                }

                if (blocked.Count > 0)
                {
                    return blocked;
                }

                Assert.True(DateTime.UtcNow < deadline, "the follower never reached a batch behind the lock");
                await Task.Delay(20);
            }
        }

        /// <summary>Drops the backends as a crashed process would: the server rolls their transactions back.</summary>
        public async Task TerminateAsync(IEnumerable<int> backends)
        {
            foreach (var pid in backends)
            {
                await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", _connection, _transaction);
                command.Parameters.AddWithValue("pid", pid);
                await command.ExecuteScalarAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _transaction.RollbackAsync();
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_projector_killed_while_applying_a_batch_stores_nothing_of_it_and_after_restart_counts_each_redemption_exactly_once()
    {
        await using var world = await World.StartAsync(services, SmallBatches);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        var before = await RedeemManyAsync(world, shop, s5, 12);
        world.Clock.Now = Shanghai(2023, 4, 22, 12);
        await world.WaitForFeedsAsync(s5);
        var sequenceBefore = await StoredSequenceAsync(world.Database.ConnectionString);
        Assert.Equal((12L, 12L), await ProjectedAsync(world.Database.ConnectionString, s5));

        // More redemptions arrive while the projector's next batch is stuck mid-transaction; then the copy dies.
        var block = await ProjectionBlock.TakeAsync(world.Database.ConnectionString);
        try
        {
            var after = await RedeemManyAsync(world, shop, s5, 18);
            Assert.Equal(30, before.Concat(after).Select(r => r.RedemptionId).Distinct().Count());
            var stuck = await block.WaitForBlockedBatchAsync();
            var killed = world.Host;
            await block.TerminateAsync(stuck);
            await world.StopHostAsync(killed);
        }
        finally
        {
            await block.DisposeAsync();
        }

        // Nothing of the batch in flight was stored: neither its rows nor a moved cursor.
        Assert.Equal((12L, 12L), await ProjectedAsync(world.Database.ConnectionString, s5));
        Assert.Equal(sequenceBefore, await StoredSequenceAsync(world.Database.ConnectionString));
        var restarted = await world.AddHostAsync(SmallBatches);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5, restarted);

        // Exactly Redemption's own records, each once at its current version, and settled once.
        var records = await world.RedemptionRecordsAsync(s5);
        Assert.Equal(30, records.Count);
        var contexts = restarted.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var rows = await db.Redemptions.Where(r => r.CampaignId == s5).Select(r => new { r.RedemptionId, r.Version, r.FaceValueCents }).ToListAsync();
            Assert.Equal(records.Select(r => (r.RedemptionId, r.Version, r.FaceValueCents)).Order(), rows.Select(r => (r.RedemptionId, r.Version, r.FaceValueCents)).Order());
        }

        var run = await restarted.Settlement.RunSettlementAsync(new RunSettlementRequest { RequestId = Guid.NewGuid().ToString(), Actor = Finance, CampaignId = s5, Kind = SettlementRunKind.Periodic, Period = Requests.ToWindow(Shanghai(2023, 4, 22), Shanghai(2023, 4, 24)) });
        Assert.Equal(30, run.Totals.RedemptionCount);
        Assert.Equal(30L * 8_500, run.Totals.NetPayableCents);
    }

    [Fact]
    public async Task A_batch_whose_database_connection_drops_mid_transaction_is_read_again_from_the_stored_cursor_without_loss_or_double_counting()
    {
        await using var world = await World.StartAsync(services, SmallBatches);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        var block = await ProjectionBlock.TakeAsync(world.Database.ConnectionString);
        try
        {
            await RedeemManyAsync(world, shop, s5, 15);
            await block.TerminateAsync(await block.WaitForBlockedBatchAsync());
            Assert.Equal((0L, 0L), await ProjectedAsync(world.Database.ConnectionString, s5));
        }
        finally
        {
            await block.DisposeAsync();
        }

        // The same copy goes on: it re-reads the feed from its stored cursor.
        world.Clock.Now = Shanghai(2023, 4, 22, 12);
        await world.WaitForFeedsAsync(s5);

        Assert.Equal(15, (await world.RedemptionRecordsAsync(s5)).Count);
        Assert.Equal((15L, 15L), await ProjectedAsync(world.Database.ConnectionString, s5));
    }

    [Fact]
    public async Task Replaying_a_batch_already_projected_changes_nothing()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        var redeemed = await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 22, 11), 120_000, "appliances", itemCents: 100_000);
        await world.RevokeAsync(redeemed);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        var events = await Scenes.FeedAsync(services, s5);
        Assert.Equal([RedemptionEventKind.Redeemed, RedemptionEventKind.Revoked], events.Select(e => e.Kind));
        var projection = world.Host.Services.GetRequiredService<RedemptionProjection>();

        var applied = await projection.ApplyAsync(events, CancellationToken.None);
        var appliedAgain = await projection.ApplyAsync([events[0]], CancellationToken.None);

        Assert.Equal(0, applied + appliedAgain);
        var contexts = world.Host.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var row = await db.Redemptions.SingleAsync(r => r.CampaignId == s5);
        Assert.Equal((short)RedemptionStatus.Revoked, row.Status);
        Assert.Equal(events[1].Sequence, row.FeedSequence);
    }

    [Fact]
    public async Task A_gap_in_the_feed_is_refused_rather_than_projected()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        var redeemed = await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 22, 11), 120_000, "appliances", itemCents: 100_000);
        world.Clock.Now = Shanghai(2023, 4, 22, 12);
        await world.WaitForFeedsAsync(s5);
        var stored = await StoredSequenceAsync(world.Database.ConnectionString);
        var projection = world.Host.Services.GetRequiredService<RedemptionProjection>();
        var gap = new RedemptionEvent { Sequence = stored + 5, Cursor = "after-a-gap", Kind = RedemptionEventKind.Redeemed, Redemption = redeemed };

        await Assert.ThrowsAsync<InvalidOperationException>(() => projection.ApplyAsync([gap], CancellationToken.None));
        Assert.Equal(stored, await StoredSequenceAsync(world.Database.ConnectionString));
    }

    [Fact]
    public async Task Two_copies_running_the_same_weekly_schedule_make_one_run()
    {
        await using var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var m1 = await world.ShopAsync(s5, "appliances");
        var m2 = await world.ShopAsync(s5, "appliances");
        await world.ClaimAndRedeemAsync(m1, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000);
        await world.ClaimAndRedeemAsync(m2, s5, "t-100", Shanghai(2023, 4, 23, 11), 150_000, "appliances", itemCents: 100_000);
        var other = await world.AddHostAsync();
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        await world.WaitForFeedsAsync(s5, other);
        var schedulers = new[] { world.Host, other }.Select(h => h.Services.GetRequiredService<SettlementScheduler>()).ToList();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => schedulers[i % 2].RunDueAsync(CancellationToken.None)));

        var runIds = answers.SelectMany(a => a).Where(r => r.CampaignId == s5).Select(r => r.RunId).Distinct().ToList();
        Assert.Single(runIds);
        var runs = await other.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = s5 });
        Assert.Equal(1, runs.Page.TotalSize);
        var batches = await other.Settlement.ListPayoutBatchesAsync(new ListPayoutBatchesRequest { CampaignId = s5 });
        Assert.Single(batches.Batches);
        Assert.Equal(17_000 + 8_500, batches.Batches[0].TotalCents);
    }

    [Fact]
    public async Task The_schedule_runs_by_itself_in_the_background_and_again_after_a_restart_makes_nothing_new()
    {
        await using var world = await World.StartAsync(services);
        var (s5, _) = await world.S5FirstWeekWithOneRedemptionAsync();
        var scheduled = new Dictionary<string, string?> { ["Settlement:Scheduler:Enabled"] = "true", ["Settlement:Scheduler:Interval"] = "00:00:00.100" };
        var first = await world.AddHostAsync(scheduled);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        ListSettlementRunsResponse runs;
        do
        {
            await Task.Delay(100);
            runs = await first.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = s5 });
        }
        while (runs.Runs.Count == 0 && DateTime.UtcNow < deadline);

        await world.StopHostAsync(first);
        var restarted = await world.AddHostAsync(scheduled);
        await Task.Delay(500);

        var after = await restarted.Settlement.ListSettlementRunsAsync(new ListSettlementRunsRequest { CampaignId = s5 });
        Assert.Equal(runs.Runs.Single().RunId, after.Runs.Single().RunId);
        Assert.Equal(SettlementScheduler.SchedulerActor, after.Runs[0].RunBy);
        Assert.Equal(17_000, after.Runs[0].Totals.NetPayableCents);
    }
}
