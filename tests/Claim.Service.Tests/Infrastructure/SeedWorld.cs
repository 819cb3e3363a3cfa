extern alias campaigntests;

using Claim.Service.HotPath;
using TestSupport;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using CampaignServiceHost = campaigntests::Campaign.Service.Tests.CampaignServiceHost;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>
/// The real Campaign service and the real Claim service in this process, on free ports, sharing one
/// clock the test moves: Claim learns campaigns only through its snapshot subscription to Campaign.
/// Redis and claimdb come from <see cref="ClaimFixture"/> (emptied first); Campaign gets its own database.
/// </summary>
public sealed class SeedWorld : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ClaimFixture _fixture;
    private readonly TestDatabase _campaignDatabase;
    private readonly WebApplication _claimApp;
    private readonly GrpcChannel _claimChannel;

    private SeedWorld(ClaimFixture fixture, TestDatabase campaignDatabase, CampaignServiceHost campaign, WebApplication claimApp, GrpcChannel claimChannel, TestClock clock)
    {
        _fixture = fixture;
        _campaignDatabase = campaignDatabase;
        Campaign = campaign;
        _claimApp = claimApp;
        _claimChannel = claimChannel;
        Clock = clock;
        var calls = claimChannel.WithActorTokens();
        Claims = new ClaimService.ClaimServiceClient(calls);
        Admin = new ClaimAdminService.ClaimAdminServiceClient(calls);
        Usage = new VoucherUsageService.VoucherUsageServiceClient(calls);
        Catalog = claimApp.Services.GetRequiredService<CampaignCatalog>();
    }

    /// <summary>The one clock both services read; moving it moves both.</summary>
    public TestClock Clock { get; }

    public CampaignServiceHost Campaign { get; }

    public ClaimService.ClaimServiceClient Claims { get; }

    public ClaimAdminService.ClaimAdminServiceClient Admin { get; }

    public VoucherUsageService.VoucherUsageServiceClient Usage { get; }

    /// <summary>What the Claim service has taken in from the snapshot stream (read only: tests never feed it).</summary>
    public CampaignCatalog Catalog { get; }

    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    /// <param name="expiryInterval">How often the Claim service's expiry scheduler runs (real time; it expires by the shared clock).</param>
    public static async Task<SeedWorld> StartAsync(ClaimFixture fixture, DateTimeOffset now, TimeSpan? expiryInterval = null)
    {
        await fixture.ResetAsync(now);
        var clock = new TestClock(now);
        var database = await SharedPostgres.CreateDatabaseAsync("seed_rounds");
        CampaignServiceHost? campaign = null;
        try
        {
            campaign = await CampaignServiceHost.StartAsync(database.ConnectionString, clock);
            var campaignAddress = campaign.Address;
            var (app, claimAddress) = await InProcessClaimService.StartAsync(fixture, clock, "seed-rounds-identity-secret-0123", new Dictionary<string, string?>
            {
                ["services:campaign:grpc:0"] = campaignAddress,
                ["Claim:ExpiryInterval"] = (expiryInterval ?? TimeSpan.FromHours(1)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            });
            return new SeedWorld(fixture, database, campaign, app, GrpcChannel.ForAddress(claimAddress), clock);
        }
        catch
        {
            if (campaign is not null)
            {
                await campaign.DisposeAsync();
            }

            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>A claim as a channel sends it: UNAVAILABLE (e.g. the campaign's Redis state is being checked) is retried with the same request id.</summary>
    public Task<ClaimOutcome> ClaimAsync(ClaimVoucherRequest request) => RetryingAsync(() => Claims.ClaimVoucherAsync(request, deadline: Deadline).ResponseAsync);

    /// <summary>A lucky-draw spin, retried like <see cref="ClaimAsync"/>.</summary>
    public Task<ClaimOutcome> DrawAsync(DrawVoucherRequest request) => RetryingAsync(() => Claims.DrawVoucherAsync(request, deadline: Deadline).ResponseAsync);

    /// <summary>Waits until the Claim service's catalog holds the campaign in <paramref name="state"/>, as sent by the Campaign service.</summary>
    public async Task<CampaignPlan> WaitForClaimToSeeAsync(string campaignId, CampaignState state)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var plan = Catalog.Plans.FirstOrDefault(p => p.CampaignId == campaignId);
            if (plan?.State == state)
            {
                return plan;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Claim service never saw campaign {campaignId} {state} (it holds {plan?.State.ToString() ?? "nothing"})");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until claimdb holds exactly <paramref name="count"/> vouchers of the campaign (the persister caught up).</summary>
    public async Task WaitForPersistedAsync(string campaignId, long count)
    {
        var deadline = DateTime.UtcNow + Patience;
        long stored;
        while ((stored = await StoredAsync(campaignId)) != count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(count, stored);
    }

    /// <summary>Every voucher in the person's wallet for the campaign, all pages.</summary>
    public async Task<List<Voucher>> WalletAsync(PersonIdentity person, string campaignId)
    {
        var vouchers = new List<Voucher>();
        var token = string.Empty;
        do
        {
            var page = await Claims.ListVouchersAsync(new ListVouchersRequest { Person = person, CampaignId = campaignId, Page = new PageRequest { PageSize = 100, PageToken = token } }, deadline: Deadline);
            vouchers.AddRange(page.Vouchers);
            token = page.Page.NextPageToken;
        }
        while (token.Length > 0);
        return vouchers;
    }

    /// <summary>Checks that every granted voucher sits in its holder's wallet, and that the wallets hold nothing else.</summary>
    public async Task AssertEveryGrantIsInTheWalletAsync(string campaignId, IReadOnlyCollection<(PersonIdentity Person, Voucher Voucher)> grants)
    {
        await WaitForPersistedAsync(campaignId, grants.Count);
        foreach (var holder in grants.GroupBy(g => (g.Person.ChannelId, g.Person.ChannelAccountId)))
        {
            var wallet = await WalletAsync(holder.First().Person, campaignId);
            var expected = holder.Select(g => g.Voucher).OrderBy(v => v.VoucherId, StringComparer.Ordinal).ToList();
            var stored = wallet.OrderBy(v => v.VoucherId, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(v => (v.VoucherId, v.RoundId, v.TierId, v.CategoryId, v.FaceValueCents, v.ValidUntil)), stored.Select(v => (v.VoucherId, v.RoundId, v.TierId, v.CategoryId, v.FaceValueCents, v.ValidUntil)));
        }
    }

    /// <summary>Runs the calls with a few in flight at once, as many phones would, and returns the answers in call order.</summary>
    public static async Task<TResult[]> ConcurrentlyAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, Task<TResult>> call, int inFlight = 16)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, _) => results[i] = await call(items[i]));
        return results;
    }

    private static async Task<ClaimOutcome> RetryingAsync(Func<Task<ClaimOutcome>> call)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (global::Grpc.Core.RpcException ex) when (ex.StatusCode == global::Grpc.Core.StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _claimChannel.Dispose();
        await _claimApp.StopAsync();
        await _claimApp.DisposeAsync();
        await Campaign.DisposeAsync();
        await _campaignDatabase.DisposeAsync();
    }

    private async Task<long> StoredAsync(string campaignId)
    {
        await using var command = _fixture.DataSource.CreateCommand("SELECT count(*) FROM vouchers WHERE campaign_id = @campaign");
        command.Parameters.AddWithValue("campaign", campaignId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
