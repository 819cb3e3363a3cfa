extern alias campaigntests;

using Grpc.Core;
using Redemption.Service.Redeeming;
using Redemption.Service.Storage;
using Redemption.Service.Tests.Infrastructure;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests;

/// <summary>Races, retries, crashes between lock and consume, and an unreachable Claim: a voucher is redeemed once or stays usable.</summary>
[Collection(RedemptionCollection.Name)]
public sealed class RedeemSafetyTests(RedemptionWorld world)
{
    /// <summary>An S4 campaign (100→20 and up, no usage hours) running, a shop, a person holding one 20 voucher.</summary>
    private async Task<(string CampaignId, Shop Shop, PersonIdentity Person, Voucher Voucher)> HolderAsync()
    {
        var (campaignId, shop, person, voucher, _) = await HoldersAsync(1);
        return (campaignId, shop, person, voucher);
    }

    /// <summary>As <see cref="HolderAsync"/>, with <paramref name="holders"/> − 1 more people holding a 20 voucher each.</summary>
    private async Task<(string CampaignId, Shop Shop, PersonIdentity Person, Voucher Voucher, List<(PersonIdentity Person, Voucher Voucher)> Others)> HoldersAsync(int holders)
    {
        world.Clock.Now = Seeds.Beijing(2020, 9, 1);
        var s4 = await Seeds.ConfigureS4Async(world.Campaign.Campaigns, $"safety-{Guid.NewGuid().ToString("N")[..8]}");
        await s4.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2020, 9, 13, 10).AddSeconds(5);
        await world.WaitForRedemptionToSeeAsync(s4.Id, view => view.Terms.Running);
        var shop = await ShopAsync(world, s4.Id, "supermarket");
        var person = Person(RedemptionWorld.NextSeed());
        var voucher = await ClaimAsync(world, s4.Id, person, "t-20");
        var others = new List<(PersonIdentity Person, Voucher Voucher)>();
        for (var i = 1; i < holders; i++)
        {
            var other = Person(RedemptionWorld.NextSeed());
            others.Add((other, await ClaimAsync(world, s4.Id, other, "t-20")));
        }

