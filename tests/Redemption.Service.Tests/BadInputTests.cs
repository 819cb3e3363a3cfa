extern alias campaigntests;

using Grpc.Core;
using Redemption.Service.Tests.Infrastructure;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests;

/// <summary>Every call of redemption.v1 refuses a wrong request with the status the contract names and a message a cashier understands.</summary>
[Collection(RedemptionCollection.Name)]
public sealed class BadInputTests(RedemptionWorld world)
{
    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    private async Task<(string CampaignId, Shop Shop, Shop Other, PersonIdentity Person, RedemptionRecord Record)> WorldAsync()
    {
        world.Clock.Now = Seeds.Beijing(2020, 9, 1);
        var s4 = await Seeds.ConfigureS4Async(world.Campaign.Campaigns, $"bad-{Guid.NewGuid().ToString("N")[..8]}");
        await s4.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2020, 9, 13, 10).AddSeconds(5);
        await world.WaitForRedemptionToSeeAsync(s4.Id, view => view.Terms.Running);
        var shop = await ShopAsync(world, s4.Id, "supermarket");
        var other = await ShopAsync(world, s4.Id, "supermarket");
        var person = Person(RedemptionWorld.NextSeed());
        var voucher = await ClaimAsync(world, s4.Id, person, "t-20");
        var outcome = await RedeemAsync(world, Named(shop, person, voucher.VoucherId, 10000, "supermarket"));
        return (s4.Id, shop, other, person, outcome.Redemption);
    }

    [Fact]
    public async Task Quote_and_redeem_refuse_missing_fields_negative_amounts_unknown_merchants_and_other_merchants_staff()
    {
        var (_, shop, other, person, _) = await WorldAsync();
        var redemptions = world.Redemption.Redemptions;
        var good = AtTill(shop, "some-token", 10000, "supermarket");

        var noSource = await Refused(() => redemptions.QuoteRedemptionAsync(new QuoteRedemptionRequest { Actor = shop.Cashier, MerchantId = shop.MerchantId, Order = new OrderDetails { OrderAmountCents = 100 } }).ResponseAsync);
        var noPerson = await Refused(() => redemptions.QuoteRedemptionAsync(new QuoteRedemptionRequest { Actor = shop.Cashier, MerchantId = shop.MerchantId, Order = new OrderDetails { OrderAmountCents = 100 }, AutoPick = new AutoPick() }).ResponseAsync);
        var quoteUnknown = await Refused(() => redemptions.QuoteRedemptionAsync(new QuoteRedemptionRequest { Actor = Channel(), MerchantId = "m-nobody", Order = new OrderDetails { OrderAmountCents = 100 }, PresentationToken = "x" }).ResponseAsync);
        var quoteOther = await Refused(() => redemptions.QuoteRedemptionAsync(new QuoteRedemptionRequest { Actor = other.Cashier, MerchantId = shop.MerchantId, Order = new OrderDetails { OrderAmountCents = 100 }, PresentationToken = "x" }).ResponseAsync);

        var noKey = good.Clone();
        noKey.IdempotencyKey = "";
        var negative = good.Clone();
        negative.Order.OrderAmountCents = -1;
        var noStaff = good.Clone();
        noStaff.StaffId = "";
        var noOrderNumber = good.Clone();
        noOrderNumber.Order.MerchantOrderNumber = "";
        var unknownMerchant = good.Clone();
        unknownMerchant.MerchantId = "m-nobody";
        unknownMerchant.Actor = Channel();
        var otherStaff = good.Clone();
        otherStaff.Actor = other.Cashier;
        var byConsumer = good.Clone();
        byConsumer.Actor = new Actor { ActorId = "c1", Role = ActorRole.Consumer };

        Assert.Equal(StatusCode.InvalidArgument, noSource.StatusCode);
        Assert.Contains("付款码", noSource.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, noPerson.StatusCode);
        Assert.Equal(StatusCode.NotFound, quoteUnknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, quoteOther.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(() => RedeemAsync(world, noKey))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(() => RedeemAsync(world, negative))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(() => RedeemAsync(world, noStaff))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Refused(() => RedeemAsync(world, noOrderNumber))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Refused(() => RedeemAsync(world, unknownMerchant))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => RedeemAsync(world, otherStaff))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => RedeemAsync(world, byConsumer))).StatusCode);
        var unknownCode = await RedeemAsync(world, good);
        Assert.Equal(RedemptionRefusalReason.VoucherNotFound, RefusalOf(unknownCode));
        Assert.Equal("未找到该消费券", unknownCode.Refusal.Message);
    }

    [Fact]
    public async Task A_second_voucher_on_the_same_till_transaction_is_refused_one_voucher_per_transaction()
    {
        var (campaignId, shop, _, _, record) = await WorldAsync();
        var person = Person(RedemptionWorld.NextSeed());
        var voucher = await ClaimAsync(world, campaignId, person, "t-20");
        var request = Named(shop, person, voucher.VoucherId, 10000, "supermarket");
        request.ChannelTransactionId = record.ChannelTransactionId;

        var stacked = await RedeemAsync(world, request);

        Assert.Equal(RedemptionRefusalReason.TransactionAlreadyHasVoucher, RefusalOf(stacked));
    }

    [Fact]
    public async Task Reverse_get_and_list_refuse_bad_requests_with_the_contracts_codes()
    {
        var (_, shop, other, _, record) = await WorldAsync();
        var redemptions = world.Redemption.Redemptions;
        ReverseRedemptionRequest Reverse(Action<ReverseRedemptionRequest> change)
        {
            var request = new ReverseRedemptionRequest { ReversalId = Guid.NewGuid().ToString(), Actor = shop.Cashier, RedemptionId = record.RedemptionId, Kind = ReversalKind.Refund, RefundedAmountCents = 5000, Reason = "退货" };
            change(request);
            return request;
        }

        var noReason = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(r => r.Reason = "")).ResponseAsync);
        var tooMuch = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(r => r.RefundedAmountCents = 10001)).ResponseAsync);
        var unknown = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(r => r.RedemptionId = "rdm-none")).ResponseAsync);
        var otherShop = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(r => r.Actor = other.Cashier)).ResponseAsync);
        var refund = Reverse(_ => { });
        await redemptions.ReverseRedemptionAsync(refund);
        var reused = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(r => (r.ReversalId, r.RefundedAmountCents) = (refund.ReversalId, 6000))).ResponseAsync);
        var notCompleted = await Refused(() => redemptions.ReverseRedemptionAsync(Reverse(_ => { })).ResponseAsync);
        var getUnknown = await Refused(() => redemptions.GetRedemptionAsync(new GetRedemptionRequest { Actor = shop.Cashier, RedemptionId = "rdm-none" }).ResponseAsync);
        var getOther = await Refused(() => redemptions.GetRedemptionAsync(new GetRedemptionRequest { Actor = other.Cashier, RedemptionId = record.RedemptionId }).ResponseAsync);
        var listOther = await Refused(() => redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = other.Cashier, MerchantId = shop.MerchantId }).ResponseAsync);
        // A merchant's token names its merchant: a list without merchant_id is its own list, never everyone's.
        var ownList = await redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = shop.Cashier });
        Assert.All(ownList.Redemptions, r => Assert.Equal(shop.MerchantId, r.MerchantId));
        Assert.NotEmpty(ownList.Redemptions);
        var badToken = await Refused(() => redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = shop.Cashier, MerchantId = shop.MerchantId, Page = new PageRequest { PageToken = "not-a-token" } }).ResponseAsync);
        var badWindow = await Refused(() => redemptions.ListRedemptionsAsync(new ListRedemptionsRequest
        {
            Actor = Seeds.Auditor,
            Window = new TimeWindow { StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Seeds.Beijing(2020, 9, 2)), EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Seeds.Beijing(2020, 9, 1)) },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, tooMuch.StatusCode);
        Assert.Contains("退款金额", tooMuch.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, otherShop.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, notCompleted.StatusCode);
        Assert.Equal(StatusCode.NotFound, getUnknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, getOther.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, listOther.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badToken.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badWindow.StatusCode);
    }

    [Fact]
    public async Task Admin_calls_and_the_feed_refuse_bad_requests_with_the_contracts_codes()
    {
        var (campaignId, shop, _, _, record) = await WorldAsync();
        var admin = world.Redemption.Admin;
        var today = new LocalDate { Year = 2020, Month = 9, Day = 13 };

        var noReason = await Refused(() => admin.RevokeRedemptionAsync(new RevokeRedemptionRequest { Actor = Seeds.Operator, RedemptionId = record.RedemptionId }).ResponseAsync);
        var revokeUnknown = await Refused(() => admin.RevokeRedemptionAsync(new RevokeRedemptionRequest { Actor = Seeds.Operator, RedemptionId = "rdm-none", Reason = "欺诈" }).ResponseAsync);
        var revokeByAuditor = await Refused(() => admin.RevokeRedemptionAsync(new RevokeRedemptionRequest { Actor = Seeds.Auditor, RedemptionId = record.RedemptionId, Reason = "欺诈" }).ResponseAsync);
        var malformed = await Refused(() => admin.RunScreeningAsync(new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = campaignId, Day = new LocalDate { Year = 2020, Month = 2, Day = 30 } }).ResponseAsync);
        var future = await Refused(() => admin.RunScreeningAsync(new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = campaignId, Day = new LocalDate { Year = 2020, Month = 9, Day = 14 } }).ResponseAsync);
        var noCampaign = await Refused(() => admin.RunScreeningAsync(new RunScreeningRequest { Actor = Seeds.Operator, CampaignId = "camp-none", Day = today }).ResponseAsync);
        var screenByMerchant = await Refused(() => admin.RunScreeningAsync(new RunScreeningRequest { Actor = shop.Cashier, CampaignId = campaignId, Day = today }).ResponseAsync);
        var signalsByMerchant = await Refused(() => admin.ListAnomalySignalsAsync(new ListAnomalySignalsRequest { Actor = shop.Cashier }).ResponseAsync);
        var signalsBadToken = await Refused(() => admin.ListAnomalySignalsAsync(new ListAnomalySignalsRequest { Actor = Seeds.Auditor, Page = new PageRequest { PageToken = "nope" } }).ResponseAsync);
        var badCursor = await Refused(() => FeedAsync(world, campaignId, "not-a-cursor"));
        var ahead = await Refused(() => FeedAsync(world, campaignId, Storage.FeedStore.Cursor(long.MaxValue / 2)));

        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        Assert.Equal(StatusCode.NotFound, revokeUnknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, revokeByAuditor.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, future.StatusCode);
        Assert.Equal(StatusCode.NotFound, noCampaign.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, screenByMerchant.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, signalsByMerchant.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, signalsBadToken.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badCursor.StatusCode);
        Assert.Equal(StatusCode.OutOfRange, ahead.StatusCode);
    }
}
