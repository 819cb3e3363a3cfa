using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

public class SettlementTests
{
    private static readonly FundingSource[] S1Funding = [new("pingliang-city", Y(200_000)), new("huating-county", Y(200_000))];

    private static SettledRedemption R(string id, string merchant, string channel, long faceYuan, long orderYuan,
        RedemptionStanding standing = RedemptionStanding.Valid, long cofundingYuan = 0) =>
        new(id, merchant, channel, Y(faceYuan), Y(cofundingYuan), Y(orderYuan), standing);

    [Fact]
    public void S1_subsidy_is_fully_government_funded_split_half_city_half_county_and_by_issuing_channel()
    {
        SettledRedemption[] redemptions =
        [
            R("1", "noodle-shop", "unionpay", 50, 168),
            R("2", "noodle-shop", "unionpay", 10, 35),
            R("3", "noodle-shop", "bestpay", 20, 61),
            R("4", "supermarket", "bestpay", 300, 1288),
            R("5", "supermarket", "unionpay", 100, 420, RedemptionStanding.Revoked),
        ];

        var result = SettlementRules.Settle(redemptions, [], S1Funding);

        var noodle = result.Statements.Single(s => s.MerchantId == "noodle-shop");
        Assert.Equal((3, Y(80), Y(264), Y(80), 0L, Y(80)), (noodle.RedemptionCount, noodle.FaceValueCents, noodle.LeveragedSpendCents, noodle.GrossGovernmentShareCents, noodle.MerchantShareCents, noodle.NetPayableCents));
        Assert.Equal([new SplitLine("pingliang-city", Y(40)), new SplitLine("huating-county", Y(40))], noodle.ByFundingSource);
        Assert.Equal([new SplitLine("bestpay", Y(20)), new SplitLine("unionpay", Y(60))], noodle.ByChannel);

        var supermarket = result.Statements.Single(s => s.MerchantId == "supermarket");
        Assert.Equal((Y(400), Y(100), Y(300), Y(1288)), (supermarket.GrossGovernmentShareCents, supermarket.RevokedCents, supermarket.NetPayableCents, supermarket.LeveragedSpendCents));
        Assert.Equal([new SplitLine("bestpay", Y(300))], supermarket.ByChannel);

        Assert.Equal(Y(380), result.NetPayableCents);
        Assert.Equal([new SplitLine("pingliang-city", Y(190)), new SplitLine("huating-county", Y(190))], result.ByFundingSource);
        Assert.Equal([new SplitLine("bestpay", Y(320)), new SplitLine("unionpay", Y(60))], result.ByChannel);
    }

    [Fact]
    public void S1_an_odd_cent_goes_to_the_first_funding_source_and_nothing_is_lost()
    {
        var result = SettlementRules.Settle([new SettledRedemption("1", "m", "unionpay", 1001, 0, 5000, RedemptionStanding.Valid)], [], S1Funding);

        Assert.Equal([new SplitLine("pingliang-city", 501), new SplitLine("huating-county", 500)], result.Statements[0].ByFundingSource);
    }

    [Fact]
    public void S5_government_pays_85_percent_and_the_merchant_bears_15()
    {
        Assert.Equal(Y(30), SettlementRules.MerchantCofunding(Y(200), 8_500));
        Assert.Equal(Y(15), SettlementRules.MerchantCofunding(Y(100), 8_500));
        SettledRedemption[] redemptions =
        [
            R("1", "appliance-store", "city_app", 200, 2999, cofundingYuan: 30),
            R("2", "appliance-store", "city_app", 100, 1099, cofundingYuan: 15),
            R("3", "appliance-store", "city_app", 200, 2100, RedemptionStanding.ForfeitedMissingData, cofundingYuan: 30),
        ];

        var result = SettlementRules.Settle(redemptions, [], [new FundingSource("zhangdian", Y(425_000))]);

        var statement = Assert.Single(result.Statements);
        Assert.Equal(Y(500), statement.FaceValueCents);
        Assert.Equal(Y(170 + 85 + 170), statement.GrossGovernmentShareCents);
        Assert.Equal(Y(45), statement.MerchantShareCents);
        Assert.Equal(Y(170), statement.ForfeitedCents);
        Assert.Equal(Y(255), statement.NetPayableCents);
        Assert.Equal(Y(2999 + 1099), statement.LeveragedSpendCents);
        Assert.Equal([new SplitLine("zhangdian", Y(255))], statement.ByFundingSource);
    }

    [Theory]
    [InlineData(100, 8_500, 15)]
    [InlineData(1, 8_500, 0)] // 0.85 cent rounds to 1 for the government
    [InlineData(3, 5_000, 1)]
    [InlineData(10_000, 10_000, 0)]
    public void Cofunding_from_a_share_always_adds_up_to_the_face_value(long face, int basisPoints, long expectedMerchant)
    {
        Assert.Equal(expectedMerchant, SettlementRules.MerchantCofunding(face, basisPoints));
    }

