using Campaign.Service;
using Campaign.Service.Data;
using TestSupport;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Tests;

/// <summary>One copy of the Campaign service on Kestrel h2c (free port) against a given database.</summary>
public sealed class CampaignServiceHost : InProcessServiceHost
{
    private CampaignServiceHost(WebApplication app, GrpcChannel channel, TestClock clock)
        : base(app, channel)
    {
        Clock = clock;
        var calls = channel.WithActorTokens();
        Campaigns = new CampaignService.CampaignServiceClient(calls);
        Categories = new CategoryService.CategoryServiceClient(calls);
        Audit = new AuditService.AuditServiceClient(calls);
        Merchants = new MerchantService.MerchantServiceClient(calls);
        Snapshots = new CampaignSnapshotService.CampaignSnapshotServiceClient(calls);
    }

    public TestClock Clock { get; }

    public CampaignService.CampaignServiceClient Campaigns { get; }

    public CategoryService.CategoryServiceClient Categories { get; }

    public AuditService.AuditServiceClient Audit { get; }

    public MerchantService.MerchantServiceClient Merchants { get; }

    public CampaignSnapshotService.CampaignSnapshotServiceClient Snapshots { get; }

    /// <param name="settings">Configuration over the defaults, e.g. a token authority instead of the test key (gateway tests).</param>
    public static async Task<CampaignServiceHost> StartAsync(string connectionString, TestClock clock, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(CampaignServiceExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:campaigndb"] = connectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out var grpcAddress));
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddCampaignServices();
        var app = builder.Build();
        await MigrateMapAndStartAsync<CampaignDbContext>(app, a => a.MapCampaignServices());
        var host = new CampaignServiceHost(app, GrpcChannel.ForAddress(grpcAddress), clock);
        await host.WaitUntilListeningAsync();
        return host;
    }

    private async Task WaitUntilListeningAsync()
    {
        var cache = Services.GetRequiredService<global::Campaign.Service.Snapshots.SnapshotCache>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!cache.IsListening)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the snapshot listener did not connect");
            }

            await Task.Delay(20);
        }
    }
}

/// <summary>A fresh database and one service copy per test class.</summary>
public class CampaignServiceFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public CampaignServiceHost Host { get; private set; } = null!;

    public string ConnectionString => _database!.ConnectionString;

    public async Task InitializeAsync()
    {
        _database = await SharedPostgres.CreateDatabaseAsync("campaign");
        Host = await CampaignServiceHost.StartAsync(_database.ConnectionString, new TestClock(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _database!.DisposeAsync();
    }
}
