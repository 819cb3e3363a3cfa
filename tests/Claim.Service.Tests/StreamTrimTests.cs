using Claim.Service.Admin;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Recovery;
using Claim.Service.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class StreamTrimTests(ClaimFixture fixture)
{
    private static IssuedStreamTrimmer Trimmer(Harness h) => new(h.Redis, h.Options, h.Clock, NullLogger<IssuedStreamTrimmer>.Instance);

    private static string StreamKey(Harness h) => h.Options.Value.IssuedStreamKey;

    private static string Group(Harness h) => h.Options.Value.PersisterGroup;

    [Fact]
    public async Task Once_every_claim_is_persisted_a_trim_empties_the_stream_and_later_claims_are_still_persisted()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 400)]);
        await h.LoadAsync(campaign);
        var first = await ClaimManyAsync(h, campaign, 0, 300);
        await h.PersistAllAsync();

        Assert.Equal(300, await Trimmer(h).TrimOnceAsync());
        Assert.Equal(0, await h.Redis.StreamLengthAsync(StreamKey(h)));

        var second = await ClaimManyAsync(h, campaign, 300, 50);
        await h.PersistAllAsync();
        await AssertPersistedExactlyAsync(h, [.. first, .. second]);
        Assert.Equal(50, await Trimmer(h).TrimOnceAsync());
        Assert.Equal(0, await h.Redis.StreamLengthAsync(StreamKey(h)));
    }

    [Fact]
    public async Task Entries_a_crashed_consumer_left_pending_and_entries_not_yet_read_survive_the_trim_and_are_persisted_later()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 300)]);
        await h.LoadAsync(campaign);
        var issued = await ClaimManyAsync(h, campaign, 0, 300);
        var healthy = h.Persister("healthy");
        await healthy.EnsureGroupAsync();

        // Entries 1-50 persisted, 51-150 read by a consumer that then dies, 151-200 persisted, 201-300 not read by anyone.
        await PersistNextAsync(h, healthy, 50);
        var stranded = await h.Redis.StreamReadGroupAsync(StreamKey(h), Group(h), "doomed", ">", 100);
        Assert.Equal(100, stranded.Length);
        await PersistNextAsync(h, healthy, 50);
        var all = await h.Redis.StreamRangeAsync(StreamKey(h));

        Assert.Equal(50, await Trimmer(h).TrimOnceAsync());

        var left = await h.Redis.StreamRangeAsync(StreamKey(h));
        Assert.Equal(all.Skip(50).Select(e => e.Id), left.Select(e => e.Id));
        Assert.Equal(stranded[0].Id, left[0].Id);
        var pending = await h.Redis.StreamPendingAsync(StreamKey(h), Group(h));
        Assert.Equal(100, pending.PendingMessageCount);

        await Task.Delay(h.Options.Value.PersisterTakeoverIdle + TimeSpan.FromMilliseconds(100));
        await h.PersistAllAsync();

        await AssertPersistedExactlyAsync(h, issued);
        Assert.Equal(250, await Trimmer(h).TrimOnceAsync());
        Assert.Equal(0, await h.Redis.StreamLengthAsync(StreamKey(h)));
    }

    [Fact]
    public async Task Nothing_is_trimmed_while_no_consumer_has_read_the_entries()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 100)]);
        await h.LoadAsync(campaign);
        await ClaimManyAsync(h, campaign, 0, 100);

        // Before the persister ever started: the stream has no group yet.
        Assert.Equal(0, await Trimmer(h).TrimOnceAsync());
        await h.Persister("late").EnsureGroupAsync();
        Assert.Equal(0, await Trimmer(h).TrimOnceAsync());

        Assert.Equal(100, await h.Redis.StreamLengthAsync(StreamKey(h)));
    }

    [Fact]
    public async Task A_second_consumer_group_that_has_not_caught_up_holds_the_trim_back_to_what_it_has_acknowledged()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 100)]);
        await h.LoadAsync(campaign);
        await ClaimManyAsync(h, campaign, 0, 100);
        await h.Redis.StreamCreateConsumerGroupAsync(StreamKey(h), "audit", "0");
        await h.PersistAllAsync();

        Assert.Equal(0, await Trimmer(h).TrimOnceAsync());

        var audited = await h.Redis.StreamReadGroupAsync(StreamKey(h), "audit", "auditor", ">", 30);
        await h.Redis.StreamAcknowledgeAsync(StreamKey(h), "audit", audited.Select(e => e.Id).ToArray());
        Assert.Equal(30, await Trimmer(h).TrimOnceAsync());
        Assert.Equal(70, await h.Redis.StreamLengthAsync(StreamKey(h)));
    }

    [Fact]
    public async Task After_a_trim_reconciliation_reports_a_clean_campaign_and_recovery_from_lost_counters_still_counts_every_voucher()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 40)]);
        var plan = await h.LoadAsync(campaign);
        await ClaimManyAsync(h, campaign, 0, 25);
        await h.PersistAllAsync();
        Assert.Equal(25, await Trimmer(h).TrimOnceAsync());
        await ClaimManyAsync(h, campaign, 25, 5);
        var reconciler = new Reconciler(h.Redis, h.Store, h.Options);

        var beforePersisting = await reconciler.ReconcileAsync(plan, repair: false, h.Clock.GetUtcNow(), CancellationToken.None);
        await h.PersistAllAsync();
        var clean = await reconciler.ReconcileAsync(plan, repair: false, h.Clock.GetUtcNow(), CancellationToken.None);

        Assert.Equal(5, beforePersisting.IssueCount);
        Assert.All(beforePersisting.Issues, i => Assert.Equal(ReconciliationIssueKind.NotStored, i.Kind));
        Assert.Equal(0, clean.IssueCount);
        var cell = Assert.Single(clean.Cells);
        Assert.Equal((40, 30, 10, 5, 30), (cell.Armed, cell.RedisClaimed, cell.RedisRemaining, cell.StreamEntries, cell.Stored));

        // Redis loses the counters while the trimmed vouchers live only in claimdb.
        Assert.Equal(5, await Trimmer(h).TrimOnceAsync());
        var cellField = RedisKeys.Cell("r1", "t50", string.Empty, string.Empty);
        await h.Redis.KeyDeleteAsync(RedisKeys.Stats(campaign.CampaignId));
        await h.Redis.StringSetAsync(RedisKeys.Stock(campaign.CampaignId, cellField), 40);
        var recovery = new CampaignRecovery(
            h.Redis, reconciler, h.Store, h.Clock, h.Options, Microsoft.Extensions.Options.Options.Create(new RecoveryOptions()), NullLogger<CampaignRecovery>.Instance);

        Assert.Equal(RecoveryOutcome.Recovered, await recovery.EnsureCheckedAsync(plan, CancellationToken.None));

        Assert.Equal(10, (long)(await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, cellField))));
        Assert.Equal(30, (long)(await h.Redis.HashGetAsync(RedisKeys.Stats(campaign.CampaignId), cellField)));
        var after = await reconciler.ReconcileAsync(plan, repair: false, h.Clock.GetUtcNow(), CancellationToken.None);
        Assert.Equal(0, after.IssueCount);
        Assert.Equal(30, Assert.Single(after.Cells).Stored);
    }

    [Fact]
    public async Task The_hosted_trimmer_trims_on_its_interval_while_the_service_runs()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 100)]);
        await h.LoadAsync(campaign);
        await ClaimManyAsync(h, campaign, 0, 100);
        await h.PersistAllAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new ClaimOptions
        {
            IdentitySecret = h.Options.Value.IdentitySecret,
            StreamTrimInterval = TimeSpan.FromMilliseconds(100),
        });
        using var trimmer = new IssuedStreamTrimmer(h.Redis, options, TimeProvider.System, NullLogger<IssuedStreamTrimmer>.Instance);

        await trimmer.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (await h.Redis.StreamLengthAsync(StreamKey(h)) > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            await trimmer.StopAsync(CancellationToken.None);
        }

        Assert.Equal(0, await h.Redis.StreamLengthAsync(StreamKey(h)));
    }

    private static async Task PersistNextAsync(Harness h, IssuedStreamPersister persister, int count)
    {
        var batch = await h.Redis.StreamReadGroupAsync(StreamKey(h), Group(h), persister.ConsumerName, ">", count);
        Assert.Equal(count, batch.Length);
        await persister.PersistAsync(batch, CancellationToken.None);
        Assert.Equal(count, await persister.AcknowledgeAsync(batch));
    }

    private static async Task<List<Voucher>> ClaimManyAsync(Harness h, Vouchers.Campaign.V1.CampaignSnapshot campaign, int firstPerson, int count)
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(firstPerson, count).Select(i => h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"))));
        Assert.All(outcomes, o => Assert.NotNull(o.Voucher));
        return outcomes.Select(o => o.Voucher).ToList();
    }

    private static async Task AssertPersistedExactlyAsync(Harness h, List<Voucher> issued)
    {
        Assert.Equal(issued.Count, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var command = h.Fixture.DataSource.CreateCommand("SELECT voucher_id FROM vouchers");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        Assert.True(ids.SetEquals(issued.Select(v => v.VoucherId)));
    }
}
