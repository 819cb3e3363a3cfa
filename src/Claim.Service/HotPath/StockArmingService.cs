namespace Claim.Service.HotPath;

/// <summary>Arms stock whenever the catalog takes in a newer snapshot, so the first claim of a round does not pay for it.</summary>
public sealed partial class StockArmingService(CampaignCatalog catalog, StockArmer armer, ILogger<StockArmingService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.PlanChanged += OnPlanChanged;
        foreach (var plan in catalog.Plans)
        {
            OnPlanChanged(plan);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        catalog.PlanChanged -= OnPlanChanged;
        return Task.CompletedTask;
    }

    private async void OnPlanChanged(CampaignPlan plan)
    {
        try
        {
            await armer.ArmAsync(plan);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or Npgsql.NpgsqlException)
        {
            // The claim script reports an unarmed cell and the engine arms it then.
            LogArmFailed(logger, ex, plan.CampaignId);
        }
        catch (ObjectDisposedException)
        {
            // A snapshot that arrives while the host shuts down finds the Redis connection gone; an exception
            // escaping this async void handler would take the whole process down.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Arming stock of campaign {CampaignId} failed; it will be armed on first claim")]
    private static partial void LogArmFailed(ILogger logger, Exception exception, string campaignId);
}
