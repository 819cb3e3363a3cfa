using Microsoft.Extensions.Options;
using Redemption.Service.Campaigns;
using ServiceDefaults;

namespace Redemption.Service.Screening;

/// <summary>
/// The nightly screening: on every tick, each known campaign whose previous local day (in its own time zone) has not
/// been screened yet is screened. Ticks are frequent and a day runs once, so a copy that was down at midnight catches
/// up when it starts.
/// </summary>
public sealed partial class ScreeningScheduler(
    ScreeningService screening,
    CampaignRules campaigns,
    IOptions<RedemptionOptions> options,
    MigrationState<Data.RedemptionDbContext> migrations,
    TimeProvider time,
    ILogger<ScreeningScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrations.WhenAppliedAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.Value.ScreeningInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or VoucherRules.UnavailableException)
                {
                    // The day stays unscreened, so the next tick tries it again.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Screens yesterday (local) for every campaign not screened for it yet; returns how many days ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var ran = 0;
        var now = time.GetUtcNow();
        foreach (var campaign in campaigns.All)
        {
            var yesterday = VoucherRules.CampaignClock.LocalDate(now, campaign.Terms.Zone).AddDays(-1);
            if (await screening.ScreenedAsync(campaign.CampaignId, yesterday, cancellationToken))
            {
                continue;
            }

            var result = await screening.RunDayAsync(campaign.CampaignId, yesterday, campaign.Terms.Zone, now, cancellationToken);
            LogScreened(logger, campaign.CampaignId, yesterday, result.Signals.Count);
            ran++;
        }

        return ran;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Screened campaign {CampaignId} for {Day}: {Signals} signal(s)")]
    private static partial void LogScreened(ILogger logger, string campaignId, DateOnly day, int signals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled screening failed; the next tick retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
