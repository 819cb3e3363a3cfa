extern alias campaigntests;

using Claim.Service.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Claim.Service.Tests;

/// <summary>
/// S1–S5 of DOMAIN.md configured exactly as written through the real Campaign service, learnt by the real
/// Claim service from its snapshot stream, and one round of each played through the Claim gRPC API at
/// small scale: a few hundred people, with the scenario's own rules checked in exact numbers.
/// </summary>
[Collection(ClaimCollection.Name)]
public sealed class SeedRoundTests(ClaimFixture fixture)
{
    private const string UnionPay = "unionpay";
    private const string Bestpay = "bestpay";

    private static readonly GeoPoint InYouhao = new() { Latitude = 47.80, Longitude = 128.80 };
    private static readonly GeoPoint InHarbin = new() { Latitude = 45.75, Longitude = 126.65 };

    private static PersonIdentity Resident(int n, string channel = UnionPay) => new()
    {
        ChannelId = channel,
        ChannelAccountId = $"{channel}-{n}",
        Phone = $"138{n:00000000}",
        NationalId = $"22072319900101{n:0000}",
        DeviceId = $"device-{n}",
        DisplayName = "王*",
    };

    private static ClaimVoucherRequest ClaimRequest(string campaignId, PersonIdentity person, string tier, GeoPoint? at = null, string round = "")
    {
        var request = new ClaimVoucherRequest { RequestId = Guid.NewGuid().ToString(), CampaignId = campaignId, RoundId = round, TierId = tier, Person = person };
        if (at is not null)
        {
            request.Location = at;
        }

        return request;
    }

    private static Task<ClaimOutcome> ClaimAsync(SeedWorld world, string campaignId, PersonIdentity person, string tier, GeoPoint? at = null, string round = "") =>
        world.ClaimAsync(ClaimRequest(campaignId, person, tier, at, round));

    /// <summary>Everyone claims at once, person i the tier <paramref name="tierOf"/>(i): the requests sent, the answers, who got what and who was refused.</summary>
    private static async Task<(List<ClaimVoucherRequest> Requests, ClaimOutcome[] Outcomes, List<(PersonIdentity Person, Voucher Voucher)> Grants, List<int> Refused)> RushAsync(
        SeedWorld world, string campaignId, List<PersonIdentity> people, Func<int, string> tierOf)
    {
        var requests = Enumerable.Range(0, people.Count).Select(i => ClaimRequest(campaignId, people[i], tierOf(i))).ToList();
        var outcomes = await SeedWorld.ConcurrentlyAsync(requests, world.ClaimAsync);
        var grants = Enumerable.Range(0, people.Count).Where(i => outcomes[i].Voucher is not null).Select(i => (people[i], outcomes[i].Voucher)).ToList();
        var refused = Enumerable.Range(0, people.Count).Where(i => outcomes[i].Voucher is null).ToList();
        return (requests, outcomes, grants, refused);
    }

    private static Task<ClaimOutcome> DrawAsync(SeedWorld world, string campaignId, PersonIdentity person, string category) =>
        world.DrawAsync(new DrawVoucherRequest { RequestId = Guid.NewGuid().ToString(), CampaignId = campaignId, CategoryId = category, Person = person });

    private static async Task<StockStatus> StockAsync(SeedWorld world, string campaignId) =>
        await world.Admin.GetStockStatusAsync(new GetStockStatusRequest { Actor = Seeds.Auditor, CampaignId = campaignId }, deadline: SeedWorld.Deadline);

    private static async Task<PoolReport> PoolAsync(SeedWorld world, string campaignId) =>
        await world.Admin.GetPoolReportAsync(new GetPoolReportRequest { Actor = Seeds.Auditor, CampaignId = campaignId }, deadline: SeedWorld.Deadline);

    private static async Task<VoucherTally> ExpireNowAsync(SeedWorld world, string campaignId) =>
        (await world.Admin.ExpireVouchersAsync(new ExpireVouchersRequest { Actor = Seeds.Operator, CampaignId = campaignId }, deadline: SeedWorld.Deadline)).Expired;

    /// <summary>(total, claimed, remaining) of one stock cell.</summary>
    private static (long Total, long Claimed, long Remaining) Cell(StockStatus status, string round, string tier, string category = "")
    {
        var line = status.Lines.Single(l => l.RoundId == round && l.TierId == tier && l.CategoryId == category);
        return (line.Total, line.Claimed, line.Remaining);
    }

