extern alias campaigntests;
extern alias redemptiontests;

using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Data;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using CampaignSeeds = campaigntests::Campaign.Service.Tests.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;
using Scenes = redemptiontests::Redemption.Service.Tests.Infrastructure.Scenes;
using Shop = redemptiontests::Redemption.Service.Tests.Infrastructure.Shop;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>
/// The real Campaign, Claim and Redemption services (hosted in this process by Redemption's test world, started
/// once for the collection) and Settlement on a fresh settlementdb per test. Each test configures its own campaign,
/// merchants and people through the real services' gRPC calls, so tests stay apart although the peers are shared.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SettlementCollection : ICollectionFixture<RedemptionWorld>
{
    public const string Name = "settlement";
}

/// <summary>A voucher a person claimed through Claim, ready to redeem.</summary>
public sealed record Claimed(string CampaignId, PersonIdentity Person, Voucher Voucher);

public sealed class World : IAsyncDisposable
{
    private readonly List<SettlementHost> _hosts = [];
    private readonly ConcurrentDictionary<string, int> _claims = new(StringComparer.Ordinal);

    private World(RedemptionWorld services, TestDatabase database)
    {
        Services = services;
        Database = database;
    }

    /// <summary>The real peers: Campaign, Claim (with its redis-server) and Redemption.</summary>
    public RedemptionWorld Services { get; }

    public TestDatabase Database { get; }

    public TestClock Clock => Services.Clock;

    public SettlementHost Host => _hosts[0];

    public static async Task<World> StartAsync(RedemptionWorld services, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var world = new World(services, await SharedPostgres.CreateDatabaseAsync("settlement"));
        await world.AddHostAsync(settings);
        return world;
    }

