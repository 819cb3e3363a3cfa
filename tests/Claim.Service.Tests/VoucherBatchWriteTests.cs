using Claim.Service.Grpc;
using Claim.Service.Persistence;
using Claim.Service.Tests.Infrastructure;
using Claim.Service.Usage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;
using static Claim.Service.Tests.Infrastructure.VoucherUsageCalls;

namespace Claim.Service.Tests;

/// <summary>The batch calls write a round with one statement per kind of write; these pin what those statements must keep.</summary>
[Collection(ClaimCollection.Name)]
public sealed class VoucherBatchWriteTests(ClaimFixture fixture)
{
    private static Task<List<string>> IssueAsync(Harness h, int count) =>
        VoucherUsageCalls.IssueAsync(h, Campaign([Tier("t50", 5000, 15000)], [Cell("t50", count)]), count);

    private static ConsumeVoucherRequest ConsumeOf(string voucherId, string lockId, string redemptionId) =>
        VoucherUsageCalls.ConsumeOf(voucherId, lockId, redemptionId, $"shop of {redemptionId}");

    private static async Task<List<IssuanceEvent>> FeedAsync(Harness h)
    {
        var feed = new IssuanceFeedGrpcService(new IssuanceFeed(h.Fixture.DataSource, h.Clock));
        var all = new CollectingWriter<IssuanceEvent>();
        await feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest(), all, new TestCallContext());
        return all.Events;
    }

    [Fact]
    public async Task A_consume_batch_numbers_its_events_after_the_feed_in_item_order_and_writes_each_item_its_own_values()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var ids = await IssueAsync(h, 5);
        var usage = UsageAdapter(h);
        var locks = new LockVouchersRequest();
        locks.Items.Add(ids.Select((id, n) => LockOf(id, $"l{n}")));
        var locked = (await usage.LockVouchers(locks, new TestCallContext())).Results;
        Assert.All(locked, result => Assert.Equal(VoucherStatus.Locked, result.Answer.Lock.Voucher.Status));
        for (var n = 0; n < ids.Count; n++)
        {
            var held = locked[n].Answer.Lock;
            Assert.Equal(1, await h.ScalarAsync(
                $"""
                SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[n]}' AND status = {(int)VoucherStatus.Locked} AND lock_id = 'l{n}'
                  AND floor(extract(epoch FROM lock_expires_at))::bigint = {held.ExpiresAt.Seconds} AND version = {held.Voucher.Version}
                """));
        }

        var batch = new ConsumeVouchersRequest
        {
            Items = { ConsumeOf(ids[3], "l3", "r3"), ConsumeOf(ids[0], "l0", "r0"), ConsumeOf(ids[2], "wrong", "r2"), ConsumeOf(ids[4], "l4", "r4"), ConsumeOf(ids[1], "l1", "r1") },
        };
        var results = (await usage.ConsumeVouchers(batch, new TestCallContext())).Results;

        Assert.Equal(StatusCode.FailedPrecondition, (StatusCode)results[2].Error.Code);
        var events = await FeedAsync(h);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal([ids[3], ids[0], ids[4], ids[1]], events.Skip(5).Select(e => e.Consumed.VoucherId));
        Assert.Equal(["r3", "r0", "r4", "r1"], events.Skip(5).Select(e => e.Consumed.RedemptionId));
        foreach (var n in new[] { 0, 1, 3, 4 })
        {
            Assert.Equal(1, await h.ScalarAsync(
                $"""
                SELECT count(*) FROM vouchers JOIN voucher_consumptions c USING (voucher_id)
                WHERE voucher_id = '{ids[n]}' AND status = {(int)VoucherStatus.Used} AND vouchers.redemption_id = 'r{n}' AND c.redemption_id = 'r{n}'
                  AND merchant_id = 'm1' AND merchant_trade_name = 'shop of r{n}' AND lock_id IS NULL AND lock_expires_at IS NULL
                  AND version = {results[batch.Items.IndexOf(batch.Items.First(item => item.VoucherId == ids[n]))].Voucher.Version}
                """));
        }

        Assert.Equal(1, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE voucher_id = '{ids[2]}' AND status = {(int)VoucherStatus.Locked} AND lock_id = 'l2' AND version = {locked[2].Answer.Lock.Voucher.Version}"));
    }

    [Fact]
    public async Task Consume_batches_and_single_changes_racing_keep_the_feed_gap_free_with_one_event_per_change()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var ids = await IssueAsync(h, 48);
        var usage = UsageAdapter(h);
        var locks = new LockVouchersRequest();
        locks.Items.Add(ids.Select((id, n) => LockOf(id, $"l{n}")));
        await usage.LockVouchers(locks, new TestCallContext());

        var batches = Enumerable.Range(0, 4).Select(b => Task.Run(async () =>
        {
            var request = new ConsumeVouchersRequest();
            request.Items.Add(Enumerable.Range(b * 10, 10).Select(n => ConsumeOf(ids[n], $"l{n}", $"r{n}")));
            return (await usage.ConsumeVouchers(request, new TestCallContext())).Results.Count;
        }));
        var singles = Enumerable.Range(40, 8).Select(n => Task.Run(async () =>
        {
            await usage.ConsumeVoucher(ConsumeOf(ids[n], $"l{n}", $"r{n}"), new TestCallContext());
            return 1;
        }));
        await Task.WhenAll(batches.Concat(singles));

        var events = await FeedAsync(h);
        Assert.Equal(Enumerable.Range(1, 96).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(ids.Order(StringComparer.Ordinal), events.Skip(48).Select(e => e.Consumed.VoucherId).Order(StringComparer.Ordinal));
        Assert.Equal(48, await h.ScalarAsync($"SELECT count(*) FROM vouchers WHERE status = {(int)VoucherStatus.Used}"));
        Assert.Equal(48, await h.ScalarAsync("SELECT count(*) FROM voucher_consumptions"));
    }
}