    private static ClaimRefusalReason RefusalOf(ClaimOutcome outcome) => outcome.Refusal?.Reason ?? ClaimRefusalReason.Unspecified;

    private static async Task WaitForPoolAsync(SeedWorld world, string campaignId, Func<PoolReport, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done(await PoolAsync(world, campaignId)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task S1_Huating_batch_one_gives_one_voucher_per_person_valid_seven_days_to_24_00_counts_issuance_per_channel_and_sells_out_the_300_tier()
    {
        await using var world = await SeedWorld.StartAsync(fixture, Seeds.Beijing(2023, 2, 1));
        var s1 = await Seeds.ConfigureS1Async(world.Campaign.Campaigns);
        await s1.PublishAsync();
        var face = Seeds.S1Tiers.ToDictionary(t => t.Id, t => Seeds.Yuan(t.Off));

        // The campaign runs from 03-01 00:00; batch 1 opens at 10:00 and says so to an early claim.
        world.Clock.Now = Seeds.Beijing(2023, 3, 1, 9, 30);
        await world.WaitForClaimToSeeAsync(s1.Id, CampaignState.Running);
        var early = await ClaimAsync(world, s1.Id, Resident(9000), "t-10");
        Assert.Equal(ClaimRefusalReason.NotStarted, RefusalOf(early));
        Assert.Equal(Seeds.Beijing(2023, 3, 1, 10), early.Refusal.OpensAt.ToDateTimeOffset());

        // 300 people, 200 through 云闪付 and 100 through 翼支付: 220 rush the 300-yuan tier (200 in stock), 80 spread over the other five.
        world.Clock.Now = Seeds.Beijing(2023, 3, 1, 10).AddSeconds(5);
        string[] others = ["t-10", "t-20", "t-50", "t-100", "t-200"];
        var people = Enumerable.Range(0, 300).Select(i => Resident(i, i % 3 == 2 ? Bestpay : UnionPay)).ToList();
        string TierOf(int i) => i < 220 ? "t-300" : others[i % 5];
        var (requests, first, grants, soldOut) = await RushAsync(world, s1.Id, people, TierOf);

        Assert.Equal(200, grants.Count(g => g.Voucher.TierId == "t-300"));
        Assert.Equal(20, soldOut.Count);
        Assert.All(soldOut, i => Assert.Equal(("t-300", ClaimRefusalReason.SoldOut), (TierOf(i), RefusalOf(first[i]))));
        Assert.All(others, tier => Assert.Equal(16, grants.Count(g => g.Voucher.TierId == tier)));
        Assert.All(grants, g =>
        {
            Assert.Equal(("batch-1", g.Person.ChannelId, face[g.Voucher.TierId]), (g.Voucher.RoundId, g.Voucher.ChannelId, g.Voucher.FaceValueCents));
            Assert.Equal(Seeds.Beijing(2023, 3, 1, 10).AddSeconds(5), g.Voucher.ValidFrom.ToDateTimeOffset());

            // Seven calendar days counting the claim day: 03-01 … 03-07, ending 24:00 local.
            Assert.Equal(Seeds.Beijing(2023, 3, 8), g.Voucher.ValidUntil.ToDateTimeOffset());
        });

        // One per person per issuance cycle; a retried request gives the first answer, not a second voucher.
        var again = await SeedWorld.ConcurrentlyAsync(grants.Take(50).ToList(), g => ClaimAsync(world, s1.Id, g.Person, "t-10"));
        Assert.All(again, o => Assert.Equal((ClaimRefusalReason.LimitReached, LimitScope.PerRound, 1), (RefusalOf(o), o.Refusal.Limit.Scope, o.Refusal.Limit.Claimed)));
        var winner = Enumerable.Range(0, 300).First(i => first[i].Voucher is not null);
        var replay = await world.ClaimAsync(requests[winner]);
        Assert.True(replay.Replayed);
        Assert.Equal(first[winner].Voucher.VoucherId, replay.Voucher.VoucherId);
        Assert.Equal(ClaimRefusalReason.SoldOut, RefusalOf(await ClaimAsync(world, s1.Id, Resident(9001), "t-300")));

        // The next day the 20 who found the 300 tier sold out take a 10-yuan voucher: valid to 03-08 24:00.
        world.Clock.Now = Seeds.Beijing(2023, 3, 2, 10);
        var late = await SeedWorld.ConcurrentlyAsync(soldOut, i => ClaimAsync(world, s1.Id, people[i], "t-10"));
        Assert.All(late, o => Assert.Equal(Seeds.Beijing(2023, 3, 9), o.Voucher.ValidUntil.ToDateTimeOffset()));
        grants.AddRange(soldOut.Select((i, k) => (people[i], late[k].Voucher)));

        var status = await StockAsync(world, s1.Id);
        Assert.Equal((2000, 36, 1964), Cell(status, "batch-1", "t-10"));
        Assert.Equal((1500, 16, 1484), Cell(status, "batch-1", "t-20"));
        Assert.Equal((3000, 16, 2984), Cell(status, "batch-1", "t-50"));
        Assert.Equal((1000, 16, 984), Cell(status, "batch-1", "t-100"));
        Assert.Equal((200, 16, 184), Cell(status, "batch-1", "t-200"));
        Assert.Equal((200, 200, 0), Cell(status, "batch-1", "t-300"));
        Assert.Equal(6, status.Lines.Count);

        // Issuance per channel: every voucher carries the claimer's channel; each channel's issued value is its own vouchers' and nothing else.
        Assert.Equal(Seeds.Yuan(300_000), status.Channels.Single(c => c.ChannelId == UnionPay).AllocationCents);
        Assert.Equal(Seeds.Yuan(100_000), status.Channels.Single(c => c.ChannelId == Bestpay).AllocationCents);
        var byChannel = grants.GroupBy(g => g.Voucher.ChannelId).ToDictionary(g => g.Key, g => g.Sum(x => x.Voucher.FaceValueCents));
        Assert.Equal(byChannel[UnionPay], status.Channels.Single(c => c.ChannelId == UnionPay).IssuedCents);
        Assert.Equal(byChannel[Bestpay], status.Channels.Single(c => c.ChannelId == Bestpay).IssuedCents);
        var issuedCents = (200 * face["t-300"]) + (16 * others.Sum(t => face[t])) + (20 * face["t-10"]);
        Assert.Equal(issuedCents, byChannel.Values.Sum());

        await world.AssertEveryGrantIsInTheWalletAsync(s1.Id, grants);

        // 03-07 23:59:59 is still inside; at 03-08 00:00 the 03-01 vouchers expire, the 03-02 ones do not.
        world.Clock.Now = Seeds.Beijing(2023, 3, 8).AddSeconds(-1);
        Assert.Equal(new VoucherTally(), await ExpireNowAsync(world, s1.Id));
        world.Clock.Now = Seeds.Beijing(2023, 3, 8);
        var expired = await ExpireNowAsync(world, s1.Id);
        Assert.Equal(new VoucherTally { Count = 280, FaceValueCents = issuedCents - (20 * face["t-10"]) }, expired);
        var pool = await PoolAsync(world, s1.Id);
        Assert.Equal(issuedCents - (20 * face["t-10"]), pool.ReturnedValueCents);
        Assert.Equal(Seeds.Yuan(400_000) - (20 * face["t-10"]), pool.RemainderCents);
    }

    [Fact]
    public async Task S2_Qianan_2022_draws_only_in_the_chosen_category_once_per_category_and_expired_value_returns_to_the_pool_to_the_cent()
    {
        await using var world = await SeedWorld.StartAsync(fixture, Seeds.Beijing(2022, 5, 1), expiryInterval: TimeSpan.FromMilliseconds(100));
        var s2 = await Seeds.ConfigureS2Async(world.Campaign.Campaigns, asPrinted: false);
        await s2.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2022, 6, 1, 9).AddSeconds(5);
        await world.WaitForClaimToSeeAsync(s2.Id, CampaignState.Running);

        // The faces each category holds in round 1, read off the seed's own table.
        var facesIn = Seeds.S2Categories.Select((category, column) => (category, Faces: Seeds.S2Faces.Where((_, row) => Seeds.S2Cells[row][column] is > 0).Select(Seeds.Yuan).ToHashSet()))
            .ToDictionary(c => c.category, c => c.Faces);
        var people = Enumerable.Range(0, 851).Select(i => Resident(i)).ToList();

        // 851 people spin the wheel on catering, which holds 850 vouchers: the wheel empties it exactly.
        var catering = await SeedWorld.ConcurrentlyAsync(people, p => DrawAsync(world, s2.Id, p, "catering"));
        var cateringGrants = catering.Select((o, i) => (Person: people[i], o.Voucher)).Where(g => g.Voucher is not null).ToList();
        Assert.Equal(850, cateringGrants.Count);
        Assert.Equal(ClaimRefusalReason.SoldOut, RefusalOf(catering.Single(o => o.Voucher is null)));
        Assert.Equal(500, cateringGrants.Count(g => g.Voucher.TierId == "t-100"));
        Assert.Equal(250, cateringGrants.Count(g => g.Voucher.TierId == "t-200"));
        Assert.Equal(100, cateringGrants.Count(g => g.Voucher.TierId == "t-500"));

        // 200 of the winners then spin once in a second category each.
        string[] second = ["lodging", "fuel", "produce", "books"];
        var winners = cateringGrants.Take(200).Select(g => g.Person).ToList();
        var secondDraws = await SeedWorld.ConcurrentlyAsync(Enumerable.Range(0, 200).ToList(), i => DrawAsync(world, s2.Id, winners[i], second[i % 4]));
        Assert.All(secondDraws.Select((o, i) => (o, i)), x => Assert.Equal(second[x.i % 4], x.o.Voucher.CategoryId));
        var grants = cateringGrants.Concat(secondDraws.Select((o, i) => (Person: winners[i], o.Voucher))).ToList();

        Assert.All(grants, g =>
        {
            Assert.Contains(g.Voucher.FaceValueCents, facesIn[g.Voucher.CategoryId]);
            Assert.Equal([g.Voucher.CategoryId], g.Voucher.Categories.CategoryIds);
            Assert.Equal(("round-1", 30000), (g.Voucher.RoundId, g.Voucher.MinimumSpend.FaceValueMultipleBasisPoints));
            Assert.Equal(Seeds.Beijing(2022, 6, 6), g.Voucher.ValidUntil.ToDateTimeOffset());
        });

        // One per person per category per round: the same categories again are refused, a third one is not.
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await DrawAsync(world, s2.Id, winners[0], "lodging")));
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await DrawAsync(world, s2.Id, winners[1], "fuel")));
        var third = await DrawAsync(world, s2.Id, winners[0], "books");
        Assert.Equal("books", third.Voucher.CategoryId);
        grants.Add((winners[0], third.Voucher));
        Assert.Equal(LimitScope.PerCategoryPerRound, (await DrawAsync(world, s2.Id, winners[0], "books")).Refusal.Limit.Scope);

        var status = await StockAsync(world, s2.Id);
        Assert.Equal((500, 500, 0), Cell(status, "round-1", "t-100", "catering"));
        Assert.Equal((250, 250, 0), Cell(status, "round-1", "t-200", "catering"));
        Assert.Equal((100, 100, 0), Cell(status, "round-1", "t-500", "catering"));
        Assert.Equal(grants.Count, status.Lines.Sum(l => l.Claimed));
        Assert.Equal(20450 - grants.Count, status.Lines.Sum(l => l.Remaining));
        Assert.All(Seeds.S2Categories, category =>
            Assert.Equal(grants.Count(g => g.Voucher.CategoryId == category), status.Lines.Where(l => l.CategoryId == category).Sum(l => l.Claimed)));

        await world.AssertEveryGrantIsInTheWalletAsync(s2.Id, grants);

        // Thirty catering vouchers are spent on day 3.
        world.Clock.Now = Seeds.Beijing(2022, 6, 3, 12);
        var spent = cateringGrants.Take(30).ToList();
        foreach (var (person, voucher) in spent)
        {
            var locked = await world.Usage.LockVoucherAsync(new LockVoucherRequest { VoucherId = voucher.VoucherId, LockId = "lock-" + voucher.VoucherId, MerchantId = "m-restaurant", Person = person, Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) }, deadline: SeedWorld.Deadline);
            Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, locked.ResultCase);
            var used = await world.Usage.ConsumeVoucherAsync(new ConsumeVoucherRequest { VoucherId = voucher.VoucherId, LockId = "lock-" + voucher.VoucherId, RedemptionId = "red-" + voucher.VoucherId, MerchantId = "m-restaurant", UsedAt = Timestamp.FromDateTimeOffset(world.Clock.Now) }, deadline: SeedWorld.Deadline);
            Assert.Equal(VoucherStatus.Used, used.Status);
        }

        var usedCents = spent.Sum(g => g.Voucher.FaceValueCents);
        var issuedCents = grants.Sum(g => g.Voucher.FaceValueCents);

        // Round 1 expires at 24:00 on its day 5 (06-05): one second before, nothing goes; at midnight the scheduler expires the rest.
        world.Clock.Now = Seeds.Beijing(2022, 6, 6).AddSeconds(-1);
        Assert.Equal(new VoucherTally(), await ExpireNowAsync(world, s2.Id));
        world.Clock.Now = Seeds.Beijing(2022, 6, 6);
        await WaitForPoolAsync(world, s2.Id, p => p.Lines.Sum(l => l.Expired.Count) == grants.Count - 30);

        var pool = await PoolAsync(world, s2.Id);
        Assert.Equal(grants.Count - 30, pool.Lines.Sum(l => l.Expired.Count));
        Assert.Equal(issuedCents - usedCents, pool.Lines.Sum(l => l.Expired.FaceValueCents));
        Assert.Equal(new VoucherTally { Count = 30, FaceValueCents = usedCents }, new VoucherTally { Count = pool.Lines.Sum(l => l.Used.Count), FaceValueCents = pool.Lines.Sum(l => l.Used.FaceValueCents) });
        Assert.Equal(0, pool.Lines.Sum(l => l.Outstanding.Count));

        // The round has closed: expired plus never-claimed value is the whole budget but what was spent, to the cent, per category.
        Assert.Equal(Seeds.Yuan(1_570_000) - usedCents, pool.ReturnedValueCents);
        Assert.Equal(Seeds.Yuan(150_000) - usedCents, pool.ReturnedValueByCategory.Single(c => c.CategoryId == "catering").AmountCents);
        Assert.Equal(Seeds.Yuan(600_000), pool.ReturnedValueByCategory.Single(c => c.CategoryId == "lodging").AmountCents);
        Assert.Equal(Seeds.Yuan(600_000), pool.ReturnedValueByCategory.Single(c => c.CategoryId == "fuel").AmountCents);
        Assert.Equal(Seeds.Yuan(170_000), pool.ReturnedValueByCategory.Single(c => c.CategoryId == "produce").AmountCents);
        Assert.Equal(Seeds.Yuan(50_000), pool.ReturnedValueByCategory.Single(c => c.CategoryId == "books").AmountCents);
        Assert.Equal(Seeds.Yuan(1_570_000) - usedCents, pool.RemainderCents);
        Assert.All(pool.Lines, l => Assert.Equal(l.Allocated.Count, l.Issued.Count + l.Unclaimed.Count));

        var mine = await world.WalletAsync(winners[0], s2.Id);
        Assert.Equal(3, mine.Count);
        Assert.Contains(mine, v => v.Status == VoucherStatus.Used);
        Assert.Equal(2, mine.Count(v => v.Status == VoucherStatus.Expired));
    }

    [Fact]
    public async Task S3_Youhao_one_per_tier_for_a_person_known_by_phone_id_or_device_inside_the_fence_usable_09_to_22()
    {
        await using var world = await SeedWorld.StartAsync(fixture, Seeds.Beijing(2023, 4, 1));
        var s3 = await Seeds.ConfigureS3Async(world.Campaign.Campaigns);
        await s3.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2023, 5, 1, 10).AddSeconds(5);
        await world.WaitForClaimToSeeAsync(s3.Id, CampaignState.Running);

        // 200 residents take a 20 and then a 40 each; the 20 again is refused.
        var people = Enumerable.Range(0, 200).Select(i => Resident(i, i % 2 == 0 ? UnionPay : Bestpay)).ToList();
        var twenties = await SeedWorld.ConcurrentlyAsync(people, p => ClaimAsync(world, s3.Id, p, "t-20", InYouhao));
        var forties = await SeedWorld.ConcurrentlyAsync(people, p => ClaimAsync(world, s3.Id, p, "t-40", InYouhao));
        var grants = twenties.Concat(forties).Select((o, i) => (Person: people[i % 200], o.Voucher)).ToList();
        Assert.All(grants, g => Assert.NotNull(g.Voucher));
        var repeats = await SeedWorld.ConcurrentlyAsync(people, p => ClaimAsync(world, s3.Id, p, "t-20", InYouhao));
        Assert.All(repeats, o => Assert.Equal((ClaimRefusalReason.LimitReached, LimitScope.PerTierPerCampaign), (RefusalOf(o), o.Refusal.Limit.Scope)));

        // One person is whoever shares a phone, an ID number or a device, whatever the account or channel.
        PersonIdentity Stranger(int n) => Resident(5000 + n, Bestpay);
        var samePhone = Stranger(1).Clone();
        samePhone.Phone = people[3].Phone;
        var sameId = Stranger(2).Clone();
        sameId.NationalId = people[4].NationalId;
        var sameDevice = Stranger(3).Clone();
        sameDevice.DeviceId = people[5].DeviceId;
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await ClaimAsync(world, s3.Id, samePhone, "t-20", InYouhao)));
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await ClaimAsync(world, s3.Id, sameId, "t-40", InYouhao)));
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await ClaimAsync(world, s3.Id, sameDevice, "t-20", InYouhao)));

        // The phone-sharing account takes the 80 tier nobody in that union had; then the union has it.
        var eighty = await ClaimAsync(world, s3.Id, samePhone, "t-80", InYouhao);
        Assert.Equal("t-80", eighty.Voucher.TierId);
        grants.Add((samePhone, eighty.Voucher));
        Assert.Equal(ClaimRefusalReason.LimitReached, RefusalOf(await ClaimAsync(world, s3.Id, people[3], "t-80", InYouhao)));

        // The geo-fence: outside is refused, no location is refused, and neither uses up the person's claim.
        var visitor = Stranger(4);
        Assert.Equal(ClaimRefusalReason.OutOfRegion, RefusalOf(await ClaimAsync(world, s3.Id, visitor, "t-80", InHarbin)));
        Assert.Equal(ClaimRefusalReason.LocationUnavailable, RefusalOf(await ClaimAsync(world, s3.Id, visitor, "t-80")));
        var inside = await ClaimAsync(world, s3.Id, visitor, "t-80", InYouhao);
        grants.Add((visitor, inside.Voucher));
        var noPhone = Stranger(5).Clone();
        noPhone.Phone = string.Empty;
        Assert.Equal(StatusCode.InvalidArgument, (await Refusals.ThrowsAsync(() => ClaimAsync(world, s3.Id, noPhone, "t-20", InYouhao))).StatusCode);

        Assert.All(grants, g =>
        {
            Assert.Equal((9, 22, "Asia/Shanghai"), (g.Voucher.DailyUsageHours.Start.Hour, g.Voucher.DailyUsageHours.End.Hour, g.Voucher.TimeZone));
            Assert.Equal(Seeds.Beijing(2023, 5, 8), g.Voucher.ValidUntil.ToDateTimeOffset());
        });

        var status = await StockAsync(world, s3.Id);
        Assert.Equal((4000, 200, 3800), Cell(status, "round-1", "t-20"));
        Assert.Equal((4000, 200, 3800), Cell(status, "round-1", "t-40"));
        Assert.Equal((2000, 2, 1998), Cell(status, "round-1", "t-80"));

        await world.AssertEveryGrantIsInTheWalletAsync(s3.Id, grants);

        // Usable 09:00–22:00 only: refused at 22:30 and at 08:59, accepted and spent at 09:30.
        var (holder, voucher) = grants[0];
        LockVoucherRequest Lock(string id) => new() { VoucherId = voucher.VoucherId, LockId = id, MerchantId = "m-supermarket", Person = holder, Ttl = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) };
        world.Clock.Now = Seeds.Beijing(2023, 5, 1, 22, 30);
        Assert.Equal(VoucherUnavailableReason.OutsideUsageHours, (await world.Usage.LockVoucherAsync(Lock("l-night"), deadline: SeedWorld.Deadline)).Unavailable.Reason);
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 8, 59);
        Assert.Equal(VoucherUnavailableReason.OutsideUsageHours, (await world.Usage.LockVoucherAsync(Lock("l-dawn"), deadline: SeedWorld.Deadline)).Unavailable.Reason);
        world.Clock.Now = Seeds.Beijing(2023, 5, 2, 9, 30);
        Assert.Equal(LockVoucherResponse.ResultOneofCase.Lock, (await world.Usage.LockVoucherAsync(Lock("l-day"), deadline: SeedWorld.Deadline)).ResultCase);
        var used = await world.Usage.ConsumeVoucherAsync(new ConsumeVoucherRequest { VoucherId = voucher.VoucherId, LockId = "l-day", RedemptionId = "red-1", MerchantId = "m-supermarket", UsedAt = Timestamp.FromDateTimeOffset(world.Clock.Now) }, deadline: SeedWorld.Deadline);
        Assert.Equal(VoucherStatus.Used, used.Status);
    }

    [Fact]
    public async Task S4_Qianan_2020_binds_each_person_to_one_tier_once_for_the_campaign_and_sells_out_the_20_tier()
    {
        await using var world = await SeedWorld.StartAsync(fixture, Seeds.Beijing(2020, 9, 1));
        var s4 = await Seeds.ConfigureS4Async(world.Campaign.Campaigns);
        await s4.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2020, 9, 13, 10).AddSeconds(5);
        await world.WaitForClaimToSeeAsync(s4.Id, CampaignState.Running);

        // 260 people rush the 20-yuan tier (250 in stock), 40 take the local-products voucher.
        var people = Enumerable.Range(0, 300).Select(i => Resident(i)).ToList();
        var (_, first, grants, soldOut) = await RushAsync(world, s4.Id, people, i => i < 260 ? "t-20" : "t-local-100");
        Assert.Equal(250, grants.Count(g => g.Voucher.TierId == "t-20"));
        Assert.Equal(40, grants.Count(g => g.Voucher.TierId == "t-local-100"));
        Assert.Equal(10, soldOut.Count);
        Assert.All(soldOut, i => Assert.Equal(ClaimRefusalReason.SoldOut, RefusalOf(first[i])));
        Assert.All(grants.Where(g => g.Voucher.TierId == "t-local-100"), g => Assert.Equal(["produce.local"], g.Voucher.Categories.CategoryIds));

        // A sold-out answer binds nobody: those ten pick the 50 tier instead.
        var fifties = await SeedWorld.ConcurrentlyAsync(soldOut, i => ClaimAsync(world, s4.Id, people[i], "t-50"));
        grants.AddRange(soldOut.Select((i, k) => (people[i], fifties[k].Voucher)));
        Assert.All(fifties, o => Assert.Equal("t-50", o.Voucher.TierId));

        // Once bound, a person gets neither the same tier again nor any other one, to the campaign's last day.
        // A tier that is gone answers sold out to everyone, holders included: that answer comes before a person's own checks.
        world.Clock.Now = Seeds.Beijing(2020, 9, 29, 15);
        var holders = grants.Where(g => g.Voucher.TierId != "t-20").Take(30).ToList();
        var sameTier = await SeedWorld.ConcurrentlyAsync(holders, g => ClaimAsync(world, s4.Id, g.Person, g.Voucher.TierId));
        var otherTier = await SeedWorld.ConcurrentlyAsync(holders, g => ClaimAsync(world, s4.Id, g.Person, "t-400"));
        Assert.All(sameTier.Concat(otherTier), o => Assert.Equal((ClaimRefusalReason.LimitReached, LimitScope.SingleTierPerCampaign), (RefusalOf(o), o.Refusal.Limit.Scope)));
        var soldOutHolder = grants.First(g => g.Voucher.TierId == "t-20");
        Assert.Equal(ClaimRefusalReason.SoldOut, RefusalOf(await ClaimAsync(world, s4.Id, soldOutHolder.Person, "t-20")));
        Assert.Equal("t-20", (await ClaimAsync(world, s4.Id, soldOutHolder.Person, "t-400")).Refusal.Limit.BoundTierId);
        Assert.All(otherTier.Select((o, k) => (o, k)), x => Assert.Equal(holders[x.k].Voucher.TierId, x.o.Refusal.Limit.BoundTierId));
        var newcomer = await ClaimAsync(world, s4.Id, Resident(7000), "t-400");
        grants.Add((Resident(7000), newcomer.Voucher));

        // Every voucher ends with the campaign, 09-30 24:00.
        Assert.All(grants, g => Assert.Equal(Seeds.Beijing(2020, 10, 1), g.Voucher.ValidUntil.ToDateTimeOffset()));
        var status = await StockAsync(world, s4.Id);
        Assert.Equal((4000, 40, 3960), Cell(status, "round-1", "t-local-100"));
        Assert.Equal((250, 250, 0), Cell(status, "round-1", "t-20"));
        Assert.Equal((500, 10, 490), Cell(status, "round-1", "t-50"));
        Assert.Equal((900, 0, 900), Cell(status, "round-1", "t-100"));
        Assert.Equal((1400, 0, 1400), Cell(status, "round-1", "t-200"));
        Assert.Equal((3000, 1, 2999), Cell(status, "round-1", "t-400"));

        await world.AssertEveryGrantIsInTheWalletAsync(s4.Id, grants);

        // After 09-30 24:00 the campaign is ended by its schedule and claims are refused as such.
        world.Clock.Now = Seeds.Beijing(2020, 10, 1);
        await world.WaitForClaimToSeeAsync(s4.Id, CampaignState.Ended);
        Assert.Equal(ClaimRefusalReason.Ended, RefusalOf(await ClaimAsync(world, s4.Id, Resident(7001), "t-400")));
    }

    [Fact]
    public async Task S5_Zhangdian_gives_one_voucher_per_person_per_batch_from_each_batchs_own_stock()
    {
        await using var world = await SeedWorld.StartAsync(fixture, Seeds.Beijing(2023, 4, 1));
        var s5 = await Seeds.ConfigureS5Async(world.Campaign.Campaigns);
        await s5.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2023, 4, 22, 10).AddSeconds(5);
        await world.WaitForClaimToSeeAsync(s5.Id, CampaignState.Running);

        // Batch 1: 520 people rush the 200 voucher (500 in stock), 100 take the 100 voucher.
        var people = Enumerable.Range(0, 620).Select(i => Resident(i)).ToList();
        var (_, first, grants, soldOut) = await RushAsync(world, s5.Id, people, i => i < 520 ? "t-200" : "t-100");
        Assert.Equal(500, grants.Count(g => g.Voucher.TierId == "t-200"));
        Assert.Equal(100, grants.Count(g => g.Voucher.TierId == "t-100"));
        Assert.Equal(20, soldOut.Count);
        Assert.All(soldOut, i => Assert.Equal(ClaimRefusalReason.SoldOut, RefusalOf(first[i])));
        var hundreds = await SeedWorld.ConcurrentlyAsync(soldOut, i => ClaimAsync(world, s5.Id, people[i], "t-100"));
        grants.AddRange(soldOut.Select((i, k) => (people[i], hundreds[k].Voucher)));

        // One per person per batch.
        var again = await SeedWorld.ConcurrentlyAsync(people.Take(100).ToList(), p => ClaimAsync(world, s5.Id, p, "t-100"));
        Assert.All(again, o => Assert.Equal((ClaimRefusalReason.LimitReached, LimitScope.PerRound), (RefusalOf(o), o.Refusal.Limit.Scope)));

        // Batch 2 opens 05-01 10:00 with its own stock: the first 300 people claim again and get one each.
        world.Clock.Now = Seeds.Beijing(2023, 5, 1, 10).AddSeconds(5);
        var second = await SeedWorld.ConcurrentlyAsync(people.Take(300).ToList(), p => ClaimAsync(world, s5.Id, p, "t-200"));
        Assert.All(second, o => Assert.Equal(("batch-2", "t-200"), (o.Voucher.RoundId, o.Voucher.TierId)));
        grants.AddRange(second.Select((o, i) => (people[i], o.Voucher)));
        var secondAgain = await SeedWorld.ConcurrentlyAsync(people.Take(50).ToList(), p => ClaimAsync(world, s5.Id, p, "t-100"));
        Assert.All(secondAgain, o => Assert.Equal((ClaimRefusalReason.LimitReached, "batch-2"), (RefusalOf(o), o.Refusal.RoundId)));
        Assert.Equal(ClaimRefusalReason.Ended, RefusalOf(await ClaimAsync(world, s5.Id, people[600], "t-100", round: "batch-1")));

        // Terms of both batches: per-item thresholds, 15% merchant co-funding, redeemable until 05-22 24:00.
        Assert.All(grants, g =>
        {
            var (spend, cofunding) = g.Voucher.TierId == "t-200" ? (Seeds.Yuan(2000), Seeds.Yuan(30)) : (Seeds.Yuan(1000), Seeds.Yuan(15));
            Assert.Equal((spend, SpendScope.SingleItem, cofunding), (g.Voucher.MinimumSpend.FixedCents, g.Voucher.MinimumSpend.Scope, g.Voucher.MerchantCofundingCents));
            Assert.Equal(Seeds.Beijing(2023, 5, 23), g.Voucher.ValidUntil.ToDateTimeOffset());
        });

        var status = await StockAsync(world, s5.Id);
        Assert.Equal((500, 500, 0), Cell(status, "batch-1", "t-200"));
        Assert.Equal((1500, 120, 1380), Cell(status, "batch-1", "t-100"));
        Assert.Equal((500, 300, 200), Cell(status, "batch-2", "t-200"));
        Assert.Equal((1500, 0, 1500), Cell(status, "batch-2", "t-100"));

        await world.AssertEveryGrantIsInTheWalletAsync(s5.Id, grants);
        Assert.Equal(new[] { "batch-1", "batch-2" }, (await world.WalletAsync(people[0], s5.Id)).Select(v => v.RoundId).Order());
    }
}
