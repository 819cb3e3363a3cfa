using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Grpc;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Snapshots;

/// <summary>
/// Starts published campaigns at their period start and ends running or paused ones at their period
/// end. Every copy runs it; the version check lets exactly one copy make each move.
/// </summary>
public sealed class LifecycleScheduler(
    IServiceScopeFactory scopes,
    SnapshotCache snapshots,
    CampaignMetrics metrics,
    TimeProvider timeProvider,
    ILogger<LifecycleScheduler> logger,
    MigrationState<CampaignDbContext> schema) : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WhenAppliedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                CampaignLog.SchedulerFailed(logger, ex);
            }

            await Task.Delay(Interval, TimeProvider.System, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CampaignDbContext>();
        var (published, running, paused) = ((int)CampaignState.Published, (int)CampaignState.Running, (int)CampaignState.Paused);
        var due = await db.Campaigns.AsNoTracking()
            .Where(c => (c.State == published && c.PeriodStartUtc <= now) || ((c.State == running || c.State == paused) && c.PeriodEndUtc <= now))
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        foreach (var campaignId in due)
        {
            try
            {
                await CampaignGrpcService.ApplyScheduledTransitionAsync(db, snapshots, metrics, logger, campaignId, now, cancellationToken);
            }
            catch (global::Grpc.Core.RpcException ex)
            {
                // Usually another copy or an operator moved it first; a real refusal must still be visible.
                CampaignLog.ScheduledTransitionSkipped(logger, campaignId, ex.StatusCode, ex.Status.Detail);
            }
        }
    }
}