    /// <summary>Another copy of Settlement on the same settlementdb and the same peers.</summary>
    public async Task<SettlementHost> AddHostAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = Services.Campaign.Address,
            ["services:claim:grpc:0"] = Services.ClaimAddress,
            ["services:redemption:grpc:0"] = $"http://{Services.Redemption.Channel.Target}",
            ["Settlement:Reports:IdentitySecret"] = RedemptionWorld.IdentitySecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var host = await SettlementHost.StartAsync(Database.ConnectionString, Clock, configuration);
        _hosts.Add(host);
        return host;
    }

    public async Task StopHostAsync(SettlementHost host)
    {
        _hosts.Remove(host);
        await host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Database.DisposeAsync();
    }

    // ---- the seed campaigns, configured through the real Campaign service --------------------------------------

    /// <summary>S5 张店 as Campaign's seed configures it, running from 2023-04-22 10:00; optionally accepting a missing invoice without subsidy instead of refusing it.</summary>
    public async Task<string> S5Async(bool acceptMissingInvoice = false)
    {
        Clock.Now = CampaignSeeds.Beijing(2023, 4, 20);
        var configured = await CampaignSeeds.ConfigureS5Async(Services.Campaign.Campaigns, Code("zhangdian"));
        if (acceptMissingInvoice)
        {
            var settings = configured.Details.Settings.Clone();
            settings.RedemptionPolicy.MissingDetailHandling = MissingDetailHandling.AcceptWithoutSubsidy;
            await Services.Campaign.Campaigns.UpdateCampaignSettingsAsync(new UpdateCampaignSettingsRequest { CampaignId = configured.Id, ExpectedVersion = configured.Details.Version, Actor = CampaignSeeds.Operator, Settings = settings });
            await configured.RefreshAsync();
        }

        return await RunningAsync(configured, CampaignSeeds.Beijing(2023, 4, 22, 10).AddSeconds(5));
    }

    /// <summary>S1 华亭: city 200,000 + county 200,000, 云闪付 300,000 + 翼支付 100,000, running from 2023-03-01 10:00.</summary>
    public async Task<string> S1Async()
    {
        Clock.Now = CampaignSeeds.Beijing(2023, 2, 20);
        return await RunningAsync(await CampaignSeeds.ConfigureS1Async(Services.Campaign.Campaigns, Code("huating")), CampaignSeeds.Beijing(2023, 3, 1, 10).AddSeconds(5));
    }

    /// <summary>S2 乾安: lucky draw, 100 % government, a missing amount accepted without subsidy, running from 2022-06-01 09:00 to 07-05 24:00.</summary>
    public async Task<string> S2Async()
    {
        Clock.Now = CampaignSeeds.Beijing(2022, 5, 20);
        return await RunningAsync(await CampaignSeeds.ConfigureS2Async(Services.Campaign.Campaigns, asPrinted: false, Code("qianan")), CampaignSeeds.Beijing(2022, 6, 1, 9).AddSeconds(5));
    }

    private static string Code(string seed) => $"{seed}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<string> RunningAsync(CampaignSeeds.Configured campaign, DateTimeOffset now)
    {
        await campaign.PublishAsync();
        Clock.Now = now;
        await Services.WaitForRedemptionToSeeAsync(campaign.Id, view => view.Terms.Running);
        return campaign.Id;
    }

    // ---- merchants, claims and redemptions through the real services --------------------------------------------

    /// <summary>A merchant registered, approved and enrolled through Campaign, with one cashier.</summary>
    public Task<Shop> ShopAsync(string campaignId, params string[] categories) => Scenes.ShopAsync(Services, campaignId, categories);

    /// <summary>A new person claims one voucher of the tier through Claim (via <paramref name="channel"/>), now.</summary>
    public async Task<Claimed> ClaimAsync(string campaignId, string tierId, string channel = "unionpay")
    {
        var person = Scenes.Person(RedemptionWorld.NextSeed(), channel);
        var voucher = await Scenes.ClaimAsync(Services, campaignId, person, tierId);
        _claims.AddOrUpdate(campaignId, 1, (_, n) => n + 1);
        return new Claimed(campaignId, person, voucher);
    }

    /// <summary>A new person draws a voucher in the category (lucky-draw campaigns), now.</summary>
    public async Task<Claimed> DrawAsync(string campaignId, string categoryId)
    {
        var person = Scenes.Person(RedemptionWorld.NextSeed());
        var voucher = await Scenes.DrawAsync(Services, campaignId, person, categoryId);
        _claims.AddOrUpdate(campaignId, 1, (_, n) => n + 1);
        return new Claimed(campaignId, person, voucher);
    }

    /// <summary>The channel that issued the voucher redeems it at the shop at <paramref name="at"/>; the redemption must be recorded.</summary>
    public async Task<RedemptionRecord> RedeemAsync(Shop shop, Claimed claimed, DateTimeOffset at, long orderCents, string category, long itemCents = 0, string invoice = "FP-0001", string? transactionId = null)
    {
        Clock.Now = at;
        var request = Scenes.Named(shop, claimed.Person, claimed.Voucher.VoucherId, orderCents, category, itemCents, invoice);
        request.Actor = Scenes.Channel(claimed.Person.ChannelId);
        request.AcquiringChannelId = claimed.Person.ChannelId;
        if (transactionId is not null)
        {
            request.ChannelTransactionId = transactionId;
        }

        var outcome = await Scenes.RedeemAsync(Services, request);
        Assert.True(outcome.Redemption is not null, $"Redemption refused {claimed.Voucher.VoucherId}: {outcome.Refusal}");
        return outcome.Redemption;
    }

    /// <summary>Claims a voucher of the tier at <paramref name="at"/> and redeems it there.</summary>
    public async Task<RedemptionRecord> ClaimAndRedeemAsync(Shop shop, string campaignId, string tierId, DateTimeOffset at, long orderCents, string category, long itemCents = 0, string invoice = "FP-0001", string channel = "unionpay", string? transactionId = null)
    {
        Clock.Now = at;
        return await RedeemAsync(shop, await ClaimAsync(campaignId, tierId, channel), at, orderCents, category, itemCents, invoice, transactionId);
    }

    /// <summary>S5 with one merchant's 满2000减200 redeemed on the first Saturday, the feeds read past Monday 01:00 (week 1 due).</summary>
    public async Task<(string CampaignId, Shop Shop)> S5FirstWeekWithOneRedemptionAsync()
    {
        var s5 = await S5Async();
        var shop = await ShopAsync(s5, "appliances");
        await ClaimAndRedeemAsync(shop, s5, "t-200", CampaignSeeds.Beijing(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000);
        Clock.Now = CampaignSeeds.Beijing(2023, 4, 24, 1);
        await WaitForFeedsAsync(s5);
        return (s5, shop);
    }

    /// <summary>The operator revokes a redemption in Redemption (撤回).</summary>
    public async Task<RedemptionRecord> RevokeAsync(RedemptionRecord redemption) =>
        await Services.Redemption.Admin.RevokeRedemptionAsync(new RevokeRedemptionRequest { Actor = CampaignSeeds.Operator, RedemptionId = redemption.RedemptionId, Reason = "fraud finding" }, deadline: RedemptionWorld.Deadline);

    /// <summary>The operator suspends (or reinstates) a merchant in Campaign.</summary>
    public async Task SetMerchantSuspendedAsync(string merchantId, bool suspended)
    {
        var merchants = Services.Campaign.Merchants;
        var current = await merchants.GetMerchantAsync(new GetMerchantRequest { Actor = CampaignSeeds.Operator, MerchantId = merchantId });
        var review = new ReviewMerchantRequest { Actor = CampaignSeeds.Operator, MerchantId = merchantId, ExpectedVersion = current.Version, Reason = suspended ? "complaints under investigation" : "cleared" };
        await (suspended ? merchants.SuspendMerchantAsync(review) : merchants.ReinstateMerchantAsync(review));
    }

    /// <summary>Redemption's own records of the campaign, every page.</summary>
    public async Task<List<RedemptionRecord>> RedemptionRecordsAsync(string campaignId)
    {
        var records = new List<RedemptionRecord>();
        var page = new PageRequest { PageSize = 500 };
        while (true)
        {
            var response = await Services.Redemption.Redemptions.ListRedemptionsAsync(new ListRedemptionsRequest { Actor = CampaignSeeds.Auditor, CampaignId = campaignId, Page = page }, deadline: RedemptionWorld.Deadline);
            records.AddRange(response.Redemptions);
            if (string.IsNullOrEmpty(response.Page.NextPageToken))
            {
                return records;
            }

            page = new PageRequest { PageSize = 500, PageToken = response.Page.NextPageToken };
        }
    }

    /// <summary>
    /// Waits until <paramref name="host"/> (the first copy by default) holds each campaign's current snapshot, every
    /// redemption of it at the version Redemption holds, every voucher claimed in it, and both feeds read to their end
    /// after the clock's present instant (so RunSettlement may settle up to now).
    /// </summary>
    public async Task WaitForFeedsAsync(string campaignId, SettlementHost? host = null)
    {
        host ??= Host;
        var expected = (await RedemptionRecordsAsync(campaignId)).ToDictionary(r => r.RedemptionId, r => r.Version, StringComparer.Ordinal);
        var snapshot = await Services.Campaign.Snapshots.GetCampaignSnapshotAsync(new GetCampaignSnapshotRequest { CampaignId = campaignId });
        var claimed = _claims.GetValueOrDefault(campaignId);
        var now = Clock.Now;
        var contexts = host.Services.GetRequiredService<IDbContextFactory<SettlementDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var db = await contexts.CreateDbContextAsync())
            {
                var projected = await db.Redemptions.Where(r => r.CampaignId == campaignId).Select(r => new { r.RedemptionId, r.Version }).ToListAsync();
                var vouchers = await db.Vouchers.CountAsync(v => v.CampaignId == campaignId);
                var version = await db.CampaignSnapshots.Where(s => s.CampaignId == campaignId).Select(s => (long?)s.SnapshotVersion).SingleOrDefaultAsync();
                var caughtUp = await db.FeedCursors.Where(c => c.CaughtUpTo >= now).CountAsync();
                if (projected.Count == expected.Count && projected.All(p => expected.GetValueOrDefault(p.RedemptionId) == p.Version)
                    && vouchers >= claimed && version >= snapshot.SnapshotVersion && caughtUp == 2)
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Settlement did not catch up with campaign {campaignId}: {projected.Count}/{expected.Count} redemptions, {vouchers}/{claimed} vouchers, snapshot {version}/{snapshot.SnapshotVersion}, {caughtUp}/2 feeds read past {now:O}");
                }
            }

            await Task.Delay(25);
        }
    }
}
