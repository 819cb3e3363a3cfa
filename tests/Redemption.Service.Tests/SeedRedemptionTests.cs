extern alias campaigntests;

using Redemption.Service.Tests.Infrastructure;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests;

/// <summary>
/// The seeds' redemption rules end to end: each campaign configured exactly as DOMAIN.md writes it through the real
/// Campaign service, vouchers claimed through the real Claim service, redeemed through Redemption's gRPC API.
/// </summary>
[Collection(RedemptionCollection.Name)]
public sealed class SeedRedemptionTests(RedemptionWorld world)
{
    private static string Code(string seed) => $"{seed}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<string> RunningAsync(Seeds.Configured campaign, DateTimeOffset now)
    {
        await campaign.PublishAsync();
        world.Clock.Now = now;
        await world.WaitForRedemptionToSeeAsync(campaign.Id, view => view.Terms.Running);
        return campaign.Id;
    }

    [Fact]
    public async Task S3_auto_pick_takes_the_largest_qualifying_voucher_only_between_09_and_22_and_a_refund_keeps_it_used()
    {
        world.Clock.Now = Seeds.Beijing(2023, 4, 20);
        var s3 = await RunningAsync(await Seeds.ConfigureS3Async(world.Campaign.Campaigns, Code("youhao")), Seeds.Beijing(2023, 5, 1, 10).AddSeconds(5));
        var shop = await ShopAsync(world, s3, "supermarket");
        var person = Person(RedemptionWorld.NextSeed());
        var twenty = await ClaimAsync(world, s3, person, "t-20", InYouhao);
        var forty = await ClaimAsync(world, s3, person, "t-40", InYouhao);
        var eighty = await ClaimAsync(world, s3, person, "t-80", InYouhao);

        // 250 reaches 100→20 and 200→40 but not 300→80: the 40 is the pick; the 80 says why not.
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 12);
        var quote = await world.Redemption.Redemptions.QuoteRedemptionAsync(new QuoteRedemptionRequest
        {
            Actor = Channel(),
            MerchantId = shop.MerchantId,
            Order = new OrderDetails { OrderAmountCents = 25000, CategoryId = "supermarket" },
            AutoPick = new AutoPick { CampaignId = s3 },
            Person = person,
        }, deadline: RedemptionWorld.Deadline);
        Assert.Equal(forty.VoucherId, quote.Best.Voucher.VoucherId);
        Assert.Equal([forty.VoucherId, twenty.VoucherId, eighty.VoucherId], quote.Candidates.Select(c => c.Voucher.VoucherId));
        Assert.Equal([RedemptionRefusalReason.BelowMinimumSpend], quote.Candidates[2].Reasons);
        Assert.Equal(21000, quote.Best.PaidCents);

