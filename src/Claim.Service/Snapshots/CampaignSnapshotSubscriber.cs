using Claim.Service.HotPath;
using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Claim.Service.Snapshots;

/// <summary>
/// Follows the Campaign service's snapshot stream and hands every snapshot to the catalog; reconnects
/// with the versions it holds so nothing is sent twice. Thin on purpose: all decisions live in the catalog
/// and the engine, which tests drive with snapshot messages directly.
/// </summary>
public sealed partial class CampaignSnapshotSubscriber(
    IServiceProvider services,
    CampaignCatalog catalog,
    ServiceDefaults.CampaignSnapshotFollowing following,
    TimeProvider time,
    ILogger<CampaignSnapshotSubscriber> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CampaignSnapshotService.CampaignSnapshotServiceClient client;
        try
        {
            client = services.GetRequiredService<CampaignSnapshotService.CampaignSnapshotServiceClient>();
        }
        catch (InvalidOperationException ex)
        {
            LogNoCampaignService(logger, ex);
            return;
        }

        following.Started();
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var request = new WatchCampaignSnapshotsRequest();
                foreach (var plan in catalog.Plans)
                {
                    request.KnownVersions[plan.CampaignId] = plan.Version;
                }

                using var call = client.WatchCampaignSnapshots(request, cancellationToken: stoppingToken);
                await foreach (var snapshot in following.ReadAsync(call, stoppingToken))
                {
                    if (catalog.Apply(snapshot))
                    {
                        LogSnapshot(logger, snapshot.CampaignId, snapshot.SnapshotVersion);
                    }

                    delay = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex)
            {
                LogReconnect(logger, ex.StatusCode, delay.TotalMilliseconds);
            }
            catch (ArgumentException ex)
            {
                LogBadSnapshot(logger, ex);
            }

            await Task.Delay(delay, time, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} snapshot version {Version} taken in")]
    private static partial void LogSnapshot(ILogger logger, string campaignId, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign snapshot stream ended with {Status}; reconnecting in {DelayMs} ms")]
    private static partial void LogReconnect(ILogger logger, StatusCode status, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "A campaign snapshot could not be compiled")]
    private static partial void LogBadSnapshot(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Campaign service client is configured; campaign snapshots will not be followed")]
    private static partial void LogNoCampaignService(ILogger logger, Exception exception);
}
