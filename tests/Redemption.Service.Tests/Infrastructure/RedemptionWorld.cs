extern alias campaigntests;
extern alias claimtests;
extern alias claim;

using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Redemption.Service;
using Redemption.Service.Campaigns;
using Redemption.Service.Data;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using CampaignServiceHost = campaigntests::Campaign.Service.Tests.CampaignServiceHost;
using ClaimDbContext = claim::Claim.Service.Data.ClaimDbContext;
using InProcessClaimService = claimtests::Claim.Service.Tests.Infrastructure.InProcessClaimService;
using RedisServer = claimtests::Claim.Service.Tests.Infrastructure.RedisServer;

namespace Redemption.Service.Tests.Infrastructure;

/// <summary>
/// The real Campaign, Claim, Redemption and Settlement services in this process on free ports, over one redis-server
/// and four throw-away databases, all reading one clock the tests move. Redemption learns campaigns only through
/// Campaign's snapshot watch, touches vouchers only through Claim's gRPC API and asks Settlement before a reversal;
/// Settlement follows the three as it does in a deployment. Tests share the world and stay apart by each configuring
/// its own campaign, merchants and people.
/// </summary>
public sealed class RedemptionWorld : IAsyncLifetime
{
    public const string IdentitySecret = "redemption-tests-identity-secret-0123";

    private static int nextSeed = Random.Shared.Next(1, 100_000) * 1000;

    private TestDatabase _campaignDb = null!;
    public TestDatabase ClaimDb { get; private set; } = null!;
    private TestDatabase _settlementDb = null!;
    private WebApplication _claimApp = null!;
    private GrpcChannel _claimChannel = null!;

    public TestClock Clock { get; } = new(DateTimeOffset.UnixEpoch);

    public RedisServer Redis { get; private set; } = null!;

    public TestDatabase RedemptionDb { get; private set; } = null!;

    public NpgsqlDataSource RedemptionData { get; private set; } = null!;

    public CampaignServiceHost Campaign { get; private set; } = null!;

    public string ClaimAddress { get; private set; } = "";

    public ClaimService.ClaimServiceClient Claims { get; private set; } = null!;

    public VoucherUsageService.VoucherUsageServiceClient Usage { get; private set; } = null!;

    public ClaimAdminService.ClaimAdminServiceClient ClaimAdmin { get; private set; } = null!;

    /// <summary>Where Redemption listens, kept across restarts so Settlement's feed follower finds it again.</summary>
    public Uri RedemptionAddress { get; } = new($"http://127.0.0.1:{FreePorts.Next()}");

    /// <summary>The Settlement service Redemption asks before a reversal (it follows Campaign, Claim and Redemption).</summary>
    public SettlementHost Settlement { get; private set; } = null!;

    /// <summary>
    /// False leaves Settlement out (the redemption benchmark: its feed projection is no part of a redemption and would
    /// bill its CPU to the redemptions); Redemption is then told an address where nothing listens, so a reversal is
    /// UNAVAILABLE.
    /// </summary>
    public bool WithSettlement { get; init; } = true;

    /// <summary>The Redemption service the tests talk to; replaced by <see cref="RestartRedemptionAsync"/>.</summary>
    public RedemptionHost Redemption { get; private set; } = null!;

    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    public static int NextSeed() => Interlocked.Increment(ref nextSeed);

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        _campaignDb = await SharedPostgres.CreateDatabaseAsync("redemption_campaign");
        ClaimDb = await SharedPostgres.CreateDatabaseAsync("redemption_claim");
        RedemptionDb = await SharedPostgres.CreateDatabaseAsync("redemption_tests");
        _settlementDb = await SharedPostgres.CreateDatabaseAsync("redemption_settlement");
        RedemptionData = NpgsqlDataSource.Create(RedemptionDb.ConnectionString);
        await using (var claimDb = new ClaimDbContext(new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(ClaimDb.ConnectionString).Options))
        {
            await claimDb.Database.MigrateAsync();
        }

        await using (var redemptionDb = new RedemptionDbContext(new DbContextOptionsBuilder<RedemptionDbContext>().UseNpgsql(RedemptionDb.ConnectionString).Options))
        {
            await redemptionDb.Database.MigrateAsync();
        }

