using Campaign.Service.Application;
using Campaign.Service.Data;
using Campaign.Service.Grpc;
using Campaign.Service.Snapshots;
using ServiceDefaults;

namespace Campaign.Service;

/// <summary>Everything the Campaign service registers and maps; Program.cs only calls these two.</summary>
public static class CampaignServiceExtensions
{
    public static WebApplicationBuilder AddCampaignServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddServiceDatabase<CampaignDbContext>(ResourceNames.CampaignDb);
        builder.Services.AddSingleton<CampaignMetrics>();
        // Application services: one per group of use cases, scoped like the DbContext they share.
        builder.Services.AddScoped<CampaignChanges>();
        builder.Services.AddScoped<CampaignCommands>();
        builder.Services.AddScoped<RoundCommands>();
        builder.Services.AddScoped<CampaignLifecycleCommands>();
        builder.Services.AddScoped<CampaignQueries>();
        builder.Services.AddScoped<MerchantStore>();
        builder.Services.AddScoped<MerchantCommands>();
        builder.Services.AddScoped<EnrolmentCommands>();
        builder.Services.AddScoped<StaffCommands>();
        builder.Services.AddScoped<MerchantQueries>();
        builder.Services.AddScoped<CategoryCatalogue>();
        builder.Services.AddScoped<AuditQueries>();
        builder.Services.AddScoped<SnapshotQueries>();
        builder.Services.AddSingleton<SnapshotCache>();
        builder.Services.AddHostedService<SnapshotNotificationListener>();
        builder.Services.AddSingleton<LifecycleScheduler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LifecycleScheduler>());
        return builder;
    }

    public static WebApplication MapCampaignServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGrpcService<CampaignGrpcService>();
        app.MapGrpcService<CategoryGrpcService>();
        app.MapGrpcService<AuditGrpcService>();
        app.MapGrpcService<MerchantGrpcService>();
        app.MapGrpcService<SnapshotGrpcService>();
        return app;
    }
}