    [Fact]
    public void Claw_backs_come_off_the_net_and_off_the_channels_in_proportion()
    {
        SettledRedemption[] redemptions = [R("1", "m", "unionpay", 300, 1200), R("2", "m", "bestpay", 100, 400)];

        var result = SettlementRules.Settle(redemptions, [new Clawback("m", 101, "price inflation")], S1Funding);

        var statement = Assert.Single(result.Statements);
        Assert.Equal(Y(400) - 101, statement.NetPayableCents);
        Assert.Equal(101, statement.ClawedBackCents);
        // 101 cents over 300 : 100 → 75.75 / 25.25 → 76 / 25.
        Assert.Equal([new SplitLine("bestpay", Y(100) - 25), new SplitLine("unionpay", Y(300) - 76)], statement.ByChannel);
        Assert.Equal(statement.NetPayableCents, statement.ByChannel.Sum(l => l.AmountCents));
        Assert.Equal(statement.NetPayableCents, statement.ByFundingSource.Sum(l => l.AmountCents));
    }

    [Fact]
    public void A_claw_back_larger_than_the_period_leaves_a_negative_net_owed_by_the_merchant()
    {
        var result = SettlementRules.Settle([R("1", "m", "unionpay", 10, 30)], [new Clawback("m", Y(50), "fake trades"), new Clawback("other", Y(5), "late finding")], S1Funding);

        var m = result.Statements.Single(s => s.MerchantId == "m");
        var other = result.Statements.Single(s => s.MerchantId == "other");
        Assert.Equal(Y(-40), m.NetPayableCents);
        Assert.Equal([new SplitLine("pingliang-city", Y(-20)), new SplitLine("huating-county", Y(-20))], m.ByFundingSource);
        Assert.Equal(Y(-5), other.NetPayableCents);
        Assert.Equal([new SplitLine(SettlementRules.UnattributedChannelId, Y(-5))], other.ByChannel);
        Assert.Equal(0, result.PayableNowCents);
    }

    [Fact]
    public void A_held_merchant_is_computed_but_not_payable_now()
    {
        SettledRedemption[] redemptions = [R("1", "a", "unionpay", 50, 150), R("2", "b", "unionpay", 20, 60)];

        var result = SettlementRules.Settle(redemptions, [], S1Funding, heldMerchantIds: ["a"]);

        Assert.True(result.Statements.Single(s => s.MerchantId == "a").Held);
        Assert.Equal(Y(50), result.HeldCents);
        Assert.Equal(Y(20), result.PayableNowCents);
        Assert.Equal(Y(70), result.NetPayableCents);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SettlementRules.Settle([R("1", "m", "c", 10, 30), R("1", "m", "c", 10, 30)], [], S1Funding));
        Assert.Throws<ArgumentException>(() => SettlementRules.Settle([R("1", "m", "c", 10, 30, cofundingYuan: 11)], [], S1Funding));
        Assert.Throws<ArgumentException>(() => SettlementRules.Settle([R("1", "m", "c", 10, 30)], [new Clawback("m", 0, "x")], S1Funding));
        Assert.Throws<ArgumentException>(() => SettlementRules.Settle([R("1", "m", "c", 10, 30)], [], []));
    }

    [Fact]
    public void Random_periods_split_to_the_cent_on_every_axis()
    {
        var random = new Random(85);
        FundingSource[] funding = [new("a", 333_333), new("b", 333_333), new("c", 333_334)];
        for (var trial = 0; trial < 200; trial++)
        {
            var redemptions = Enumerable.Range(0, random.Next(1, 40)).Select(i =>
            {
                var face = random.Next(1, 50_000);
                return new SettledRedemption($"r{i}", $"m{random.Next(5)}", $"ch{random.Next(3)}", face, random.Next(0, face + 1),
                    random.Next(face, face * 5), (RedemptionStanding)random.Next(3));
            }).ToList();
            var clawbacks = Enumerable.Range(0, random.Next(0, 3)).Select(_ => new Clawback($"m{random.Next(5)}", random.Next(1, 20_000), "x")).ToList();

            var result = SettlementRules.Settle(redemptions, clawbacks, funding);

            var expectedNet = redemptions.Where(r => r.Standing == RedemptionStanding.Valid).Sum(r => r.GovernmentShareCents) - clawbacks.Sum(c => c.AmountCents);
            Assert.Equal(expectedNet, result.NetPayableCents);
            Assert.Equal(expectedNet, result.ByFundingSource.Sum(l => l.AmountCents));
            Assert.Equal(expectedNet, result.ByChannel.Sum(l => l.AmountCents));
            Assert.All(result.Statements, s =>
            {
                Assert.Equal(s.NetPayableCents, s.ByFundingSource.Sum(l => l.AmountCents));
                Assert.Equal(s.NetPayableCents, s.ByChannel.Sum(l => l.AmountCents));
                Assert.Equal(s.GrossGovernmentShareCents - s.RevokedCents - s.ForfeitedCents - s.ClawedBackCents, s.NetPayableCents);
            });
        }
    }
}
