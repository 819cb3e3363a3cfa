using Claim.Service.Admin;
using Claim.Service.HotPath;
using Claim.Service.Recovery;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Vouchers.Claim.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

/// <summary>Redis loses its data (FLUSHALL, or a restart that dropped the last writes); claimdb is the truth it is rebuilt from.</summary>
[Collection(ClaimCollection.Name)]
public sealed class RedisDataLossTests(ClaimFixture fixture)
{
    private const int Quantity = 20;
    private const int Claimed = 8;

    private static readonly string CellField = RedisKeys.Cell("r1", "t50", string.Empty, string.Empty);

    /// <summary>One copy of the service: its own recovery, armer and engine around the shared Redis and claimdb.</summary>
    private sealed record ServiceCopy(ClaimEngine Engine, StockArmer Armer, CampaignRecovery Recovery);

    private static ServiceCopy Copy(Harness h)
    {
        var recovery = new CampaignRecovery(
            h.Redis,
            new Reconciler(h.Redis, h.Store, h.Options),
            h.Store,
            h.Clock,
            h.Options,
            Microsoft.Extensions.Options.Options.Create(new RecoveryOptions()),
            NullLogger<CampaignRecovery>.Instance);
        var armer = new StockArmer(h.Redis, recovery);
        return new ServiceCopy(new ClaimEngine(h.Redis, h.Catalog, h.Identities, armer, new DrawDice(new Random(7)), h.Clock, h.Options), armer, recovery);
    }

    /// <summary>Claims <see cref="Claimed"/> vouchers (people 1..8, request ids req-1..req-8) and waits until claimdb holds them.</summary>
    private static async Task<(Vouchers.Campaign.V1.CampaignSnapshot Campaign, Dictionary<string, string> VoucherByRequest)> ClaimAndPersistAsync(Harness h, ServiceCopy copy)
    {
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", Quantity)]);
        h.Catalog.Apply(campaign);
        await copy.Armer.ArmAsync(h.Catalog.Find(campaign.CampaignId)!);
        var vouchers = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i <= Claimed; i++)
        {
            var outcome = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50", requestId: $"req-{i}"));
            vouchers[$"req-{i}"] = outcome.Voucher.VoucherId;
        }

        await h.PersistAllAsync();
        Assert.Equal(Claimed, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
        return (campaign, vouchers);
    }

