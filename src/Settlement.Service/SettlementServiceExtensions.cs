using Microsoft.EntityFrameworkCore;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;

namespace Settlement.Service;

/// <summary>Everything the Settlement service registers and maps; Program.cs only calls these two.</summary>
public static class SettlementServiceExtensions
{
    public static WebApplicationBuilder AddSettlementServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddServiceDatabase<SettlementDbContext>(ResourceNames.SettlementDb);
        builder.Services.AddOptions<FeedOptions>().Bind(builder.Configuration.GetSection(FeedOptions.SectionName));
        builder.Services.AddOptions<SchedulerOptions>().Bind(builder.Configuration.GetSection(SchedulerOptions.SectionName));
        builder.Services.AddOptions<ReportOptions>().Bind(builder.Configuration.GetSection(ReportOptions.SectionName));
        builder.Services.AddSettlementCore();

        // Settlement reads only feeds and snapshots; each peer is followed when the app host (or a test) names it.
        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Campaign) is not null)
        {
            builder.Services.AddServiceGrpcClient<CampaignSnapshotService.CampaignSnapshotServiceClient>(ResourceNames.Campaign);
        }

        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Claim) is not null)
        {
            builder.Services.AddServiceGrpcClient<IssuanceFeedService.IssuanceFeedServiceClient>(ResourceNames.Claim);
        }

        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Redemption) is not null)
        {
            builder.Services.AddServiceGrpcClient<RedemptionFeedService.RedemptionFeedServiceClient>(ResourceNames.Redemption);
        }

        builder.Services.AddHostedService<CampaignSnapshotFollower>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RedemptionFeedFollower>());
        builder.Services.AddHostedService(services => services.GetRequiredService<IssuanceFeedFollower>());
        builder.Services.AddHostedService(services => services.GetRequiredService<SettlementScheduler>());
        return builder;
    }

    /// <summary>The application services without hosting concerns.</summary>
    public static IServiceCollection AddSettlementCore(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<IDbContextFactory<SettlementDbContext>, SettlementContexts>();
        services.AddSingleton<SettlementMetrics>();
        services.AddSingleton<CampaignDirectory>();
        services.AddSingleton<RedemptionProjection>();
        services.AddSingleton<IssuanceProjection>();
        services.AddSingleton<RedemptionFeedFollower>();
        services.AddSingleton<IssuanceFeedFollower>();
        services.AddSingleton<SettlementRuns>();
        services.AddSingleton<Payouts>();
        services.AddSingleton<RedemptionStandings>();
        services.AddSingleton<Reconciliations>();
        services.AddSingleton<Reports>();
        services.AddSingleton<AuditExport>();
        services.AddSingleton<SettlementScheduler>();
        return services;
    }

    public static WebApplication MapSettlementServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGrpcService<Grpc.SettlementGrpcService>();
        app.MapGrpcService<Grpc.ReconciliationGrpcService>();
        app.MapGrpcService<Grpc.ReportGrpcService>();
        AuditExportEndpoint.Map(app);
        return app;
    }
}