        // 08:59 and 22:00 are outside 09:00–22:00 in Asia/Shanghai.
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 8, 59);
        var early = await RedeemAsync(world, ThroughChannel(shop, person, 25000, "supermarket", s3));
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 22, 0);
        var late = await RedeemAsync(world, ThroughChannel(shop, person, 25000, "supermarket", s3));
        Assert.Equal(RedemptionRefusalReason.NoQualifyingVoucher, RefusalOf(early));
        Assert.Equal(RedemptionRefusalReason.NoQualifyingVoucher, RefusalOf(late));

        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 21, 59);
        var redeemed = await RedeemAsync(world, ThroughChannel(shop, person, 25000, "supermarket", s3));
        Assert.Equal(forty.VoucherId, redeemed.Redemption.VoucherId);
        Assert.Equal("", redeemed.Redemption.StaffId);
        Assert.Equal(4000, redeemed.Redemption.FaceValueCents);
        Assert.Equal(21000, redeemed.Redemption.PaidCents);
        Assert.Equal(VoucherStatus.Used, (await world.WaitForVoucherAsync(person, forty.VoucherId)).Status);

        // A scanned code outside the hours is refused with the time it can next be used.
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 23, 0);
        var night = await RedeemAsync(world, AtTill(shop, await CodeAsync(world, person, twenty.VoucherId), 15000, "supermarket"));
        Assert.Equal(RedemptionRefusalReason.OutsideUsageHours, RefusalOf(night));
        Assert.Equal(Seeds.Beijing(2023, 5, 3, 9), night.Refusal.UsableFrom.ToDateTimeOffset());

        // Goods returned: the voucher counts as used (如发生退货，该消费券视为已使用) and the redemption keeps its subsidy.
        world.Clock.Now = Seeds.Beijing(2023, 5, 3, 10);
        var refunded = await world.Redemption.Redemptions.ReverseRedemptionAsync(new ReverseRedemptionRequest
        {
            ReversalId = Guid.NewGuid().ToString(),
            Actor = shop.Cashier,
            RedemptionId = redeemed.Redemption.RedemptionId,
            Kind = ReversalKind.Refund,
            RefundedAmountCents = 25000,
            Reason = "退货",
        }, deadline: RedemptionWorld.Deadline);
        Assert.Equal(RedemptionStatus.Refunded, refunded.Status);
        Assert.False(refunded.Reversal.VoucherReturned);
        Assert.Equal(SubsidyExclusion.Unspecified, refunded.SubsidyExclusion);
        Assert.Equal(VoucherStatus.Used, (await world.WaitForVoucherAsync(person, forty.VoucherId)).Status);

        var feed = await FeedAsync(world, s3);
        Assert.Equal([RedemptionEventKind.Redeemed, RedemptionEventKind.Refunded], feed.Select(e => e.Kind));
        Assert.True(feed[0].Sequence < feed[1].Sequence);
        Assert.Equal(refunded, feed[1].Redemption);
    }

    [Fact]
    public async Task S5_the_qualifying_item_must_reach_2000_the_invoice_is_required_200_is_within_the_cap_and_vouchers_end_05_22_24_00()
    {
        world.Clock.Now = Seeds.Beijing(2023, 4, 20);
        var s5 = await RunningAsync(await Seeds.ConfigureS5Async(world.Campaign.Campaigns, Code("zhangdian")), Seeds.Beijing(2023, 4, 22, 10).AddSeconds(5));
        var shop = await ShopAsync(world, s5, "appliances");
        var (a, b, c) = (Person(RedemptionWorld.NextSeed()), Person(RedemptionWorld.NextSeed()), Person(RedemptionWorld.NextSeed()));
        var twoHundred = await ClaimAsync(world, s5, a, "t-200");
        var hundredB = await ClaimAsync(world, s5, b, "t-100");
        var hundredC = await ClaimAsync(world, s5, c, "t-100");

        world.Clock.Now = Seeds.Beijing(2023, 4, 23, 12);
        var smallItem = await RedeemAsync(world, Named(shop, a, twoHundred.VoucherId, 500000, "appliances", itemCents: 199999, invoice: "FP-1"));
        var noInvoice = await RedeemAsync(world, Named(shop, a, twoHundred.VoucherId, 500000, "appliances", itemCents: 200000));
        var redeemed = await RedeemAsync(world, Named(shop, a, twoHundred.VoucherId, 500000, "appliances", itemCents: 200000, invoice: "FP-2"));

        Assert.Equal(RedemptionRefusalReason.BelowMinimumSpend, RefusalOf(smallItem));
        Assert.Equal(200000, smallItem.Refusal.RequiredAmountCents);
        Assert.Equal(RedemptionRefusalReason.MissingDetails, RefusalOf(noInvoice));
        Assert.Equal((20000L, 3000L, 17000L, 200000L, "FP-2"), (redeemed.Redemption.FaceValueCents, redeemed.Redemption.MerchantCofundingCents, redeemed.Redemption.GovernmentShareCents, redeemed.Redemption.QualifyingItemAmountCents, redeemed.Redemption.InvoiceNumber));
        Assert.Equal(SubsidyExclusion.Unspecified, redeemed.Redemption.SubsidyExclusion);

        world.Clock.Now = Seeds.Beijing(2023, 5, 22, 23, 59);
        var lastMinute = await RedeemAsync(world, Named(shop, b, hundredB.VoucherId, 150000, "appliances", itemCents: 100000, invoice: "FP-3"));
        world.Clock.Now = Seeds.Beijing(2023, 5, 23);
        var tooLate = await RedeemAsync(world, Named(shop, c, hundredC.VoucherId, 150000, "appliances", itemCents: 100000, invoice: "FP-4"));
        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, lastMinute.ResultCase);
        Assert.Equal(8500, lastMinute.Redemption.GovernmentShareCents);
        Assert.Equal(RedemptionRefusalReason.VoucherExpired, RefusalOf(tooLate));
    }

    [Fact]
    public async Task S2_the_order_must_reach_three_times_face_value_inclusive_and_without_an_amount_the_redemption_stands_without_subsidy()
    {
        world.Clock.Now = Seeds.Beijing(2022, 5, 20);
        var s2 = await RunningAsync(await Seeds.ConfigureS2Async(world.Campaign.Campaigns, asPrinted: false, Code("qianan")), Seeds.Beijing(2022, 6, 1, 9).AddSeconds(5));
        var shop = await ShopAsync(world, s2, "fuel", "lodging");
        var (a, b) = (Person(RedemptionWorld.NextSeed()), Person(RedemptionWorld.NextSeed()));
        var fuel = await DrawAsync(world, s2, a, "fuel");
        var lodging = await DrawAsync(world, s2, b, "lodging");

        world.Clock.Now = Seeds.Beijing(2022, 6, 2, 12);
        var threeTimes = fuel.FaceValueCents * 3;
        var short1 = await RedeemAsync(world, Named(shop, a, fuel.VoucherId, threeTimes - 1, "fuel"));
        var exact = await RedeemAsync(world, Named(shop, a, fuel.VoucherId, threeTimes, "fuel"));
        var noAmount = await RedeemAsync(world, Named(shop, b, lodging.VoucherId, 0, "lodging"));

        Assert.Equal(RedemptionRefusalReason.BelowMinimumSpend, RefusalOf(short1));
        Assert.Equal(threeTimes, short1.Refusal.RequiredAmountCents);
        Assert.Equal(SubsidyExclusion.Unspecified, exact.Redemption.SubsidyExclusion);
        Assert.Equal(SubsidyExclusion.MissingDetails, noAmount.Redemption.SubsidyExclusion);
        Assert.Equal([RedemptionDetail.OrderAmount], noAmount.Redemption.MissingDetails);

        var listed = await world.Redemption.Redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = shop.Cashier, MerchantId = shop.MerchantId }, deadline: RedemptionWorld.Deadline);
        Assert.Equal(2, listed.Totals.Count);
        Assert.Equal(fuel.FaceValueCents + lodging.FaceValueCents, listed.Totals.FaceValueCents);
        Assert.Equal(threeTimes, listed.Totals.OrderAmountCents);
        Assert.Equal(fuel.FaceValueCents, listed.Totals.SubsidyCents);
    }

    [Fact]
    public async Task S4_vouchers_redeem_until_09_30_24_00()
    {
        world.Clock.Now = Seeds.Beijing(2020, 9, 1);
        var s4 = await RunningAsync(await Seeds.ConfigureS4Async(world.Campaign.Campaigns, Code("qianan2020")), Seeds.Beijing(2020, 9, 13, 10).AddSeconds(5));
        var shop = await ShopAsync(world, s4, "supermarket");
        var (a, b) = (Person(RedemptionWorld.NextSeed()), Person(RedemptionWorld.NextSeed()));
        var first = await ClaimAsync(world, s4, a, "t-20");
        var second = await ClaimAsync(world, s4, b, "t-20");

        world.Clock.Now = Seeds.Beijing(2020, 9, 30, 23, 59);
        var inTime = await RedeemAsync(world, Named(shop, a, first.VoucherId, 10000, "supermarket"));
        world.Clock.Now = Seeds.Beijing(2020, 10, 1);
        var late = await RedeemAsync(world, Named(shop, b, second.VoucherId, 10000, "supermarket"));

        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, inTime.ResultCase);
        Assert.Equal(RedemptionRefusalReason.VoucherExpired, RefusalOf(late));
    }

    [Fact]
    public async Task S1_vouchers_are_valid_seven_calendar_days_from_the_claim_and_not_before_it()
    {
        world.Clock.Now = Seeds.Beijing(2023, 2, 20);
        var s1 = await RunningAsync(await Seeds.ConfigureS1Async(world.Campaign.Campaigns, Code("huating")), Seeds.Beijing(2023, 3, 1, 10).AddSeconds(5));
        var shop = await ShopAsync(world, s1, "supermarket");
        var (a, b) = (Person(RedemptionWorld.NextSeed()), Person(RedemptionWorld.NextSeed()));
        var first = await ClaimAsync(world, s1, a, S1Tier);
        var second = await ClaimAsync(world, s1, b, S1Tier);

        world.Clock.Now = Seeds.Beijing(2023, 3, 7, 23, 59);
        var seventhDay = await RedeemAsync(world, Named(shop, a, first.VoucherId, 3000, "supermarket"));
        world.Clock.Now = Seeds.Beijing(2023, 3, 8);
        var eighthDay = await RedeemAsync(world, Named(shop, b, second.VoucherId, 3000, "supermarket"));

        Assert.Equal(RedeemOutcome.ResultOneofCase.Redemption, seventhDay.ResultCase);
        Assert.Equal(1000, seventhDay.Redemption.FaceValueCents);
        Assert.Equal(RedemptionRefusalReason.VoucherExpired, RefusalOf(eighthDay));
    }

    private static string S1Tier => Seeds.S1Tiers[0].Id;
}
