using Redemption.Service.Campaigns;
using Redemption.Service.Data;
using Redemption.Service.Peers;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Settlement.V1;

namespace Redemption.Service;

/// <summary>Everything the Redemption service registers and maps; Program.cs only calls these two.</summary>
public static class RedemptionServiceExtensions
{
    public static WebApplicationBuilder AddRedemptionServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.PrepareFrequentStatements(ResourceNames.RedemptionDb);
        builder.AddServiceDatabase<RedemptionDbContext>(ResourceNames.RedemptionDb);
        builder.Services.AddOptions<RedemptionOptions>().Bind(builder.Configuration.GetSection(RedemptionOptions.SectionName))
            .Validate(o => o.AttemptLease < o.LockTtl, "Redemption:AttemptLease must be shorter than Redemption:LockTtl, so recovery consumes while the lock holds")
            .Validate(o => o.BatchSize is >= 1 and <= RedemptionOptions.MaximumBatchSize, $"Redemption:BatchSize must be 1 to {RedemptionOptions.MaximumBatchSize} (Claim's batch calls take no more)")
            .Validate(o => o.BatchesInFlight >= 1 && o.BatchTimeout > TimeSpan.Zero, "Redemption:BatchesInFlight must be at least 1 and Redemption:BatchTimeout positive")
            .ValidateOnStart();

        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Campaign) is not null)
        {
            builder.Services.AddServiceGrpcClient<CampaignSnapshotService.CampaignSnapshotServiceClient>(
                ResourceNames.Campaign, CampaignSnapshotService.Descriptor.FindMethodByName("GetCampaignSnapshot"));
        }

        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Claim) is not null)
        {
            // Every usage call is idempotent on the id it carries (lock id, redemption id, reversal id), so all could be
            // retried; LockVoucher and ConsumeVoucher (and their batched forms, which Redeem uses) are not, because a
            // retry policy buffers every call for a rare retry and Redeem already has its own: a failed lock answers
            // UNAVAILABLE and the till retries with the same key, a failed consume is finished by recovery. The
            // per-request HttpClient log lines go too: the gRPC client's own logs and traces already say what each did.
            builder.Services.AddServiceGrpcClient<VoucherUsageService.VoucherUsageServiceClient>(
                    ResourceNames.Claim, [.. VoucherUsageService.Descriptor.Methods.Where(m => m.Name is not ("LockVoucher" or "ConsumeVoucher" or "LockVouchers" or "ConsumeVouchers"))])
                .RemoveAllLoggers();
            builder.Services.AddServiceGrpcClient<ClaimService.ClaimServiceClient>(
                ResourceNames.Claim, ClaimService.Descriptor.FindMethodByName("GetVoucher")).RemoveAllLoggers();
            builder.Services.AddServiceGrpcClient<ClaimAdminService.ClaimAdminServiceClient>(
                ResourceNames.Claim, ClaimAdminService.Descriptor.FindMethodByName("ListBlockList")).RemoveAllLoggers();
        }

        // Asked only before a reversal, never on the redeem path; the lookup is a read, so it may be retried.
        if (ServiceDiscovery.FindEndpoint(builder.Configuration, ResourceNames.Settlement) is not null)
        {
            builder.Services.AddServiceGrpcClient<SettlementService.SettlementServiceClient>(
                ResourceNames.Settlement, SettlementService.Descriptor.FindMethodByName("GetRedemptionSettlement"));
        }

        builder.Services.AddRedemptionCore();
        builder.Services.AddHostedService<SnapshotFollower>();
        builder.Services.AddHostedService<Redeeming.RecoveryWorker>();
        builder.Services.AddHostedService<Screening.ScreeningScheduler>();
        return builder;
    }

    /// <summary>The application services, without hosting concerns.</summary>
    public static IServiceCollection AddRedemptionCore(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<RedemptionMetrics>();
        services.AddCampaignSnapshotFollowing();
        services.AddSingleton<CampaignRules>();
        services.AddSingleton<ClaimGateway>();
        services.AddSingleton<SettlementGateway>();
        services.AddSingleton<Storage.FeedStore>();
        services.AddSingleton<Storage.RedemptionStore>();
        services.AddSingleton<Redeeming.RedeemService>();
        services.AddSingleton<Records.ReversalService>();
        services.AddSingleton<Records.QueryService>();
        services.AddSingleton<Screening.ScreeningService>();
        services.AddSingleton<Feed.FeedService>();
        return services;
    }

    public static WebApplication MapRedemptionServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGrpcService<Grpc.RedemptionGrpcService>();
        app.MapGrpcService<Grpc.RedemptionAdminGrpcService>();
        app.MapGrpcService<Grpc.RedemptionFeedGrpcService>();
        return app;
    }
}
