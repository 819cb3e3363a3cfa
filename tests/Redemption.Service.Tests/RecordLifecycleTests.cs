extern alias campaigntests;

using Grpc.Core;
using Redemption.Service.Tests.Infrastructure;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests;

/// <summary>After the redemption: voids, revocations, the merchant's list with totals, screening and the feed.</summary>
[Collection(RedemptionCollection.Name)]
public sealed class RecordLifecycleTests(RedemptionWorld world)
{
    /// <summary>S3 running on 05-02 noon, a shop, one person holding the 20, 40 and 80 vouchers.</summary>
    private async Task<(string CampaignId, Shop Shop, PersonIdentity Person, Voucher[] Vouchers)> S3Async()
    {
        world.Clock.Now = Seeds.Beijing(2023, 4, 20);
        var s3 = await Seeds.ConfigureS3Async(world.Campaign.Campaigns, $"youhao-{Guid.NewGuid().ToString("N")[..8]}");
        await s3.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2023, 5, 1, 10).AddSeconds(5);
        await world.WaitForRedemptionToSeeAsync(s3.Id, view => view.Terms.Running);
        var shop = await ShopAsync(world, s3.Id, "supermarket", "catering");
        var person = Person(RedemptionWorld.NextSeed());
        var vouchers = new[] { await ClaimAsync(world, s3.Id, person, "t-20", InYouhao), await ClaimAsync(world, s3.Id, person, "t-40", InYouhao), await ClaimAsync(world, s3.Id, person, "t-80", InYouhao) };
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 12);
        return (s3.Id, shop, person, vouchers);
    }

    private async Task<RedemptionRecord> RedeemedAsync(Shop shop, PersonIdentity person, Voucher voucher, long orderCents, string category = "supermarket")
    {
        var outcome = await RedeemAsync(world, Named(shop, person, voucher.VoucherId, orderCents, category));
        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, outcome.ResultCase);
        return outcome.Redemption;
    }

    private Task<RedemptionRecord> ReverseAsync(Actor actor, string redemptionId, ReversalKind kind, long refunded = 0, string? reversalId = null) =>
        world.Redemption.Redemptions.ReverseRedemptionAsync(new ReverseRedemptionRequest { ReversalId = reversalId ?? Guid.NewGuid().ToString(), Actor = actor, RedemptionId = redemptionId, Kind = kind, RefundedAmountCents = refunded, Reason = "收银员输错金额" }, deadline: RedemptionWorld.Deadline).ResponseAsync;

    [Fact]
    public async Task A_void_on_the_day_returns_the_voucher_to_the_wallet_and_a_void_the_next_day_is_refused()
    {
        var (_, shop, person, vouchers) = await S3Async();
        var first = await RedeemedAsync(shop, person, vouchers[0], 15000);
        var second = await RedeemedAsync(shop, person, vouchers[1], 30000);

        var reversalId = Guid.NewGuid().ToString();
        var voided = await ReverseAsync(shop.Cashier, first.RedemptionId, ReversalKind.Void, reversalId: reversalId);
        var again = await ReverseAsync(shop.Cashier, first.RedemptionId, ReversalKind.Void, reversalId: reversalId);
        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 0, 0);
        var late = await Assert.ThrowsAsync<RpcException>(() => ReverseAsync(shop.Cashier, second.RedemptionId, ReversalKind.Void));

        Assert.Equal((RedemptionStatus.Voided, SubsidyExclusion.Voided, true), (voided.Status, voided.SubsidyExclusion, voided.Reversal.VoucherReturned));
        Assert.Equal(voided, again);
        Assert.Equal(VoucherStatus.Unused, (await world.WaitForVoucherAsync(person, vouchers[0].VoucherId)).Status);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 10);
        var redeemedAgain = await RedeemedAsync(shop, person, vouchers[0], 15000);
        Assert.NotEqual(first.RedemptionId, redeemedAgain.RedemptionId);
    }

    [Fact]
    public async Task An_operator_revokes_a_redemption_once_it_then_earns_nothing_and_a_voided_one_cannot_be_revoked()
    {
        var (_, shop, person, vouchers) = await S3Async();
        var kept = await RedeemedAsync(shop, person, vouchers[1], 30000);
        var voided = await ReverseAsync(shop.Cashier, (await RedeemedAsync(shop, person, vouchers[0], 15000)).RedemptionId, ReversalKind.Void);
        RevokeRedemptionRequest Revoke(string id, Actor actor) => new() { Actor = actor, RedemptionId = id, Reason = "稽查：虚假交易 (案号 2023-17)" };

        var revoked = await world.Redemption.Admin.RevokeRedemptionAsync(Revoke(kept.RedemptionId, Seeds.Operator), deadline: RedemptionWorld.Deadline);
        var twice = await world.Redemption.Admin.RevokeRedemptionAsync(Revoke(kept.RedemptionId, Seeds.Operator), deadline: RedemptionWorld.Deadline);
        var notVoided = await Assert.ThrowsAsync<RpcException>(() => world.Redemption.Admin.RevokeRedemptionAsync(Revoke(voided.RedemptionId, Seeds.Operator), deadline: RedemptionWorld.Deadline).ResponseAsync);
        var byMerchant = await Assert.ThrowsAsync<RpcException>(() => world.Redemption.Admin.RevokeRedemptionAsync(Revoke(kept.RedemptionId, shop.Cashier), deadline: RedemptionWorld.Deadline).ResponseAsync);

        Assert.Equal((RedemptionStatus.Revoked, SubsidyExclusion.Revoked), (revoked.Status, revoked.SubsidyExclusion));
        Assert.Equal(revoked, twice);
        Assert.Equal(StatusCode.FailedPrecondition, notVoided.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, byMerchant.StatusCode);
        Assert.Equal(VoucherStatus.Used, (await world.WaitForVoucherAsync(person, vouchers[1].VoucherId)).Status);
    }

    [Fact]
    public async Task With_Settlement_unreachable_a_void_or_refund_is_unavailable_and_changes_nothing_and_the_same_reversal_succeeds_once_it_is_back()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        var redeemed = await RedeemedAsync(shop, person, vouchers[0], 15000);
        var reversalId = Guid.NewGuid().ToString();

        RpcException voidDown, refundDown;
        RedemptionRecord afterwards;
        long reversalsStored;
        await world.RestartRedemptionAsync(new Dictionary<string, string?> { ["services:settlement:grpc:0"] = $"http://127.0.0.1:{TestSupport.FreePorts.Next()}" });
        try
        {
            await world.WaitForRedemptionToSeeAsync(campaignId, view => view.Terms.Running);
            voidDown = await Assert.ThrowsAsync<RpcException>(() => ReverseAsync(shop.Cashier, redeemed.RedemptionId, ReversalKind.Void, reversalId: reversalId));
            refundDown = await Assert.ThrowsAsync<RpcException>(() => ReverseAsync(shop.Cashier, redeemed.RedemptionId, ReversalKind.Refund, refunded: 5000));
            afterwards = await world.Redemption.Redemptions.GetRedemptionAsync(new GetRedemptionRequest { Actor = shop.Cashier, RedemptionId = redeemed.RedemptionId }, deadline: RedemptionWorld.Deadline);
            reversalsStored = await world.ScalarAsync("SELECT count(*) FROM reversals WHERE redemption_id = @id", ("id", redeemed.RedemptionId));
        }
        finally
        {
            await world.RestartRedemptionAsync();
        }

        await world.WaitForRedemptionToSeeAsync(campaignId, view => view.Terms.Running);
        var voided = await ReverseAsync(shop.Cashier, redeemed.RedemptionId, ReversalKind.Void, reversalId: reversalId);

        Assert.Equal((StatusCode.Unavailable, StatusCode.Unavailable), (voidDown.StatusCode, refundDown.StatusCode));
        Assert.Contains("Settlement", voidDown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(redeemed, afterwards);
        Assert.Equal(0, reversalsStored);
        Assert.Equal(RedemptionStatus.Voided, voided.Status);
        Assert.Equal(VoucherStatus.Unused, (await world.WaitForVoucherAsync(person, vouchers[0].VoucherId)).Status);
    }

    [Fact]
    public async Task A_merchant_lists_its_redemptions_newest_first_in_pages_with_totals_over_every_page()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        var records = new List<RedemptionRecord>();
        foreach (var (voucher, order) in vouchers.Zip(new long[] { 15000, 30000, 54400 }))
        {
            records.Add(await RedeemedAsync(shop, person, voucher, order));
            world.Clock.Now = world.Clock.Now.AddMinutes(1);
        }

        ListRedemptionsRequest Page(string token = "") => new() { Actor = shop.Cashier, MerchantId = shop.MerchantId, CampaignId = campaignId, Page = new PageRequest { PageSize = 2, PageToken = token } };
        var first = await world.Redemption.Redemptions.ListRedemptionsAsync(Page(), deadline: RedemptionWorld.Deadline);
        var second = await world.Redemption.Redemptions.ListRedemptionsAsync(Page(first.Page.NextPageToken), deadline: RedemptionWorld.Deadline);
        var byPhone = await world.Redemption.Redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = Seeds.Auditor, BuyerPhone = person.Phone }, deadline: RedemptionWorld.Deadline);
        var otherPhone = await world.Redemption.Redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = Seeds.Auditor, BuyerPhone = "13700000000", MerchantId = shop.MerchantId }, deadline: RedemptionWorld.Deadline);

        Assert.Equal(records.Select(r => r.RedemptionId).Reverse(), first.Redemptions.Concat(second.Redemptions).Select(r => r.RedemptionId));
        Assert.Equal("", second.Page.NextPageToken);
        Assert.Equal(first.Totals, second.Totals);
        Assert.Equal((3L, 14000L, 99400L, 14000L), (first.Totals.Count, first.Totals.FaceValueCents, first.Totals.OrderAmountCents, first.Totals.SubsidyCents));
        Assert.Equal(71000, first.Totals.LeverageBasisPoints);
        Assert.Equal(3, byPhone.Totals.Count);
        Assert.Equal(0, otherPhone.Totals.Count);
    }

    [Fact]
    public async Task The_screening_of_a_day_flags_the_same_buyer_again_and_again_and_auditors_can_read_the_signal()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        foreach (var (voucher, order) in vouchers.Zip(new long[] { 15000, 30000, 54400 }))
        {
            await RedeemedAsync(shop, person, voucher, order);
        }

        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 2);
        var day = new LocalDate { Year = 2023, Month = 5, Day = 2 };
        var run = await world.Redemption.Admin.RunScreeningAsync(new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = campaignId, Day = day }, deadline: RedemptionWorld.Deadline);
        var rerun = await world.Redemption.Admin.RunScreeningAsync(new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = campaignId, Day = day }, deadline: RedemptionWorld.Deadline);
        var listed = await world.Redemption.Admin.ListAnomalySignalsAsync(new ListAnomalySignalsRequest { Actor = Seeds.Auditor, CampaignId = campaignId, MerchantId = shop.MerchantId, Kinds = { AnomalyKind.RepeatBuyer } }, deadline: RedemptionWorld.Deadline);

        var signal = Assert.Single(run.Signals);
        Assert.Equal((AnomalyKind.RepeatBuyer, 3L, 3L, 10000), (signal.Kind, signal.MatchingCount, signal.TotalCount, signal.ScoreBasisPoints));
        Assert.Equal(person.Phone[..3] + "****" + person.Phone[^4..], signal.Buyer.MaskedValue);
        Assert.Equal(rerun.Signals.Single().SignalId, Assert.Single(listed.Signals).SignalId);
    }

    [Fact]
    public async Task The_screening_flags_a_buyer_on_Claims_scalper_list_and_names_them_masked()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        await RedeemedAsync(shop, person, vouchers[0], 15000);
        await world.ClaimAdmin.AddToBlockListAsync(new AddToBlockListRequest
        {
            Actor = Seeds.Operator,
            CampaignId = campaignId,
            Reason = "many accounts on one phone",
            Keys = { new IdentityKeyValue { Kind = IdentityKeyKind.Phone, Value = person.Phone } },
        }, deadline: RedemptionWorld.Deadline);

        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 2);
        var run = await world.Redemption.Admin.RunScreeningAsync(
            new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = campaignId, Day = new LocalDate { Year = 2023, Month = 5, Day = 2 } }, deadline: RedemptionWorld.Deadline);

        var signal = Assert.Single(run.Signals);
        Assert.Equal((AnomalyKind.BlockedBuyer, 1L, 1L, 10000), (signal.Kind, signal.MatchingCount, signal.TotalCount, signal.ScoreBasisPoints));
        Assert.Equal(person.Phone[..3] + "****" + person.Phone[^4..], signal.Buyer.MaskedValue);
    }

    [Fact]
    public async Task The_feed_replays_in_order_resumes_after_a_cursor_and_follows_new_events()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        var first = await RedeemedAsync(shop, person, vouchers[0], 15000);
        var before = await FeedAsync(world, campaignId);
        using var follow = world.Redemption.Feed.StreamRedemptionEvents(new StreamRedemptionEventsRequest { CampaignId = campaignId, AfterCursor = before[^1].Cursor, Follow = true }, deadline: RedemptionWorld.Deadline);

        var second = await RedeemedAsync(shop, person, vouchers[1], 30000);
        Assert.True(await follow.ResponseStream.MoveNext(default));
        var followed = follow.ResponseStream.Current;
        var all = await FeedAsync(world, "");
        var resumed = await FeedAsync(world, campaignId, before[^1].Cursor);

        Assert.Equal(first.RedemptionId, Assert.Single(before).Redemption.RedemptionId);
        Assert.Equal(second.RedemptionId, followed.Redemption.RedemptionId);
        Assert.Equal(second.RedemptionId, Assert.Single(resumed).Redemption.RedemptionId);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Sequence));
    }

    [Fact]
    public async Task The_nightly_schedule_screens_yesterday_in_the_campaign_zone_once_per_day()
    {
        var (campaignId, shop, person, vouchers) = await S3Async();
        foreach (var (voucher, order) in vouchers.Zip(new long[] { 15000, 30000, 54400 }))
        {
            await RedeemedAsync(shop, person, voucher, order);
        }

        // 00:30 on 05-03 in Asia/Shanghai is still 05-02 in UTC: the schedule must pick 05-02, the local yesterday.
        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 0, 30);
        var host = world.Redemption;
        var scheduler = new Screening.ScreeningScheduler(
            host.Get<Screening.ScreeningService>(), host.Get<Campaigns.CampaignRules>(), host.Get<Microsoft.Extensions.Options.IOptions<RedemptionOptions>>(),
            host.Get<ServiceDefaults.MigrationState<Data.RedemptionDbContext>>(), world.Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<Screening.ScreeningScheduler>.Instance);

        await scheduler.RunDueAsync(default);
        var ranAt = await world.ScalarAsync("SELECT count(*) FROM screening_runs WHERE campaign_id = @c AND day = DATE '2023-05-02'", ("c", campaignId));
        var signals = await world.ScalarAsync("SELECT count(*) FROM anomaly_signals WHERE campaign_id = @c AND day = DATE '2023-05-02'", ("c", campaignId));
        await scheduler.RunDueAsync(default);
        var signalsAfterSecondTick = await world.ScalarAsync("SELECT count(*) FROM anomaly_signals WHERE campaign_id = @c", ("c", campaignId));

        Assert.Equal(1, ranAt);
        Assert.Equal(1, signals);
        Assert.Equal(1, signalsAfterSecondTick);
    }
}
