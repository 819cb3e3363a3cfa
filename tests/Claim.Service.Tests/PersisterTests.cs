using Claim.Service.Tests.Infrastructure;
using Vouchers.Claim.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class PersisterTests(ClaimFixture fixture)
{
    [Fact]
    public async Task A_persister_that_dies_after_reading_a_batch_loses_nothing_its_successor_takes_the_entries_over()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 300)]);
        await h.LoadAsync(campaign);
        var issued = await ClaimManyAsync(h, campaign, 300);

        // The first persister reads a batch and dies before writing or acknowledging it.
        var doomed = h.Persister("doomed");
        var stranded = await doomed.ReadBatchAsync(includeOwnPending: false);
        Assert.NotEmpty(stranded);

        await Task.Delay(h.Options.Value.PersisterTakeoverIdle + TimeSpan.FromMilliseconds(100));
        await h.PersistAllAsync();

        await AssertPersistedExactlyAsync(h, issued);
    }

    [Fact]
    public async Task A_persister_that_dies_after_committing_but_before_acknowledging_causes_no_duplicates()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 300)]);
        await h.LoadAsync(campaign);
        var issued = await ClaimManyAsync(h, campaign, 300);

        var doomed = h.Persister("doomed");
        var batch = await doomed.ReadBatchAsync(includeOwnPending: false);
        Assert.Equal(batch.Count, await doomed.PersistAsync(batch, CancellationToken.None));

        await Task.Delay(h.Options.Value.PersisterTakeoverIdle + TimeSpan.FromMilliseconds(100));
        await h.PersistAllAsync();

        await AssertPersistedExactlyAsync(h, issued);
        var pending = await h.Redis.StreamPendingAsync(h.Options.Value.IssuedStreamKey, h.Options.Value.PersisterGroup);
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task Two_persisters_working_the_same_stream_write_every_voucher_once()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 2000)]);
        await h.LoadAsync(campaign);
        var claiming = ClaimManyAsync(h, campaign, 2000);
        using var stop = new CancellationTokenSource();
        var workers = new[] { h.Persister("a"), h.Persister("b") }.Select(p => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (await p.RunOnceAsync(includeOwnPending: false, CancellationToken.None) == 0)
                {
                    await Task.Delay(5);
                }
            }
        })).ToArray();
        var issued = await claiming;
        await h.PersistAllAsync();
        stop.Cancel();
        await Task.WhenAll(workers);
        await h.PersistAllAsync();

        await AssertPersistedExactlyAsync(h, issued);
    }

    private static async Task<List<Voucher>> ClaimManyAsync(Harness h, Vouchers.Campaign.V1.CampaignSnapshot campaign, int count)
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(i => h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"))));
        Assert.All(outcomes, o => Assert.NotNull(o.Voucher));
        return outcomes.Select(o => o.Voucher).ToList();
    }

    private static async Task AssertPersistedExactlyAsync(Harness h, List<Voucher> issued)
    {
        Assert.Equal(issued.Count, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
        Assert.Equal(issued.Count, await h.ScalarAsync("SELECT count(DISTINCT voucher_id) FROM vouchers"));
        Assert.Equal(issued.Count, await h.ScalarAsync("SELECT count(*) FROM issuance_events"));
        Assert.Equal(issued.Count, await h.ScalarAsync("SELECT max(sequence) FROM issuance_events"));
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