        Campaign = await CampaignServiceHost.StartAsync(_campaignDb.ConnectionString, Clock);
        (_claimApp, ClaimAddress) = await InProcessClaimService.StartAsync(ClaimDb.ConnectionString, Redis.EndPoint, Clock, IdentitySecret, new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = Campaign.Address,
        });
        _claimChannel = GrpcChannel.ForAddress(ClaimAddress);
        var claimCalls = _claimChannel.WithActorTokens();
        Claims = new ClaimService.ClaimServiceClient(claimCalls);
        Usage = new VoucherUsageService.VoucherUsageServiceClient(claimCalls);
        ClaimAdmin = new ClaimAdminService.ClaimAdminServiceClient(claimCalls);
        Settlement = !WithSettlement ? null! : await SettlementHost.StartAsync(_settlementDb.ConnectionString, Clock, new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = Campaign.Address,
            ["services:claim:grpc:0"] = ClaimAddress,
            ["services:redemption:grpc:0"] = RedemptionAddress.ToString(),
            ["Settlement:Reports:IdentitySecret"] = IdentitySecret,
        });
        Redemption = await RedemptionHost.StartAsync(this, ClaimAddress);
    }

    /// <summary>Where Redemption finds Settlement, as its configuration names it.</summary>
    public string SettlementAddress => WithSettlement ? $"http://{Settlement.Channel.Target}" : "http://127.0.0.1:9";

    /// <summary>Stops the Redemption service without letting it finish anything (its attempts stay as they are) and starts a fresh copy.</summary>
    public async Task RestartRedemptionAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        await Redemption.DisposeAsync();
        Redemption = await RedemptionHost.StartAsync(this, ClaimAddress, settings);
    }

    public async Task DisposeAsync()
    {
        await Redemption.DisposeAsync();
        if (WithSettlement)
        {
            await Settlement.DisposeAsync();
        }

        _claimChannel.Dispose();
        await _claimApp.StopAsync();
        await _claimApp.DisposeAsync();
        await Campaign.DisposeAsync();
        await RedemptionData.DisposeAsync();
        await RedemptionDb.DisposeAsync();
        await _settlementDb.DisposeAsync();
        await ClaimDb.DisposeAsync();
        await _campaignDb.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>Waits until the Redemption service holds the campaign's snapshot and <paramref name="ready"/> holds for it.</summary>
    public Task<CampaignView> WaitForRedemptionToSeeAsync(string campaignId, Func<CampaignView, bool> ready) => Redemption.WaitForAsync(campaignId, ready);

    /// <summary>Waits until claimdb holds the voucher (the persister caught up), and returns it as its holder sees it.</summary>
    public async Task<Voucher> WaitForVoucherAsync(PersonIdentity person, string voucherId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await Claims.GetVoucherAsync(new GetVoucherRequest { Person = person, VoucherId = voucherId }, deadline: Deadline);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = RedemptionData.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name)]
public sealed class RedemptionCollection : ICollectionFixture<RedemptionWorld>
{
    public const string Name = "redemption";
}

/// <summary>One copy of the Redemption service as Program.cs builds it, on Kestrel h2c on a free port.</summary>
public sealed class RedemptionHost : InProcessServiceHost
{
    private RedemptionHost(WebApplication app, GrpcChannel channel)
        : base(app, channel)
    {
        var calls = channel.WithActorTokens();
        Redemptions = new RedemptionService.RedemptionServiceClient(calls);
        Admin = new RedemptionAdminService.RedemptionAdminServiceClient(calls);
        Feed = new RedemptionFeedService.RedemptionFeedServiceClient(calls);
    }

    public RedemptionService.RedemptionServiceClient Redemptions { get; }

    public RedemptionAdminService.RedemptionAdminServiceClient Admin { get; }

    public RedemptionFeedService.RedemptionFeedServiceClient Feed { get; }

    /// <param name="claimAddress">Where Claim is, or a dead address to play Claim unreachable.</param>
    /// <param name="settings">Overrides, e.g. <c>services:settlement:grpc:0</c> at a dead address to play Settlement unreachable.</param>
    /// <param name="listenAddress">
    /// Where this copy listens; by default the world's Redemption address. A second copy beside the world's own needs an
    /// address of its own: the listen sockets allow reuse (for restarts), so two copies on one port would split its
    /// connections between them.
    /// </param>
    public static async Task<RedemptionHost> StartAsync(RedemptionWorld world, string claimAddress, IReadOnlyDictionary<string, string?>? settings = null, Uri? listenAddress = null)
    {
        listenAddress ??= world.RedemptionAddress;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redemptiondb"] = world.RedemptionDb.ConnectionString,
            ["services:campaign:grpc:0"] = world.Campaign.Address,
            ["services:claim:grpc:0"] = claimAddress,
            ["services:settlement:grpc:0"] = world.SettlementAddress,
            ["Redemption:IdentitySecret"] = RedemptionWorld.IdentitySecret,
            ["Redemption:LockTtl"] = "00:00:30",
            ["Redemption:AttemptLease"] = "00:00:05",
            ["Redemption:RecoveryInterval"] = "00:00:00.200",
            ["Redemption:FeedPollInterval"] = "00:00:00.100",
        };
        var endpoints = InProcessEndpoints.Settings(out _);
        endpoints["Kestrel:Endpoints:grpc:Url"] = listenAddress.ToString();
        foreach (var (key, value) in endpoints.Concat(settings ?? new Dictionary<string, string?>()))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A restarted copy takes the same address while the old copy's connections linger in TIME_WAIT.
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = ReusableListenSocket);
        builder.Services.AddSingleton<TimeProvider>(world.Clock);
        builder.AddRedemptionServices();
        var app = builder.Build();
        app.MapRedemptionServices();
        await app.StartAsync();
        return new RedemptionHost(app, GrpcChannel.ForAddress(listenAddress));
    }

    private static Socket ReusableListenSocket(EndPoint endpoint)
    {
        var address = (IPEndPoint)endpoint;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(address);
        return socket;
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public async Task<CampaignView> WaitForAsync(string campaignId, Func<CampaignView, bool> ready)
    {
        var rules = Get<CampaignRules>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (rules.Find(campaignId) is { } view && ready(view))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Redemption service never saw campaign {campaignId} as the test expects (it holds version {rules.Find(campaignId)?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
            }

            await Task.Delay(25);
        }
    }

}