    private static async Task<ClaimOutcome> ClaimRetryingAsync(ServiceCopy copy, ClaimVoucherRequest request)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await copy.Engine.ClaimAsync(request);
            }
            catch (VoucherRules.UnavailableException) when (attempt < 300)
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task<long> StockLeftAsync(Harness h, string campaignId) =>
        (long)(await h.Redis.StringGetAsync(RedisKeys.Stock(campaignId, CellField)));

    [Fact]
    public async Task After_redis_loses_everything_retries_replay_the_same_vouchers_and_stock_and_limits_follow_claimdb()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var copy = Copy(h);
        var (campaign, vouchers) = await ClaimAndPersistAsync(h, copy);

        await h.Redis.ExecuteAsync("FLUSHALL");

        var retries = new List<ClaimOutcome>();
        for (var i = 1; i <= Claimed; i++)
        {
            retries.Add(await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50", requestId: $"req-{i}")));
        }

        var sameRequestOtherPerson = await Refusals.ThrowsAsync(() => copy.Engine.ClaimAsync(ClaimFor(campaign, Person(50), "t50", requestId: "req-1")));
        var claimedAgain = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", requestId: "req-1-again"));
        var samePhoneNewAccount = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(60, phone: Person(2).Phone), "t50"));
        var stockAfterRetries = await StockLeftAsync(h, campaign.CampaignId);
        var newcomer = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(9), "t50", requestId: "req-9"));
        await h.PersistAllAsync();

        Assert.All(retries, r => Assert.True(r.Replayed));
        Assert.Equal(vouchers.Values, retries.Select(r => r.Voucher.VoucherId));
        Assert.Equal(StatusCode.AlreadyExists, sameRequestOtherPerson.StatusCode);
        Assert.Equal(ClaimRefusalReason.LimitReached, claimedAgain.Refusal.Reason);
        Assert.Equal(ClaimRefusalReason.LimitReached, samePhoneNewAccount.Refusal.Reason);
        Assert.Equal(Quantity - Claimed, stockAfterRetries);
        Assert.NotNull(newcomer.Voucher);
        Assert.Equal(Quantity - Claimed - 1, await StockLeftAsync(h, campaign.CampaignId));
        Assert.Equal(Claimed + 1, await h.ScalarAsync("SELECT count(*) FROM vouchers"));
        Assert.Equal(Claimed + 1, (long)(await h.Redis.HashGetAsync(RedisKeys.Stats(campaign.CampaignId), CellField)));
    }

    [Fact]
    public async Task A_new_snapshot_after_the_loss_arms_stock_net_of_the_vouchers_already_issued()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var copy = Copy(h);
        var (campaign, _) = await ClaimAndPersistAsync(h, copy);

        await h.Redis.ExecuteAsync("FLUSHALL");
        var resized = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", Quantity + 5)], version: 2, campaignId: campaign.CampaignId);
        h.Catalog.Apply(resized);
        await copy.Armer.ArmAsync(h.Catalog.Find(campaign.CampaignId)!);

        Assert.Equal(Quantity + 5 - Claimed, await StockLeftAsync(h, campaign.CampaignId));
    }

    [Fact]
    public async Task While_another_copy_holds_the_recovery_a_claim_is_unavailable_and_told_to_retry_with_its_request_id()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var copy = Copy(h);
        var (campaign, vouchers) = await ClaimAndPersistAsync(h, copy);

        await h.Redis.ExecuteAsync("FLUSHALL");
        await h.Redis.StringSetAsync(RecoveryScripts.Lock(campaign.CampaignId), "another-copy", TimeSpan.FromMinutes(1));
        var whileLocked = await Refusals.ThrowsAsync(() => copy.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", requestId: "req-1")));
        var nothingGranted = await h.Redis.KeyExistsAsync(RedisKeys.Stock(campaign.CampaignId, CellField));
        await h.Redis.KeyDeleteAsync(RecoveryScripts.Lock(campaign.CampaignId));
        var retry = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(1), "t50", requestId: "req-1"));

        Assert.Equal(StatusCode.Unavailable, whileLocked.StatusCode);
        Assert.Contains("retry with the same request_id", whileLocked.Status.Detail, StringComparison.Ordinal);
        Assert.False(nothingGranted);
        Assert.True(retry.Replayed);
        Assert.Equal(vouchers["req-1"], retry.Voucher.VoucherId);
    }

    [Fact]
    public async Task Two_copies_recovering_at_once_apply_the_recovery_once()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var first = Copy(h);
        var second = Copy(h);
        var (campaign, vouchers) = await ClaimAndPersistAsync(h, first);
        var plan = h.Catalog.Find(campaign.CampaignId)!;

        await h.Redis.ExecuteAsync("FLUSHALL");
        using var start = new Barrier(2);
        var outcomes = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return first.Recovery.EnsureCheckedAsync(plan, CancellationToken.None); }),
            Task.Run(() => { start.SignalAndWait(); return second.Recovery.EnsureCheckedAsync(plan, CancellationToken.None); }));

        // Both copies' channels retry at once too; every retry is answered from the one recovery.
        var retries = await Task.WhenAll(Enumerable.Range(1, Claimed).Select(i =>
            Task.Run(() => ClaimRetryingAsync(i % 2 == 0 ? first : second, ClaimFor(campaign, Person(i), "t50", requestId: $"req-{i}")))));
        var again = await Task.WhenAll(first.Recovery.EnsureCheckedAsync(plan, CancellationToken.None), second.Recovery.EnsureCheckedAsync(plan, CancellationToken.None));

        Assert.Single(outcomes, o => o == RecoveryOutcome.Recovered);
        Assert.All(again, o => Assert.Equal(RecoveryOutcome.AlreadyChecked, o));
        Assert.All(retries, r => Assert.True(r.Replayed));
        Assert.Equal(vouchers.Values.Order(StringComparer.Ordinal), retries.Select(r => r.Voucher.VoucherId).Order(StringComparer.Ordinal));
        Assert.Equal(Quantity - Claimed, await StockLeftAsync(h, campaign.CampaignId));
        Assert.Equal(Claimed, (long)(await h.Redis.HashGetAsync(RedisKeys.Stats(campaign.CampaignId), CellField)));
    }

    [Fact]
    public async Task A_redis_restart_that_lost_the_last_writes_is_noticed_by_its_new_run_id_and_recovered()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var copy = Copy(h);
        var (campaign, vouchers) = await ClaimAndPersistAsync(h, copy);
        var plan = h.Catalog.Find(campaign.CampaignId)!;
        var before = await copy.Recovery.CurrentRunIdAsync();

        await fixture.Redis.ShutdownAsync();
        await fixture.Redis.StartAgainAsync();
        string after;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                after = await copy.Recovery.CurrentRunIdAsync();
                break;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && attempt < 200)
            {
                await Task.Delay(100);
            }
        }

        // What a crash inside the fsync window leaves: the last claims' answers, decrements and counters are gone,
        // while the stock key itself (written long before) is still there.
        for (var i = 5; i <= Claimed; i++)
        {
            await h.Redis.KeyDeleteAsync(RedisKeys.Request(campaign.CampaignId, $"req-{i}"));
        }

        await h.Redis.StringIncrementAsync(RedisKeys.Stock(campaign.CampaignId, CellField), 4);
        await h.Redis.ScriptEvaluateAsync("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0", [], ["lim:*"]);
        var checkedBefore = await copy.Recovery.IsCheckedAsync(campaign.CampaignId, after);

        var outcome = await copy.Recovery.EnsureCheckedAsync(plan, CancellationToken.None);
        var retries = new List<ClaimOutcome>();
        for (var i = 5; i <= Claimed; i++)
        {
            retries.Add(await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50", requestId: $"req-{i}")));
        }

        var claimedAgain = await copy.Engine.ClaimAsync(ClaimFor(campaign, Person(6), "t50"));

        Assert.NotEqual(before, after);
        Assert.False(checkedBefore);
        Assert.Equal(RecoveryOutcome.Recovered, outcome);
        Assert.All(retries, r => Assert.True(r.Replayed));
        Assert.Equal(Enumerable.Range(5, 4).Select(i => vouchers[$"req-{i}"]), retries.Select(r => r.Voucher.VoucherId));
        Assert.Equal(ClaimRefusalReason.LimitReached, claimedAgain.Refusal.Reason);
        Assert.Equal(Quantity - Claimed, await StockLeftAsync(h, campaign.CampaignId));
    }
}
