using Campaign.Service.Application;
using Campaign.Service.Data;
using ServiceDefaults;
using VoucherRules;

namespace Campaign.Service.Snapshots;

/// <summary>
/// Starts published campaigns at their period start and ends running or paused ones at their period
/// end, through the same lifecycle use case as the operator's calls. Every copy runs it; the version
/// check lets exactly one copy make each move.
/// </summary>
public sealed class LifecycleScheduler(
    IServiceScopeFactory scopes,
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
        await using var scope = scopes.CreateAsyncScope();
        var lifecycle = scope.ServiceProvider.GetRequiredService<CampaignLifecycleCommands>();
        foreach (var campaignId in await lifecycle.DueOnScheduleAsync(cancellationToken))
        {
            try
            {
                // A campaign published after its whole period starts, then ends; each move is its own commit.
                while (await lifecycle.AdvanceOnScheduleAsync(campaignId, cancellationToken))
                {
                }
            }
            catch (DomainException ex)
            {
                // Usually another copy or an operator moved it first; a real refusal must still be visible.
                CampaignLog.ScheduledTransitionSkipped(logger, campaignId, ex.Kind, ex.Message);
            }
        }
    }
}
