using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Redemption.Service.Campaigns;

/// <summary>
/// Keeps <see cref="CampaignRules"/> current from Campaign's WatchCampaignSnapshots, reconnecting with the versions
/// held (backing off up to five seconds) whenever the stream breaks.
/// </summary>
public sealed partial class SnapshotFollower(
    IServiceProvider services,
    CampaignRules rules,
    ServiceDefaults.CampaignSnapshotFollowing following,
    TimeProvider time,
    ILogger<SnapshotFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = services.GetService<CampaignSnapshotService.CampaignSnapshotServiceClient>();
        if (client is null)
        {
            LogNoCampaign(logger);
            return;
        }

        following.Started();
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var request = new WatchCampaignSnapshotsRequest();
                foreach (var (campaignId, version) in rules.Versions)
                {
                    request.KnownVersions[campaignId] = version;
                }
                using var call = client.WatchCampaignSnapshots(request, cancellationToken: stoppingToken);
                await foreach (var snapshot in following.ReadAsync(call, stoppingToken))
                {
                    if (rules.Apply(snapshot))
                    {
                        LogTaken(logger, snapshot.CampaignId, snapshot.SnapshotVersion);
                    }

                    backoff = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex)
            {
                LogBroken(logger, ex.StatusCode, backoff.TotalMilliseconds);
            }
            catch (TimeZoneNotFoundException ex)
            {
                LogUnreadable(logger, ex);
            }

            await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redemption rules of campaign {CampaignId} now at snapshot {Version}")]
    private static partial void LogTaken(ILogger logger, string campaignId, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot watch broke with {Status}; watching again in {DelayMs} ms")]
    private static partial void LogBroken(ILogger logger, StatusCode status, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "A campaign snapshot names a time zone this machine does not know")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No address for the Campaign service; redemptions will refuse every campaign as unknown")]
    private static partial void LogNoCampaign(ILogger logger);
}
