using System.Net.Http.Json;
using System.Text.Json;
using Campaign.Service.Tests;
using Claim.Service.Tests.Infrastructure;
using Gateway;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Redemption.Service;
using Settlement.Service;
using Microsoft.Extensions.Logging;
using ServiceDefaults;
using TestSupport;

namespace Gateway.Tests;

/// <summary>
/// The gateway as Program.cs builds it, on a free port (h2c and HTTP/1.1), with one client per role and one per
/// service seeded into its token server.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string Secret = "gateway-tests-client-secret";

    /// <summary>The seeded clients: name → (role, merchant, channel).</summary>
    public static IReadOnlyList<(string ClientId, string Role, string? MerchantId, string? ChannelId)> Clients { get; } =
    [
        ("operator-cli", Roles.Operator, null, null),
        ("finance-cli", Roles.Finance, null, null),
        ("auditor-cli", Roles.Auditor, null, null),
        ("channel-unionpay", Roles.Channel, null, "unionpay"),
        ("channel-bestpay", Roles.Channel, null, "bestpay"),
        ("merchant-a", Roles.Merchant, "mch-a", null),
        ("merchant-b", Roles.Merchant, "mch-b", null),
        ("consumer-demo", Roles.Consumer, null, "city-app"),
        ("system-cli", Roles.System, null, null),
        (ResourceNames.Campaign, Roles.System, null, null),
        (ResourceNames.Claim, Roles.System, null, null),
        (ResourceNames.Redemption, Roles.System, null, null),
        (ResourceNames.Settlement, Roles.System, null, null),
    ];

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public GrpcChannel Channel { get; }

    /// <summary>
    /// Links a merchant client's account to a merchant the bureau registered after the gateway started (merchant ids
    /// are the Campaign service's to choose); the token server reads accounts when it issues a token.
    /// </summary>
    public void LinkMerchant(string clientId, string merchantId) =>
        _app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Gateway.TokenServer.TokenServerOptions>>().Value.Clients
            .Single(c => c.ClientId == clientId).MerchantId = merchantId;

    /// <summary>The settings a service needs to trust this gateway's tokens and get its own (as the app host gives them).</summary>
    public static Dictionary<string, string?> ServiceSettings(Uri gateway, string service) => new()
    {
        ["Authentication:SigningKey"] = string.Empty,
        ["Authentication:Issuer"] = gateway.ToString(),
        ["Authentication:Authority"] = gateway.ToString(),
        ["Authentication:ClientId"] = service,
        ["Authentication:ClientSecret"] = Secret,
    };

    public static async Task<GatewayHost> StartAsync(Uri address, IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayServiceExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        // The test's output folder holds the appsettings.json of whichever referenced web project was copied there
        // last, a service's with its fixed local-run ports in a clean build: this gateway's configuration is this host's alone.
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json);
        }

        var configuration = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:http:Url"] = address.ToString(),
            ["Kestrel:Endpoints:http:Protocols"] = "Http1AndHttp2",
            ["TokenServer:Issuer"] = address.ToString(),
            ["TokenServer:AccessTokenLifetime"] = "00:10:00",
        };
        foreach (var (client, index) in Clients.Select((c, i) => (c, i)))
        {
            configuration[$"TokenServer:Clients:{index}:ClientId"] = client.ClientId;
            configuration[$"TokenServer:Clients:{index}:ClientSecret"] = Secret;
            configuration[$"TokenServer:Clients:{index}:Role"] = client.Role;
            configuration[$"TokenServer:Clients:{index}:MerchantId"] = client.MerchantId;
            configuration[$"TokenServer:Clients:{index}:ChannelId"] = client.ChannelId;
        }

        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddGatewayServices();
        var app = builder.Build();
        app.MapGatewayServices();
        await app.StartAsync();
        return new GatewayHost(app, address);
    }

    /// <summary>A token from the token endpoint, the way a channel gets one (client credentials over HTTP/1.1).</summary>
    public async Task<string> TokenAsync(string clientId, string secret = Secret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });
        using var response = await Http.PostAsync("connect/token", form);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"token for {clientId}: {(int)response.StatusCode} {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Campaign, Claim, Redemption and Settlement behind the gateway, trusting only the gateway's tokens; one per test class.</summary>
public sealed class GatewayWorld : TestWorld
{
    private const string IdentitySecret = "gateway-tests-identity-secret-0123";

    private readonly ClaimFixture _claim = new();
    private TestDatabase? _campaignDatabase;
    private CampaignServiceHost? _campaign;
    private WebApplication? _claimApp;
    private TestDatabase? _redemptionDatabase;
    private TestDatabase? _settlementDatabase;
    private WebApplication? _redemptionApp;
    private WebApplication? _settlementApp;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public GatewayHost Gateway { get; private set; } = null!;

    public CampaignServiceHost Campaign => _campaign!;

    public WebApplication ClaimApp => _claimApp!;

