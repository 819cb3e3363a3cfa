using Claim.Service.Data;
using Claim.Service.HotPath;
using Claim.Service.Persistence;
using Claim.Service.Snapshots;
using ServiceDefaults;
using StackExchange.Redis;
using Vouchers.Campaign.V1;

namespace Claim.Service;

/// <summary>Everything the Claim service registers and maps; Program.cs only calls these two.</summary>
public static class ClaimServiceExtensions
{
    public static WebApplicationBuilder AddClaimServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.PrepareFrequentStatements(ResourceNames.ClaimDb);
        builder.AddServiceDatabase<ClaimDbContext>(ResourceNames.ClaimDb);

        // The Aspire client integration: one shared IConnectionMultiplexer and its health check. A Redis that is not up
        // yet does not fail start-up; the client keeps connecting and claims answer UNAVAILABLE meanwhile. Command spans
        // are recorded only when traces leave the process: recording them costs every claim a profiled command.
        builder.AddRedisClient(
            ResourceNames.Redis,
            settings => settings.DisableTracing = !Telemetry.IsExportEnabled(builder.Configuration),
            options => options.AbortOnConnectFail = false);

        builder.Services.AddOptions<ClaimOptions>().Bind(builder.Configuration.GetSection(ClaimOptions.SectionName))
            .Validate(o => o.IdentitySecretBytes().Length >= 16, "Claim:IdentitySecret needs at least 16 bytes").ValidateOnStart();
        builder.Services.AddClaimCore();
        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Campaign) is not null)
        {
            builder.Services.AddServiceGrpcClient<CampaignSnapshotService.CampaignSnapshotServiceClient>(
                ResourceNames.Campaign, CampaignSnapshotService.Descriptor.FindMethodByName("GetCampaignSnapshot"));
        }

        builder.Services.AddHostedService<CampaignSnapshotSubscriber>();
        builder.Services.AddHostedService(services => services.GetRequiredService<IssuedStreamPersister>());
        builder.Services.AddHostedService(services => services.GetRequiredService<IssuedStreamTrimmer>());
        builder.Services.AddHostedService<StockArmingService>();
        builder.Services.AddHostedService<ExpiryScheduler>();
        builder.Services.AddOptions<Recovery.RecoveryOptions>().Bind(builder.Configuration.GetSection(Recovery.RecoveryOptions.SectionName));
        builder.Services.AddHostedService<Recovery.RedisLossWatcher>();
        return builder;
    }

    /// <summary>The hot path, the store and the persister, without hosting concerns (tests use this with their own Redis and Postgres).</summary>
    public static IServiceCollection AddClaimCore(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton(services => services.GetRequiredService<IConnectionMultiplexer>().GetDatabase());
        services.AddSingleton<ClaimMetrics>();
        services.AddCampaignSnapshotFollowing();
        services.AddSingleton<CampaignCatalog>();
        services.AddSingleton<IdentityKeys>();
        services.AddOptions();
        services.AddSingleton<Recovery.CampaignRecovery>();
        services.AddSingleton<StockArmer>();
        services.AddSingleton<DrawDice>(_ => new DrawDice());
        services.AddSingleton<ClaimEngine>();
        services.AddSingleton<VoucherStore>();
        services.AddSingleton<IssuedStreamPersister>();
        services.AddSingleton<IssuedStreamTrimmer>();
        services.AddSingleton<WalletStore>();
        services.AddSingleton<IssuanceFeed>();
        services.AddSingleton<Wallet.WalletService>();
        services.AddSingleton<Usage.VoucherUsageStore>();
        services.AddSingleton<Usage.VoucherUsageService>();
        services.AddSingleton<Admin.BlockListStore>();
        services.AddSingleton<Admin.Reconciler>();
        services.AddSingleton<Admin.ClaimControls>();
        services.AddSingleton<Admin.VoucherTallies>();
        services.AddSingleton<Admin.ClaimAdminService>();
        services.AddSingleton<Admin.StockReports>();

        // The gRPC classes are not registered: as in every service, MapGrpcService activates one per call and
        // they stay thin adapters over the application services above (stateless singletons over pooled stores).
        return services;
    }

    public static WebApplication MapClaimServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGrpcService<Grpc.ClaimGrpcService>();
        app.MapGrpcService<Grpc.IssuanceFeedGrpcService>();
        app.MapGrpcService<Grpc.VoucherUsageGrpcService>();
        app.MapGrpcService<Grpc.ClaimAdminGrpcService>();
        return app;
    }
}
