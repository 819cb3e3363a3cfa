using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Campaign.Service.Tests;
using Claim.Service.Data;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Redemption.Service;
using Redemption.Service.Data;
using ServiceDefaults;
using Settlement.Service;
using Settlement.Service.Data;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// All four services behind the gateway (Campaign, Claim, Redemption, Settlement: real PostgreSQL, real Redis), on one
/// clock the tests move, each trusting only the gateway's tokens; the JSON APIs' tests call them through the gateway.
/// </summary>
public sealed class ApiWorld : TestWorld
{
    public const string IdentitySecret = "gateway-api-tests-identity-secret-01";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly List<IAsyncDisposable> _started = [];
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public TestClock Clock { get; } = new(Seeds.Beijing(2023, 4, 20));

    public GatewayHost Gateway { get; private set; } = null!;

    public WebApplication Redemption { get; private set; } = null!;

    protected override async Task StartAllAsync()
    {
        var redis = await Started(RedisServer.StartAsync());
        var campaignDb = await Started(SharedPostgres.CreateDatabaseAsync("gateway_api_campaign"));
        var claimDb = await Started(SharedPostgres.CreateDatabaseAsync("gateway_api_claim"));
        var redemptionDb = await Started(SharedPostgres.CreateDatabaseAsync("gateway_api_redemption"));
        var settlementDb = await Started(SharedPostgres.CreateDatabaseAsync("gateway_api_settlement"));
        await MigrateAsync(new ClaimDbContext(new DbContextOptionsBuilder<ClaimDbContext>().UseNpgsql(claimDb.ConnectionString).Options));
        await MigrateAsync(new RedemptionDbContext(new DbContextOptionsBuilder<RedemptionDbContext>().UseNpgsql(redemptionDb.ConnectionString).Options));
        await MigrateAsync(new SettlementDbContext(new DbContextOptionsBuilder<SettlementDbContext>().UseNpgsql(settlementDb.ConnectionString).Options));

        var reservation = FreePorts.Reserve();
        var gateway = new Uri($"http://127.0.0.1:{reservation.Port}/");
        var campaignSettings = GatewayHost.ServiceSettings(gateway, ResourceNames.Campaign);
        var campaign = await Started(CampaignServiceHost.StartAsync(campaignDb.ConnectionString, Clock, campaignSettings));
        var claimSettings = GatewayHost.ServiceSettings(gateway, ResourceNames.Claim);
        claimSettings["services:campaign:grpc:0"] = campaign.Address;
        var (claimApp, claim) = await InProcessClaimService.StartAsync(claimDb.ConnectionString, redis.EndPoint, Clock, IdentitySecret, claimSettings);
        _started.Add(new Stopping(claimApp));

        // Redemption asks Settlement before a reversal and Settlement follows Redemption's feed: Settlement's address is
        // held from here so that Redemption can name it, as the app host's reference does, before Settlement runs.
        var settlementPort = FreePorts.Reserve();
        var settlementAddress = $"http://127.0.0.1:{settlementPort.Port}";
        var redemptionSettings = GatewayHost.ServiceSettings(gateway, ResourceNames.Redemption);
        redemptionSettings["services:settlement:grpc:0"] = settlementAddress;
        redemptionSettings["ConnectionStrings:redemptiondb"] = redemptionDb.ConnectionString;
        redemptionSettings["services:campaign:grpc:0"] = campaign.Address;
        redemptionSettings["services:claim:grpc:0"] = claim;
        redemptionSettings["Redemption:IdentitySecret"] = IdentitySecret;
        redemptionSettings["Redemption:FeedPollInterval"] = "00:00:00.100";
        var redemption = await StartServiceAsync(redemptionSettings, builder => builder.AddRedemptionServices(), app => app.MapRedemptionServices());

        var settlementSettings = GatewayHost.ServiceSettings(gateway, ResourceNames.Settlement);
        settlementSettings["ConnectionStrings:settlementdb"] = settlementDb.ConnectionString;
        settlementSettings["services:campaign:grpc:0"] = campaign.Address;
        settlementSettings["services:claim:grpc:0"] = claim;
        settlementSettings["services:redemption:grpc:0"] = redemption;
        settlementSettings["Settlement:Feeds:IdleDelay"] = "00:00:00.050";
        settlementSettings["Settlement:Scheduler:Enabled"] = "false";
        settlementSettings["Settlement:Reports:IdentitySecret"] = IdentitySecret;
        settlementSettings["Kestrel:Endpoints:grpc:Url"] = settlementAddress;
        settlementPort.Dispose();
        var settlement = await StartServiceAsync(settlementSettings, builder => builder.AddSettlementServices(), app => app.MapSettlementServices());

        reservation.Dispose();
        Gateway = await Started(GatewayHost.StartAsync(gateway, new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = campaign.Address,
            ["services:claim:grpc:0"] = claim,
            ["services:redemption:grpc:0"] = redemption,
            ["services:settlement:grpc:0"] = settlement,
            // Every caller of this world shares one address, the services' token and key requests included.
            ["Gateway:RateLimits:PerClientIp"] = "100000",
        }));
    }

    private async Task<string> StartServiceAsync(Dictionary<string, string?> settings, Action<WebApplicationBuilder> add, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        // The endpoints' defaults first (they bring the test signing key), this world's token settings over them.
        builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out _));
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        add(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        _started.Add(new Stopping(app));
        if (settings.ContainsKey("ConnectionStrings:redemptiondb"))
        {
            Redemption = app;
        }

        return app.Configuration["Kestrel:Endpoints:grpc:Url"]!.TrimEnd('/');
    }

    private async Task<T> Started<T>(Task<T> starting)
        where T : IAsyncDisposable
    {
        var started = await starting;
        _started.Add(started);
        return started;
    }

    private static async Task MigrateAsync(DbContext context)
    {
        await using (context)
        {
            await context.Database.MigrateAsync();
        }
    }

    /// <summary>Waits until the Redemption service's campaign view holds the merchant with the cashier bound.</summary>
    /// <summary>Waits until Redemption's campaign view holds the merchant (and, when named, its cashier).</summary>
    public async Task WaitForRedemptionToSeeAsync(string campaignId, string merchantId, string? staffId = null)
    {
        var rules = Redemption.Services.GetRequiredService<Redemption.Service.Campaigns.CampaignRules>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(rules.Find(campaignId) is { } view && view.Merchants.TryGetValue(merchantId, out var merchant) && (staffId is null || merchant.Terms.ActiveStaffIds.Contains(staffId))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the Redemption service never saw merchant {merchantId} (cashier {staffId}) in campaign {campaignId}");
            await Task.Delay(25);
        }
    }

    public async Task<string> TokenAsync(string clientId)
    {
        if (!_tokens.TryGetValue(clientId, out var token))
        {
            token = await Gateway.TokenAsync(clientId);
            _tokens[clientId] = token;
        }

        return token;
    }

    /// <summary>Forgets cached tokens (after an account was linked to another merchant).</summary>
    public void ForgetToken(string clientId) => _tokens.Remove(clientId);

    /// <summary>gRPC calls through the gateway as <paramref name="clientId"/> (the platform's seed steps use the system client).</summary>
    public async Task<CallInvoker> GrpcAsAsync(string clientId)
    {
        var bearer = TestTokens.Bearer(await TokenAsync(clientId));
        return Gateway.Channel.Intercept(headers =>
        {
            foreach (var entry in bearer)
            {
                headers.Add(entry);
            }

            return headers;
        });
    }

    /// <summary>A JSON request through the gateway; <paramref name="clientId"/> null sends no token.</summary>
    public async Task<HttpResponseMessage> SendAsync(string? clientId, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (clientId is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(clientId));
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body, options: Web);
        }

        return await Gateway.Http.SendAsync(request);
    }

    public async Task<JsonElement> JsonAsync(string? clientId, HttpMethod method, string path, object? body = null, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        using var response = await SendAsync(clientId, method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} as {clientId}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public override async Task DisposeAsync()
    {
        foreach (var started in Enumerable.Reverse(_started))
        {
            await started.DisposeAsync();
        }

        _started.Clear();
    }
}

/// <summary>Stops a host before disposing it, so that its background loops end first.</summary>
internal sealed class Stopping(WebApplication app) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiWorld>
{
    public const string Name = "gateway-api";
}