    protected override async Task StartAllAsync()
    {
        await _claim.InitializeAsync();
        await _claim.ResetAsync(TestCampaigns.Opens.AddMinutes(1));
        _campaignDatabase = await SharedPostgres.CreateDatabaseAsync("gateway_campaign");
        var reservation = FreePorts.Reserve();
        var gateway = new Uri($"http://127.0.0.1:{reservation.Port}/");
        _campaign = await CampaignServiceHost.StartAsync(
            _campaignDatabase.ConnectionString,
            new TestClock(DateTimeOffset.UtcNow),
            GatewayHost.ServiceSettings(gateway, ResourceNames.Campaign));
        var claimSettings = GatewayHost.ServiceSettings(gateway, ResourceNames.Claim);
        claimSettings["services:campaign:grpc:0"] = _campaign.Address;
        (_claimApp, var claimAddress) = await InProcessClaimService.StartAsync(_claim, new TestClock(TestCampaigns.Opens.AddMinutes(1)), IdentitySecret, claimSettings);
        _redemptionDatabase = await SharedPostgres.CreateDatabaseAsync("gateway_redemption");
        // Redemption asks Settlement before a reversal and Settlement follows Redemption's feed: Settlement's address is
        // held from here so that Redemption can name it, as the app host's reference does, before Settlement runs.
        var settlementPort = FreePorts.Reserve();
        var settlementUrl = $"http://127.0.0.1:{settlementPort.Port}";
        (_redemptionApp, var redemptionAddress) = await StartServiceAsync<Redemption.Service.Data.RedemptionDbContext>(
            ResourceNames.Redemption, gateway, _redemptionDatabase, ResourceNames.RedemptionDb, b => b.AddRedemptionServices(), a => a.MapRedemptionServices(), new()
            {
                ["services:campaign:grpc:0"] = _campaign.Address,
                ["services:claim:grpc:0"] = claimAddress,
                ["services:settlement:grpc:0"] = settlementUrl,
                ["Redemption:IdentitySecret"] = IdentitySecret,
            });
        settlementPort.Dispose();
        _settlementDatabase = await SharedPostgres.CreateDatabaseAsync("gateway_settlement");
        (_settlementApp, var settlementAddress) = await StartServiceAsync<Settlement.Service.Data.SettlementDbContext>(
            ResourceNames.Settlement, gateway, _settlementDatabase, ResourceNames.SettlementDb, b => b.AddSettlementServices(), a => a.MapSettlementServices(), new()
            {
                ["services:campaign:grpc:0"] = _campaign.Address,
                ["services:claim:grpc:0"] = claimAddress,
                ["services:redemption:grpc:0"] = redemptionAddress,
                ["Settlement:Scheduler:Enabled"] = "false",
                ["Settlement:Reports:IdentitySecret"] = IdentitySecret,
                ["Kestrel:Endpoints:grpc:Url"] = settlementUrl,
            });
        reservation.Dispose();
        Gateway = await GatewayHost.StartAsync(gateway, new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = _campaign.Address,
            ["services:claim:grpc:0"] = claimAddress,
            ["services:redemption:grpc:0"] = redemptionAddress,
            ["services:settlement:grpc:0"] = settlementAddress,
            // Every caller of this world shares one address: the role table alone makes 700 calls as fast as the
            // machine allows, which the default 200 a second per address refuses on a fast one. The limits
            // themselves are tested on a gateway of their own (GatewaySecurityTests).
            ["Gateway:RateLimits:PerClientIp"] = "100000",
        });
    }

    /// <summary>
    /// A service as its Program.cs builds it, on a free h2c port, its database migrated first, trusting the gateway's
    /// tokens and getting its own from it (the gateway starts last: until then the service's own calls wait and retry).
    /// </summary>
    private static async Task<(WebApplication App, string Address)> StartServiceAsync<TContext>(
        string service, Uri gateway, TestDatabase database, string connectionName,
        Action<WebApplicationBuilder> add, Action<WebApplication> map, Dictionary<string, string?> settings)
        where TContext : Microsoft.EntityFrameworkCore.DbContext
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        // The endpoints' settings name the test signing key; the gateway's token settings replace them.
        var configuration = InProcessEndpoints.Settings(out _);
        configuration[$"ConnectionStrings:{connectionName}"] = database.ConnectionString;
        foreach (var (key, value) in GatewayHost.ServiceSettings(gateway, service).Concat(settings))
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        add(builder);
        var app = builder.Build();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.MigrateAsync(
                scope.ServiceProvider.GetRequiredService<TContext>().Database);
        }

        map(app);
        await app.StartAsync();
        return (app, new Uri(configuration["Kestrel:Endpoints:grpc:Url"]!).GetLeftPart(UriPartial.Authority));
    }

    /// <summary>A cached token per client: the table tests make hundreds of calls.</summary>
    public async Task<Metadata> BearerAsync(string clientId)
    {
        if (!_tokens.TryGetValue(clientId, out var token))
        {
            token = await Gateway.TokenAsync(clientId);
            _tokens[clientId] = token;
        }

        return TestTokens.Bearer(token);
    }

    public override async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        foreach (var app in new[] { _settlementApp, _redemptionApp })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        foreach (var database in new[] { _settlementDatabase, _redemptionDatabase })
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
        }

        if (_claimApp is not null)
        {
            await _claimApp.StopAsync();
            await _claimApp.DisposeAsync();
        }

        if (_campaign is not null)
        {
            await _campaign.DisposeAsync();
        }

        if (_campaignDatabase is not null)
        {
            await _campaignDatabase.DisposeAsync();
        }

        await _claim.DisposeAsync();
    }
}
