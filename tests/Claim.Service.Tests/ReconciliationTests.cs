using Claim.Service.Admin;
using Claim.Service.Grpc;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class ReconciliationTests(ClaimFixture fixture)
{
    private static readonly Actor Operator = new() { ActorId = "op-1", Role = ActorRole.Operator };
    private static readonly Actor Auditor = new() { ActorId = "aud-1", Role = ActorRole.Auditor };

    private static ClaimAdminGrpcService Admin(Harness h) => h.AdminService();

    [Fact]
    public async Task Reconciliation_reports_unpersisted_vouchers_and_after_a_redis_data_loss_raises_stock_and_limit_counters_back()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 20)]);
        await h.LoadAsync(campaign);
        for (var i = 1; i <= 10; i++)
        {
            await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"));
        }

        await h.PersistAllAsync();
        for (var i = 11; i <= 13; i++)
        {
            await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"));
        }

        var admin = Admin(h);
        var healthy = await admin.ReconcileCampaign(new ReconcileCampaignRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());
        Assert.Equal(3, healthy.IssueCount);
        Assert.All(healthy.Issues, i => Assert.Equal(ReconciliationIssueKind.NotStored, i.Kind));
        var cell = Assert.Single(healthy.Cells);
        Assert.Equal((20, 13, 7, 13, 10), (cell.Armed, cell.RedisClaimed, cell.RedisRemaining, cell.StreamEntries, cell.Stored));

        var limitKeys = (long)(await h.Redis.ScriptEvaluateAsync("return #redis.call('KEYS', ARGV[1])", [], ["lim:*"]));

        // Redis loses the counters (as after a crash inside the fsync window) while the stream and claimdb keep the vouchers.
        await h.Redis.KeyDeleteAsync(RedisKeys.Stats(campaign.CampaignId));
        await h.Redis.StringSetAsync(RedisKeys.Stock(campaign.CampaignId, RedisKeys.Cell("r1", "t50", string.Empty, string.Empty)), 20);
        await h.Redis.ScriptEvaluateAsync("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0", [], ["lim:*"]);

        var damaged = await admin.ReconcileCampaign(new ReconcileCampaignRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());
        var repaired = await admin.ReconcileCampaign(new ReconcileCampaignRequest { Actor = Operator, CampaignId = campaign.CampaignId, Repair = true }, new TestCallContext());
        var clean = await admin.ReconcileCampaign(new ReconcileCampaignRequest { Actor = Auditor, CampaignId = campaign.CampaignId }, new TestCallContext());

        var behind = Assert.Single(damaged.Issues, i => i.Kind == ReconciliationIssueKind.CounterBehind);
        Assert.Equal((13, 0), (behind.Expected, behind.Actual));
        Assert.True(limitKeys >= 13 * 2, $"every person has at least an account and a phone limit key ({limitKeys})");
        Assert.Equal(limitKeys, damaged.Issues.Count(i => i.Kind == ReconciliationIssueKind.LimitBehind));
        Assert.All(repaired.Issues, i => Assert.True(i.Repaired));
        Assert.Equal(0, clean.IssueCount);
        Assert.Equal(13, await h.ScalarAsync("SELECT count(*) FROM vouchers"));

        // The repaired counters hold: person 1 is at the limit again (also under a new account), and only 7 vouchers are left.
        var again = await h.Engine.ClaimAsync(ClaimFor(campaign, Person(99, phone: Person(1).Phone), "t50"));
        Assert.Equal(ClaimRefusalReason.LimitReached, again.Refusal.Reason);
        var outcomes = new List<ClaimOutcome>();
        for (var i = 20; i < 28; i++)
        {
            outcomes.Add(await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50")));
        }

        Assert.Equal(7, outcomes.Count(o => o.Voucher is not null));
        Assert.Equal(ClaimRefusalReason.SoldOut, outcomes[^1].Refusal.Reason);
    }

    [Fact]
    public async Task Reconciliation_refuses_bad_input()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 20)]);
        await h.LoadAsync(campaign);
        var admin = Admin(h);

        async Task<StatusCode> StatusOf(ReconcileCampaignRequest request) =>
            (await Refusals.ThrowsAsync(() => admin.ReconcileCampaign(request, new TestCallContext()))).StatusCode;

        Assert.Equal(StatusCode.InvalidArgument, await StatusOf(new ReconcileCampaignRequest { Actor = Auditor }));
        Assert.Equal(StatusCode.NotFound, await StatusOf(new ReconcileCampaignRequest { Actor = Auditor, CampaignId = "nope" }));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(new ReconcileCampaignRequest { Actor = Auditor, CampaignId = campaign.CampaignId, Repair = true }));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(new ReconcileCampaignRequest { CampaignId = campaign.CampaignId }));
    }
}
