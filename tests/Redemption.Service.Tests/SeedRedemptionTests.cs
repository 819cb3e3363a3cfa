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
}