        world.Clock.Now = Seeds.Beijing(2020, 9, 14, 12);
        return (s4.Id, shop, person, voucher, others);
    }

    private Task<long> RedemptionsOfAsync(string voucherId) =>
        world.ScalarAsync("SELECT count(*) FROM redemptions WHERE voucher_id = @voucher AND status <> 2", ("voucher", voucherId));

    private Task<long> AttemptsOfAsync(string voucherId) =>
        world.ScalarAsync("SELECT count(*) FROM redemption_attempts WHERE voucher_id = @voucher", ("voucher", voucherId));

    /// <summary>The voucher's attempts once none is left, or after 30 s: recovery ends an attempt just after it settles the voucher.</summary>
    private async Task<long> WaitForNoAttemptsAsync(string voucherId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long attempts;
        while ((attempts = await AttemptsOfAsync(voucherId)) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return attempts;
    }

    private async Task<Voucher> WaitForStatusAsync(PersonIdentity person, string voucherId, VoucherStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Voucher voucher;
        while ((voucher = await world.WaitForVoucherAsync(person, voucherId)).Status != status && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return voucher;
    }

    [Fact]
    public async Task Sixteen_tills_scanning_one_voucher_at_once_make_exactly_one_redemption()
    {
        var (_, shop, person, voucher) = await HolderAsync();
        var token = await CodeAsync(world, person, voucher.VoucherId);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => RedeemAsync(world, AtTill(shop, token, 10000, "supermarket"))));

        var winners = outcomes.Where(o => o.ResultCase == RedeemOutcome.ResultOneofCase.Redemption).ToList();
        Assert.Single(winners);
        Assert.All(outcomes.Where(o => o.ResultCase == RedeemOutcome.ResultOneofCase.Refusal),
            o => Assert.Contains(o.Refusal.Reason, new[] { RedemptionRefusalReason.VoucherLocked, RedemptionRefusalReason.VoucherUsed }));
        Assert.Equal(1, await RedemptionsOfAsync(voucher.VoucherId));
        var used = await WaitForStatusAsync(person, voucher.VoucherId, VoucherStatus.Used);
        Assert.Equal(winners[0].Redemption.RedemptionId, used.Use.RedemptionId);
    }

    [Fact]
    public async Task Tills_redeeming_at_once_share_their_recording_and_a_transaction_two_of_them_claim_is_refused_for_one_alone()
    {
        var (campaignId, shop, person, voucher, others) = await HoldersAsync(8);
        var holders = others.Prepend((Person: person, Voucher: voucher)).ToList();
        var requests = holders.Select(h => Named(shop, h.Person, h.Voucher.VoucherId, 10000, "supermarket")).ToList();
        requests[1].ChannelTransactionId = requests[0].ChannelTransactionId;

        var outcomes = await Task.WhenAll(requests.Select(r => RedeemAsync(world, r)));

        var pair = outcomes.Take(2).ToList();
        Assert.Single(pair, o => o.ResultCase == RedeemOutcome.ResultOneofCase.Redemption);
        Assert.Single(pair, o => RefusalOf(o) == RedemptionRefusalReason.TransactionAlreadyHasVoucher);
        Assert.All(outcomes.Skip(2), o => Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, o.ResultCase));
        var refused = holders[pair.FindIndex(o => o.ResultCase == RedeemOutcome.ResultOneofCase.Refusal)];
        Assert.Equal(0, await RedemptionsOfAsync(refused.Voucher.VoucherId));
        Assert.Equal(VoucherStatus.Unused, (await WaitForStatusAsync(refused.Person, refused.Voucher.VoucherId, VoucherStatus.Unused)).Status);
        var feed = await FeedAsync(world, campaignId);
        Assert.Equal(
            outcomes.Where(o => o.ResultCase == RedeemOutcome.ResultOneofCase.Redemption).Select(o => o.Redemption.RedemptionId).Order(StringComparer.Ordinal),
            feed.Where(e => e.Kind == RedemptionEventKind.Redeemed).Select(e => e.Redemption.RedemptionId).Order(StringComparer.Ordinal));
        Assert.All(feed.Zip(feed.Skip(1)), p => Assert.True(p.First.Sequence < p.Second.Sequence, "feed out of order"));
    }

    [Fact]
    public async Task A_retry_of_a_refused_request_naming_a_voucher_replays_the_refusal_and_gives_back_the_lock_it_took()
    {
        var (_, shop, person, voucher) = await HolderAsync();
        var request = Named(shop, person, voucher.VoucherId, 1, "supermarket");

        var first = await RedeemAsync(world, request);
        var retried = await RedeemAsync(world, request.Clone());

        Assert.Equal(RedeemOutcome.ResultOneofCase.Refusal, first.ResultCase);
        Assert.True(retried.Replayed);
        Assert.Equal(first.Refusal, retried.Refusal);
        // The retry locked the voucher while its key was checked; the key's refusal stands, so it unlocked it before answering.
        Assert.Equal(VoucherStatus.Unused, (await world.WaitForVoucherAsync(person, voucher.VoucherId)).Status);
    }

    [Fact]
    public async Task A_retry_of_a_granted_request_naming_a_voucher_replays_the_redemption_and_leaves_the_voucher_used()
    {
        var (_, shop, person, voucher) = await HolderAsync();
        var request = Named(shop, person, voucher.VoucherId, 10000, "supermarket");

        var first = await RedeemAsync(world, request);
        var retries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RedeemAsync(world, request.Clone())));

        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, first.ResultCase);
        Assert.All(retries, r => Assert.Equal(first.Redemption.RedemptionId, r.Redemption?.RedemptionId));
        Assert.All(retries, r => Assert.True(r.Replayed));
        Assert.Equal(1, await RedemptionsOfAsync(voucher.VoucherId));
        Assert.Equal(VoucherStatus.Used, (await WaitForStatusAsync(person, voucher.VoucherId, VoucherStatus.Used)).Status);
    }

    [Fact]
    public async Task One_channel_request_sent_twenty_times_at_once_makes_one_redemption_and_every_answer_is_it()
    {
        var (campaignId, shop, person, voucher) = await HolderAsync();
        var request = ThroughChannel(shop, person, 10000, "supermarket", campaignId);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => RedeemAsync(world, request.Clone())));

        Assert.All(outcomes, o => Assert.True(o.Redemption?.VoucherId == voucher.VoucherId, $"answer {o}"));
        Assert.Single(outcomes.Select(o => o.Redemption.RedemptionId).Distinct());
        Assert.Single(outcomes, o => !o.Replayed);
        Assert.Equal(1, await RedemptionsOfAsync(voucher.VoucherId));
        Assert.Equal(VoucherStatus.Used, (await WaitForStatusAsync(person, voucher.VoucherId, VoucherStatus.Used)).Status);
        var changed = request.Clone();
        changed.Order.OrderAmountCents = 20000;
        var reused = await Assert.ThrowsAsync<RpcException>(() => RedeemAsync(world, changed));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
    }

    [Fact]
    public async Task A_copy_killed_after_recording_leaves_the_voucher_to_recovery_which_consumes_it_exactly_once()
    {
        var (_, shop, person, voucher) = await HolderAsync();
        var request = Named(shop, person, voucher.VoucherId, 10000, "supermarket");
        var redeem = world.Redemption.Get<RedeemService>();
        var now = world.Clock.Now;
        var (_, ranked) = await redeem.FindAndJudgeAsync(world.Redemption.Get<Peers.ClaimGateway>().GetHeldAsync(person, voucher.VoucherId, default), shop.MerchantId, VoucherReading.Order(request.Order), null, now);
        var recorded = await redeem.LockRecordConsumeAsync(request, RedeemService.Fingerprint(request), ranked[0], VoucherReading.Order(request.Order), RedeemService.TransactionKey(request), now, default, stopAfterRecord: true);

        await world.RestartRedemptionAsync();
        Assert.Equal(VoucherStatus.Locked, (await world.WaitForVoucherAsync(person, voucher.VoucherId)).Status);
        world.Clock.Now = now.AddSeconds(6);
        var used = await WaitForStatusAsync(person, voucher.VoucherId, VoucherStatus.Used);

        Assert.Equal(recorded.Redemption.RedemptionId, used.Use.RedemptionId);
        Assert.Equal(1, await RedemptionsOfAsync(voucher.VoucherId));
        Assert.Equal(0, await WaitForNoAttemptsAsync(voucher.VoucherId));
        var retried = await RedeemAsync(world, request);
        Assert.True(retried.Replayed);
        Assert.Equal(recorded.Redemption.RedemptionId, retried.Redemption.RedemptionId);
    }

    [Fact]
    public async Task A_copy_killed_between_lock_and_record_leaves_the_voucher_to_recovery_which_releases_it_for_a_later_redemption()
    {
        var (_, shop, person, voucher) = await HolderAsync();
        var key = Guid.NewGuid().ToString();
        var now = world.Clock.Now;
        await world.Redemption.Get<RedemptionStore>().BeginAttemptAsync(key, "rdm-crashed", voucher.VoucherId, shop.MerchantId, shop.TradeName, now.AddSeconds(5), now, default);
        var locked = await world.Usage.LockVoucherAsync(new LockVoucherRequest { VoucherId = voucher.VoucherId, LockId = key, MerchantId = shop.MerchantId, Person = person, Ttl = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) });
        Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, locked.ResultCase);

        await world.RestartRedemptionAsync();
        world.Clock.Now = now.AddSeconds(6);
        var released = await WaitForStatusAsync(person, voucher.VoucherId, VoucherStatus.Unused);

        Assert.Equal(VoucherStatus.Unused, released.Status);
        Assert.Equal(0, await RedemptionsOfAsync(voucher.VoucherId));
        Assert.Equal(0, await WaitForNoAttemptsAsync(voucher.VoucherId));
        var later = await RedeemAsync(world, Named(shop, person, voucher.VoucherId, 10000, "supermarket"));
        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, later.ResultCase);
    }

    [Fact]
    public async Task A_recording_after_its_attempt_lease_ran_out_writes_nothing_and_one_in_time_writes_the_answer_the_redemption_and_its_feed_event()
    {
        var (campaignId, shop, _, voucher) = await HolderAsync();
        var store = world.Redemption.Get<RedemptionStore>();
        var key = Guid.NewGuid().ToString();
        var now = world.Clock.Now;
        var (redemptionId, _) = await store.BeginAttemptAsync(key, "rdm-" + Guid.NewGuid().ToString("N"), voucher.VoucherId, shop.MerchantId, shop.TradeName, now.AddSeconds(5), now, default);
        var outcome = new RedeemOutcome
        {
            Redemption = new RedemptionRecord
            {
                RedemptionId = redemptionId, IdempotencyKey = key, VoucherId = voucher.VoucherId, CampaignId = campaignId, MerchantId = shop.MerchantId,
                Status = RedemptionStatus.Completed, RedeemedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now), Version = 1,
            },
        };
        var columns = new RedemptionColumns("till:" + key, "", "", 0);
        Task<long> Count(string table) => world.ScalarAsync($"SELECT count(*) FROM {table} WHERE {(table == "redemption_events" ? "campaign_id = @k" : "idempotency_key = @k")}",
            ("k", table == "redemption_events" ? campaignId : key));
        var eventsBefore = await Count("redemption_events");

        var (late, _) = await store.RecordAsync(key, "fingerprint", outcome, columns, now.AddSeconds(6), default);

        Assert.Equal(RecordResult.LeaseLost, late);
        Assert.Equal(0, await Count("redemptions"));
        Assert.Equal(0, await Count("idempotency_keys"));
        Assert.Equal(eventsBefore, await Count("redemption_events"));

        var (inTime, _) = await store.RecordAsync(key, "fingerprint", outcome, columns, now.AddSeconds(1), default);
        await store.EndAttemptAsync(key, default);

        Assert.Equal(RecordResult.Recorded, inTime);
        Assert.Equal(1, await Count("redemptions"));
        Assert.Equal(1, await Count("idempotency_keys"));
        Assert.Equal(eventsBefore + 1, await Count("redemption_events"));
    }

    [Fact]
    public async Task Claim_unreachable_answers_UNAVAILABLE_with_nothing_recorded_and_the_same_request_later_redeems_once()
    {
        var (campaignId, shop, person, voucher) = await HolderAsync();
        var request = Named(shop, person, voucher.VoucherId, 10000, "supermarket");
        await using var cutOff = await RedemptionHost.StartAsync(
            world, $"http://127.0.0.1:{TestSupport.FreePorts.Next()}", listenAddress: new Uri($"http://127.0.0.1:{TestSupport.FreePorts.Next()}"));
        await cutOff.WaitForAsync(campaignId, view => view.Merchants.ContainsKey(shop.MerchantId));

        var unavailable = await Assert.ThrowsAsync<RpcException>(() => cutOff.Redemptions.RedeemAsync(request, deadline: RedemptionWorld.Deadline).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
        Assert.Equal(0, await RedemptionsOfAsync(voucher.VoucherId));
        Assert.Equal(0, await world.ScalarAsync("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = @key", ("key", request.IdempotencyKey)));
        Assert.Equal(VoucherStatus.Unused, (await world.WaitForVoucherAsync(person, voucher.VoucherId)).Status);
        var retried = await RedeemAsync(world, request);
        Assert.False(retried.Replayed);
        Assert.Equal(voucher.VoucherId, retried.Redemption.VoucherId);
        Assert.Equal(1, await RedemptionsOfAsync(voucher.VoucherId));
    }

    [Fact]
    public async Task A_merchant_suspension_reaches_redemption_through_the_snapshot_watch_and_stops_the_next_redemption()
    {
        var (campaignId, shop, person, voucher) = await HolderAsync();
        var merchant = await world.Campaign.Merchants.GetMerchantAsync(new Vouchers.Campaign.V1.GetMerchantRequest { Actor = Seeds.Operator, MerchantId = shop.MerchantId });
        await world.Campaign.Merchants.SuspendMerchantAsync(new Vouchers.Campaign.V1.ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = shop.MerchantId, ExpectedVersion = merchant.Version, Reason = "虚假交易" });
        await world.WaitForRedemptionToSeeAsync(campaignId, view => view.Merchants[shop.MerchantId].Terms.Standing == Domain.MerchantStanding.Suspended);

        var refused = await RedeemAsync(world, Named(shop, person, voucher.VoucherId, 10000, "supermarket"));

        Assert.Equal(RedemptionRefusalReason.MerchantSuspended, RefusalOf(refused));
        Assert.Equal(VoucherStatus.Unused, (await world.WaitForVoucherAsync(person, voucher.VoucherId)).Status);
    }
}
