using System.Collections.Concurrent;
using Claim.Service.HotPath;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using StackExchange.Redis;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class RedisRestartTests(ClaimFixture fixture)
{
    private const int People = 400;
    private const int Stock = 300;

    [Fact]
    public async Task Every_acknowledged_voucher_is_in_claimdb_after_redis_restarts_mid_load()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", Stock)]);
        await h.LoadAsync(campaign);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var soldOut = 0;
        var next = 0;
        using var stopPersister = new CancellationTokenSource();
        var persister = h.Persister("restart");
        var persisting = Task.Run(async () =>
        {
            while (!stopPersister.IsCancellationRequested)
            {
                try
                {
                    if (await persister.RunOnceAsync(includeOwnPending: true, CancellationToken.None) == 0)
                    {
                        await Task.Delay(10);
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    await Task.Delay(50);
                }
            }
        });

        async Task ClaimerAsync()
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= People)
            {
                var request = ClaimFor(campaign, Person(n), "t50", requestId: $"req-{n}");

                // A claim that failed with UNAVAILABLE is retried with the same request id, as a channel would.
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        var outcome = await h.Engine.ClaimAsync(request);
                        if (outcome.Voucher is not null)
                        {
                            Assert.True(acknowledged.TryAdd(outcome.Voucher.VoucherId, request.RequestId));
                        }
                        else
                        {
                            Interlocked.Increment(ref soldOut);
                        }

                        break;
                    }
                    catch (VoucherRules.UnavailableException) when (attempt < 200)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        }

        var claimers = Enumerable.Range(0, 8).Select(_ => Task.Run(ClaimerAsync)).ToList();
        var waitUntil = DateTime.UtcNow.AddSeconds(60);
        while (acknowledged.Count < Stock / 3 && DateTime.UtcNow < waitUntil)
        {
            await Task.Delay(5);
        }

        var beforeRestart = acknowledged.Count;
        await fixture.Redis.ShutdownAsync();
        await Task.Delay(300);
        await fixture.Redis.StartAgainAsync();
        await Task.WhenAll(claimers);
        await stopPersister.CancelAsync();
        await persisting;
        await h.PersistAllAsync();

        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = fixture.DataSource.CreateCommand("SELECT voucher_id FROM vouchers"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        var remaining = (long)(await h.Redis.StringGetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", string.Empty, string.Empty))));
        Assert.True(beforeRestart > 0 && beforeRestart < Stock, $"the restart should fall mid-load ({beforeRestart} acknowledged before it)");
        Assert.Equal(Stock, acknowledged.Count);
        Assert.Equal(People - Stock, soldOut);
        Assert.Subset(stored, acknowledged.Keys.ToHashSet(StringComparer.Ordinal));
        Assert.Equal(Stock, stored.Count);
        Assert.Equal(0, remaining);
        Assert.Equal(Stock, await h.ScalarAsync("SELECT count(DISTINCT request_id) FROM vouchers"));
    }
}
