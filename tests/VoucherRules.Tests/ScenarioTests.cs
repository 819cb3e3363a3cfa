using System.Text;
using static VoucherRules.Tests.Seeds;

namespace VoucherRules.Tests;

/// <summary>
/// The five seed campaigns played at small scale with the pure rules only: claims against stock
/// and limits, redemptions against thresholds and time rules, expiry, re-sizing and settlement,
/// with every total checked to the cent.
/// </summary>
public class ScenarioTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("scenario-secret-32-bytes-long!!!");

    private sealed record Issued(string VoucherId, string PersonAccount, string TierId, string CategoryId, string ChannelId, WalletVoucher Voucher, long CofundingCents = 0);

    /// <summary>Claims what each person asks for, in order, honouring stock, window and limits.</summary>
    private sealed class Round(
        string campaignId, string roundId, Dictionary<(string Tier, string Category), long> stock, Dictionary<string, VoucherTerms> terms,
        IReadOnlyList<ClaimLimit> limits, IdentityKeyKind[] personKeys, TimeWindow window, Func<DateTimeOffset, TimeWindow> validity,
        DailyUsageHours? usageHours = null)
    {
        private readonly Dictionary<string, long> counters = new();
        private readonly Dictionary<string, string> pins = new();

        public Dictionary<(string Tier, string Category), long> Stock { get; } = stock;

        public List<Issued> Issued { get; } = [];

        public string? Claim(PersonIdentity person, string tierId, string categoryId, DateTimeOffset at, string channelId = "unionpay",
            Dictionary<string, long>? sharedCounters = null, Dictionary<string, string>? sharedPins = null)
        {
            // The hot path's order: window, then limits, then stock.
            var status = ClaimWindow.Status(window, at, remainingStock: 1);
            if (status != ClaimWindowStatus.Open)
            {
                return status.ToString();
            }

            var identity = IdentityHashing.Hash(person, personKeys, Secret);
            var keys = ClaimLimits.KeysFor(new ClaimTarget(campaignId, roundId, tierId, categoryId), limits, identity);
            var decision = ClaimLimits.Check(limits, keys, sharedCounters ?? counters, sharedPins ?? pins);
            if (!decision.Allowed)
            {
                return "LimitReached";
            }

            if (Stock.GetValueOrDefault((tierId, categoryId)) == 0)
            {
                return ClaimWindowStatus.SoldOut.ToString();
            }

            ClaimLimits.Apply(keys, sharedCounters ?? counters, sharedPins ?? pins);
            Stock[(tierId, categoryId)]--;
            var id = $"{roundId}-{Issued.Count + 1:0000}";
            var voucher = new WalletVoucher(id, terms[tierId], validity(at), WalletVoucherStatus.Unused, usageHours, Shanghai);
            Issued.Add(new Issued(id, person.ChannelAccountId, tierId, categoryId, channelId, voucher));
            return null;
        }
    }

    private static DateTimeOffset Local(string date, int hour, int minute = 0) =>
        CampaignClock.ToInstant(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), new WallClock(hour, minute), Shanghai);

    [Fact]
    public void S1_huating_batch_one_claims_redeems_expires_resizes_batch_two_and_settles()
    {
        // Scaled 1:100: 400,000 → 4,000 yuan; tiers 20/15/30/10/2/2.
        var tiers = S1Tiers.Select(t => (Id: t.Face.ToString(), t.Face, t.MinimumSpend, Quantity: t.Quantity / 100)).ToList();
        var channelOf = (long face) => face >= 200 ? "bestpay" : "unionpay";
        var budget = BudgetArithmetic.Check(new BudgetPlan(Y(4_000),
            tiers.Select(t => new AllocationCell("b1", t.Id, Y(t.Face), "", channelOf(t.Face), t.Quantity)).ToList(),
            [new FundingSource("city", Y(2_000)), new FundingSource("county", Y(2_000))],
            [new ChannelAllocation("unionpay", Y(3_000)), new ChannelAllocation("bestpay", Y(1_000))], []));
        Assert.True(budget.IsConsistent);

        var campaignEnd = Local("2023-03-31", 24);
        var round = new Round("huating", "b1",
            tiers.ToDictionary(t => (t.Id, ""), t => (long)t.Quantity),
            tiers.ToDictionary(t => t.Id, t => new VoucherTerms(Y(t.Face), MinimumSpendRule.Fixed(Y(t.MinimumSpend)), CategoryRestriction.Any)),
            [new ClaimLimit("per-cycle", LimitScope.PerRound)], [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone],
            new ClaimWindowRule(new DateOnly(2023, 3, 1), new WallClock(9, 0)).Resolve(Shanghai, campaignEnd),
            at => VoucherValidity.Compute(new ValidForDaysFromClaim(7), at, new DateOnly(2023, 3, 1), Shanghai, campaignEnd));

        Assert.Equal("NotStarted", round.Claim(new PersonIdentity("unionpay", "early", "13900000000"), "50", "", Local("2023-03-01", 8, 59)));
        var refusals = new List<string?>();
        for (var p = 0; p < 70; p++)
        {
            var person = new PersonIdentity("unionpay", $"u{p}", $"1390000{p:0000}");
            var tier = tiers[p % tiers.Count];
            var at = Local("2023-03-01", 9).AddSeconds(p);
            refusals.Add(round.Claim(person, tier.Id, "", at, channelOf(tier.Face)));
            refusals.Add(round.Claim(person, tier.Id, "", at.AddSeconds(1), channelOf(tier.Face)));
        }

        var asks = tiers.Select((t, i) => Enumerable.Range(0, 70).Count(p => p % tiers.Count == i)).ToList();
        var granted = tiers.Select((t, i) => Math.Min(t.Quantity, asks[i])).Sum();
        Assert.Equal(50, granted);
        Assert.Equal(granted, round.Issued.Count);
        Assert.Equal(granted, refusals.Count(r => r == "LimitReached"));
        Assert.Equal(2 * ((70 - granted)), refusals.Count(r => r == "SoldOut"));
        var claimedValue = round.Issued.Sum(i => i.Voucher.Terms.FaceValueCents);

        // Every second claimant shops on 03-03 with an order exactly at the threshold; auto-pick applies.
        var redemptions = new List<SettledRedemption>();
        foreach (var issued in round.Issued.Where((_, i) => i % 2 == 0))
        {
            var order = OrderFacts.Whole(issued.Voucher.Terms.MinimumSpend.ThresholdCents(issued.Voucher.Terms.FaceValueCents));
            var picked = BestVoucher.Choose([issued.Voucher], order, Local("2023-03-03", 12));
            Assert.Same(issued.Voucher, picked);
            redemptions.Add(new SettledRedemption($"red-{issued.VoucherId}", $"shop-{redemptions.Count % 3}", issued.ChannelId,
                issued.Voucher.Terms.FaceValueCents, 0, order.OrderAmountCents, RedemptionStanding.Valid));
        }

        // The others expire at 24:00 on 03-07.
        var expiredNow = Local("2023-03-08", 0);
        var expired = round.Issued.Where((_, i) => i % 2 == 1).ToList();
        Assert.All(expired, e => Assert.True(VoucherValidity.IsExpired(e.Voucher.Validity, expiredNow)));
        Assert.All(expired, e => Assert.False(VoucherValidity.IsExpired(e.Voucher.Validity, expiredNow.AddTicks(-1))));

        var outcomes = tiers.Select(t => new RoundTierOutcome("", t.Id, Y(t.Face), t.Quantity,
            round.Issued.Count(i => i.TierId == t.Id), expired.Count(e => e.TierId == t.Id))).ToList();
        var batch2 = RoundResizing.Plan(outcomes, [], ResizeMode.SameTiers);
        var usedValue = redemptions.Sum(r => r.FaceValueCents);
        Assert.Equal(Y(4_000), usedValue + batch2.NextRoundValueCents);
        Assert.Equal(Y(4_000) - claimedValue, batch2.Pools.Single().UnclaimedValueCents);

        var settlement = SettlementRules.Settle(redemptions, [], [new FundingSource("city", Y(200_000)), new FundingSource("county", Y(200_000))]);
        Assert.Equal(usedValue, settlement.NetPayableCents);
        Assert.Equal(usedValue, settlement.ByFundingSource.Sum(l => l.AmountCents));
        Assert.True(Math.Abs(settlement.ByFundingSource[0].AmountCents - settlement.ByFundingSource[1].AmountCents) <= settlement.Statements.Count);
        Assert.Equal(redemptions.Where(r => r.IssuingChannelId == "bestpay").Sum(r => r.FaceValueCents),
            settlement.ByChannel.Single(l => l.Id == "bestpay").AmountCents);
    }

    [Fact]
    public void S2_qianan_lucky_draw_per_category_limits_three_times_thresholds_forfeits_and_the_pool()
    {
        // Round 1 of 7 for produce and books at 1:10 of the printed columns.
        var stock = new Dictionary<(string, string), long>
        {
            [("20", "produce")] = 250, [("50", "produce")] = 140, [("100", "produce")] = 50,
            [("20", "books")] = 100, [("50", "books")] = 40, [("100", "books")] = 10,
        };
        var offered = new Dictionary<(string, string), long>(stock);
        var terms = new[] { 20L, 50, 100 }.ToDictionary(f => f.ToString(),
            f => new VoucherTerms(Y(f), MinimumSpendRule.MultipleOfFaceValue(30_000), CategoryRestriction.Any));
        var roundOpens = new DateOnly(2022, 6, 1);
        var round = new Round("qianan-2022", "r1", stock, terms, [new ClaimLimit("cat-round", LimitScope.PerCategoryPerRound)],
            [IdentityKeyKind.ChannelAccount, IdentityKeyKind.NationalId],
            new ClaimWindowRule(roundOpens, new WallClock(9, 0), roundOpens.AddDays(4)).Resolve(Shanghai),
            at => VoucherValidity.Compute(new ValidUntilRoundDay(5, WallClock.EndOfDay), at, roundOpens, Shanghai));

        var random = new Random(2022);
        var limitRefusals = 0;
        for (var p = 0; p < 500; p++)
        {
            var person = new PersonIdentity("wechat_mini", $"w{p}", NationalId: $"62072{p:0000000000000}");
            foreach (var category in new[] { "produce", "books", "produce" })
            {
                var remaining = new[] { "20", "50", "100" }.Select(t => new DrawStock(t, terms[t].FaceValueCents, round.Stock[(t, category)])).ToList();
                var drawn = LuckyDraw.Choose(remaining, random);
                if (drawn is null)
                {
                    continue;
                }

                var refusal = round.Claim(person, drawn.TierId, category, Local("2022-06-01", 9).AddSeconds(p));
                limitRefusals += refusal == "LimitReached" ? 1 : 0;
            }
        }

        Assert.Equal(0, round.Stock.Values.Sum());
        Assert.Equal(Y(100 * 20 + 40 * 50 + 10 * 100 + 250 * 20 + 140 * 50 + 50 * 100), round.Issued.Sum(i => i.Voucher.Terms.FaceValueCents));
        Assert.True(limitRefusals > 0);
        Assert.Equal(round.Issued.Count, round.Issued.Select(i => (i.PersonAccount, i.CategoryId)).Distinct().Count());

        // A third of the vouchers are used at exactly 3× (one in four of those without an amount),
        // a third are tried one cent short and then expire, the rest are never used.
        var redemptions = new List<SettledRedemption>();
        var expired = new List<Issued>();
        foreach (var (issued, i) in round.Issued.Select((v, i) => (v, i)))
        {
            var threeTimes = issued.Voucher.Terms.FaceValueCents * 3;
            if (i % 3 == 0)
            {
                Assert.True(BestVoucher.IsApplicable(issued.Voucher, OrderFacts.Whole(threeTimes), Local("2022-06-05", 23, 59)));
                redemptions.Add(new SettledRedemption($"red-{i}", $"shop-{issued.CategoryId}", "wechat_mini", issued.Voucher.Terms.FaceValueCents, 0,
                    threeTimes, i % 4 == 0 ? RedemptionStanding.ForfeitedMissingData : RedemptionStanding.Valid));
            }
            else
            {
                Assert.False(BestVoucher.IsApplicable(issued.Voucher, OrderFacts.Whole(threeTimes - 1), Local("2022-06-03", 12)));
                Assert.False(BestVoucher.IsApplicable(issued.Voucher, OrderFacts.Whole(threeTimes), Local("2022-06-06", 0)));
                expired.Add(issued);
            }
        }

        var outcomes = offered.Select(o => new RoundTierOutcome(o.Key.Item2, o.Key.Item1, Y(long.Parse(o.Key.Item1)), o.Value,
            round.Issued.Count(i => (i.TierId, i.CategoryId) == o.Key), expired.Count(e => (e.TierId, e.CategoryId) == o.Key))).ToList();
        var round2Planned = offered.Select(o => new RoundTierPlan(o.Key.Item2, o.Key.Item1, Y(long.Parse(o.Key.Item1)), o.Value)).ToList();
        var round2 = RoundResizing.Plan(outcomes, round2Planned, ResizeMode.ByPlannedMix);
        var expiredValue = expired.Sum(e => e.Voucher.Terms.FaceValueCents);
        Assert.Equal(expiredValue, round2.Pools.Sum(p => p.PoolCents));
        Assert.Equal(round2Planned.Sum(p => p.ValueCents) + expiredValue - round2.Pools.Sum(p => p.CarriedOverCents), round2.NextRoundValueCents);

        var settlement = SettlementRules.Settle(redemptions, [], [new FundingSource("qianan", Y(1_570_000))]);
        Assert.Equal(redemptions.Where(r => r.Standing == RedemptionStanding.Valid).Sum(r => r.FaceValueCents), settlement.NetPayableCents);
        Assert.Equal(redemptions.Where(r => r.Standing != RedemptionStanding.Valid).Sum(r => r.FaceValueCents), settlement.Statements.Sum(s => s.ForfeitedCents));
        Assert.Equal(round.Issued.Sum(i => i.Voucher.Terms.FaceValueCents), redemptions.Sum(r => r.FaceValueCents) + expiredValue);
    }

    [Fact]
    public void S3_youhao_one_per_tier_person_by_phone_id_device_geo_fence_usage_hours_and_auto_pick()
    {
        var fence = new GeoFence([new GeoPolygon([new(45.0, 124.5), new(45.0, 125.5), new(46.0, 125.5), new(46.0, 124.5)])]);
        var tiers = S3Tiers.Select(t => (Id: t.Face.ToString(), t.Face, t.MinimumSpend, Quantity: t.Quantity / 100)).ToList();
        var hours = new DailyUsageHours(new WallClock(9, 0), new WallClock(22, 0));
        var round = new Round("youhao", "r1", tiers.ToDictionary(t => (t.Id, ""), t => (long)t.Quantity),
            tiers.ToDictionary(t => t.Id, t => new VoucherTerms(Y(t.Face), MinimumSpendRule.Fixed(Y(t.MinimumSpend)), CategoryRestriction.Any)),
            [new ClaimLimit("per-tier", LimitScope.PerTierPerCampaign)],
            [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.NationalId, IdentityKeyKind.DeviceId],
            new ClaimWindowRule(new DateOnly(2023, 6, 1), new WallClock(10, 0)).Resolve(Shanghai),
            at => VoucherValidity.Compute(new ValidForDaysFromClaim(7), at, new DateOnly(2023, 6, 1), Shanghai), hours);
        var at = Local("2023-06-01", 10);

        var alice = new PersonIdentity("unionpay", "alice", "13800000001", "230102199001010011", "dev-a");
        var aliceAgain = new PersonIdentity("bestpay", "alice-2", "13800000001", "230102199001010099", "dev-z");
        var bobOutside = (Person: new PersonIdentity("unionpay", "bob", "13800000002"), Where: new GeoPoint(44.9, 125.0));
        Assert.True(GeoFencing.Contains(fence, new GeoPoint(45.5, 125.0)));
        Assert.False(GeoFencing.Contains(fence, bobOutside.Where));
        foreach (var tier in tiers)
        {
            Assert.Null(round.Claim(alice, tier.Id, "", at));
            Assert.Equal("LimitReached", round.Claim(aliceAgain, tier.Id, "", at));
            Assert.Equal("LimitReached", round.Claim(alice, tier.Id, "", at.AddMinutes(1)));
        }

        // Alice holds 20, 40 and 80: a 250 order at 21:59 takes the 40; at 22:00 nothing applies.
        var wallet = round.Issued.Where(i => i.PersonAccount == "alice").Select(i => i.Voucher).ToList();
        Assert.Equal("r1-0002", BestVoucher.Choose(wallet, OrderFacts.Whole(Y(250)), Local("2023-06-02", 21, 59))?.VoucherId);
        Assert.Null(BestVoucher.Choose(wallet, OrderFacts.Whole(Y(250)), Local("2023-06-02", 22)));
        var used = BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Local("2023-06-03", 9))!;
        Assert.Equal(Y(80), used.Terms.FaceValueCents);
        // Refund keeps the voucher used: it never comes back to the wallet.
        wallet = wallet.Select(v => v == used ? v with { Status = WalletVoucherStatus.Used } : v).ToList();
        Assert.Equal(Y(40), BestVoucher.Choose(wallet, OrderFacts.Whole(Y(300)), Local("2023-06-03", 9))!.Terms.FaceValueCents);

        var settlement = SettlementRules.Settle([new SettledRedemption("x", "mall", "unionpay", used.Terms.FaceValueCents, 0, Y(300), RedemptionStanding.Valid)], [], [new FundingSource("youhao", Y(400_000))]);
        Assert.Equal(Y(80), settlement.PayableNowCents);
    }

    [Fact]
    public void S4_qianan_2020_one_tier_once_and_the_remainder_returns_to_the_treasury()
    {
        var tiers = S4Tiers.Select(t => (t.TierId, t.Face, t.MinimumSpend, Quantity: t.Quantity / 100)).ToList();
        var counters = new Dictionary<string, long>();
        var pins = new Dictionary<string, string>();
        var campaignEnd = Local("2020-09-30", 24);
        var round = new Round("qianan-2020", "only", tiers.ToDictionary(t => (t.TierId, ""), t => (long)t.Quantity),
            tiers.ToDictionary(t => t.TierId, t => new VoucherTerms(Y(t.Face), MinimumSpendRule.Fixed(Y(t.MinimumSpend)), CategoryRestriction.Any)),
            [new ClaimLimit("one-tier-once", LimitScope.SingleTierPerCampaign)], [IdentityKeyKind.ChannelAccount, IdentityKeyKind.NationalId],
            new ClaimWindowRule(new DateOnly(2020, 9, 13), new WallClock(9, 0)).Resolve(Shanghai, campaignEnd),
            at => VoucherValidity.Compute(new ValidUntilFixedEnd(new DateOnly(2020, 9, 30), WallClock.EndOfDay), at, new DateOnly(2020, 9, 13), Shanghai, campaignEnd));

        for (var p = 0; p < 150; p++)
        {
            var person = new PersonIdentity("city_app", $"p{p}", NationalId: $"22072{p:0000000000000}");
            var first = tiers[p % tiers.Count].TierId;
            var other = tiers[(p + 1) % tiers.Count].TierId;
            var at = Local("2020-09-13", 9).AddMinutes(p);
            if (round.Claim(person, first, "", at, sharedCounters: counters, sharedPins: pins) is not null)
            {
                continue;
            }

            Assert.Equal("LimitReached", round.Claim(person, other, "", at, sharedCounters: counters, sharedPins: pins));
            Assert.Equal("LimitReached", round.Claim(person, first, "", at, sharedCounters: counters, sharedPins: pins));
        }

        // 25 asks per tier against 40 / 2 / 5 / 9 / 14 / 30.
        Assert.Equal(25 + 2 + 5 + 9 + 14 + 25, round.Issued.Count);
        Assert.Equal(15 + 5, round.Stock.Values.Sum());

        Assert.Equal(round.Issued.Count, round.Issued.Select(i => i.PersonAccount).Distinct().Count());
        Assert.Equal("Ended", round.Claim(new PersonIdentity("city_app", "late"), "20", "", campaignEnd));

        // Half the vouchers are used; the rest of the budget goes back to the treasury. At 1:100 the
        // 250 vouchers of 20 become 2, so the scaled budget is 19,990 rather than 20,000.
        var budget = tiers.Sum(t => Y(t.Face) * t.Quantity);
        Assert.Equal(Y(19_990), budget);
        var used = round.Issued.Where((_, i) => i % 2 == 0).Sum(i => i.Voucher.Terms.FaceValueCents);
        var remainder = budget - used;
        Assert.Equal(round.Stock.Sum(s => s.Value * Y(long.Parse(s.Key.Tier.Split('-')[^1]))) + round.Issued.Where((_, i) => i % 2 == 1).Sum(i => i.Voucher.Terms.FaceValueCents), remainder);
    }

    [Fact]
    public void S5_zhangdian_single_item_thresholds_transaction_cap_per_batch_invoices_and_85_15()
    {
        var terms = S5BatchTiers.ToDictionary(t => t.Face.ToString(),
            t => new VoucherTerms(Y(t.Face), MinimumSpendRule.Fixed(Y(t.ItemMinimum), SpendScope.SingleItem), CategoryRestriction.Only("appliances")));
        var validUntil = new ValidUntilFixedEnd(new DateOnly(2023, 5, 22), WallClock.EndOfDay);
        Round Batch(string id, DateOnly opens) => new("zhangdian", id,
            S5BatchTiers.ToDictionary(t => (t.Face.ToString(), ""), t => t.Quantity / 100), terms,
            [new ClaimLimit("per-batch", LimitScope.PerRound)], [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone],
            new ClaimWindowRule(opens, new WallClock(10, 0), opens.AddDays(6)).Resolve(Shanghai),
            at => VoucherValidity.Compute(validUntil, at, opens, Shanghai));
        var batch1 = Batch("b1", new DateOnly(2023, 4, 22));
        var batch2 = Batch("b2", new DateOnly(2023, 5, 1));

        var persons = Enumerable.Range(0, 25).Select(p => new PersonIdentity("unionpay", $"z{p}", $"1510000{p:0000}")).ToList();
        foreach (var (person, p) in persons.Select((x, i) => (x, i)))
        {
            var tier = p < 5 ? "200" : "100";
            Assert.Equal(p < 20 ? null : "SoldOut", batch1.Claim(person, tier, "", Local("2023-04-22", 10).AddSeconds(p)));
            Assert.Equal(p < 20 ? "LimitReached" : "SoldOut", batch1.Claim(person, "100", "", Local("2023-04-22", 11)));
            Assert.Equal(p < 20 ? null : "SoldOut", batch2.Claim(person, p < 5 ? "200" : "100", "", Local("2023-05-01", 10).AddSeconds(p)));
        }

        var all = batch1.Issued.Concat(batch2.Issued).ToList();
        Assert.Equal(Y(5_000), all.Sum(i => i.Voucher.Terms.FaceValueCents)); // 500,000 at 1:100
        var redemptions = new List<SettledRedemption>();
        foreach (var (issued, i) in all.Select((v, i) => (v, i)))
        {
            var face = issued.Voucher.Terms.FaceValueCents;
            var item = face == Y(200) ? Y(2000) : Y(1000);
            var order = new OrderFacts(item + Y(500), "appliances.tv", [item, Y(500)]);
            Assert.False(BestVoucher.IsApplicable(issued.Voucher, order with { ItemAmountsCents = [item - 1, Y(500)] }, Local("2023-05-10", 15), Y(200)));
            Assert.True(BestVoucher.IsApplicable(issued.Voucher, order, Local("2023-05-22", 23, 59), Y(200)));
            Assert.False(BestVoucher.IsApplicable(issued.Voucher, order, Local("2023-05-23", 0), Y(200)));
            var invoiceRecorded = i % 10 != 0;
            redemptions.Add(new SettledRedemption($"red-{i}", $"store-{i % 4}", "unionpay", face, SettlementRules.MerchantCofunding(face, 8_500),
                order.OrderAmountCents, invoiceRecorded ? RedemptionStanding.Valid : RedemptionStanding.ForfeitedMissingData));
        }

        var settlement = SettlementRules.Settle(redemptions, [], [new FundingSource("zhangdian", Y(425_000))]);
        var valid = redemptions.Where(r => r.Standing == RedemptionStanding.Valid).ToList();
        Assert.Equal(valid.Sum(r => r.FaceValueCents) * 85 / 100, settlement.NetPayableCents);
        Assert.Equal(valid.Sum(r => r.FaceValueCents) * 15 / 100, settlement.Statements.Sum(s => s.MerchantShareCents));
        Assert.Equal(settlement.NetPayableCents, settlement.ByFundingSource.Single().AmountCents);
    }
}
