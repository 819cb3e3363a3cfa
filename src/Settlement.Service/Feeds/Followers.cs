using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Settlement.Service.Application;
using Settlement.Service.Data;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;

namespace Settlement.Service.Feeds;

/// <summary>Follows Redemption's StreamRedemptionEvents into the redemptions table.</summary>
public sealed class RedemptionFeedFollower(
    IServiceProvider services,
    RedemptionProjection projection,
    IDbContextFactory<SettlementDbContext> contexts,
    IOptions<FeedOptions> options,
    TimeProvider time,
    ILogger<RedemptionFeedFollower> logger) : FeedFollower<RedemptionEvent>(contexts, options.Value, time, logger)
{
    protected override string Feed => RedemptionProjection.Feed;

    protected override AsyncServerStreamingCall<RedemptionEvent>? Open(string afterCursor, CancellationToken cancellationToken) =>
        services.GetService<RedemptionFeedService.RedemptionFeedServiceClient>()
            ?.StreamRedemptionEvents(new StreamRedemptionEventsRequest { AfterCursor = afterCursor }, cancellationToken: cancellationToken);

    protected override Task ApplyAsync(IReadOnlyList<RedemptionEvent> events, CancellationToken cancellationToken) =>
        projection.ApplyAsync(events, cancellationToken);
}

/// <summary>Follows Claim's StreamIssuanceEvents into the vouchers table.</summary>
public sealed class IssuanceFeedFollower(
    IServiceProvider services,
    IssuanceProjection projection,
    IDbContextFactory<SettlementDbContext> contexts,
    IOptions<FeedOptions> options,
    TimeProvider time,
    ILogger<IssuanceFeedFollower> logger) : FeedFollower<IssuanceEvent>(contexts, options.Value, time, logger)
{
    protected override string Feed => IssuanceProjection.Feed;

    protected override AsyncServerStreamingCall<IssuanceEvent>? Open(string afterCursor, CancellationToken cancellationToken) =>
        services.GetService<IssuanceFeedService.IssuanceFeedServiceClient>()
            ?.StreamIssuanceEvents(new StreamIssuanceEventsRequest { AfterCursor = afterCursor }, cancellationToken: cancellationToken);

    protected override Task ApplyAsync(IReadOnlyList<IssuanceEvent> events, CancellationToken cancellationToken) =>
        projection.ApplyAsync(events, cancellationToken);
}

/// <summary>
/// Follows Campaign's WatchCampaignSnapshots into campaign_snapshots, reconnecting with the versions it holds so
/// nothing is sent twice; a merchant suspension reaches settlement's holds this way.
/// </summary>
public sealed partial class CampaignSnapshotFollower(
    IServiceProvider services,
    CampaignDirectory directory,
    TimeProvider time,
    ILogger<CampaignSnapshotFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = services.GetService<CampaignSnapshotService.CampaignSnapshotServiceClient>();
        if (client is null)
        {
            LogNoCampaign(logger);
            return;
        }

        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var request = new WatchCampaignSnapshotsRequest();
                foreach (var (campaignId, version) in await directory.KnownVersionsAsync(stoppingToken))
                {
                    request.KnownVersions[campaignId] = version;
                }

                using var call = client.WatchCampaignSnapshots(request, cancellationToken: stoppingToken);
                while (await call.ResponseStream.MoveNext(stoppingToken))
                {
                    await directory.StoreAsync(call.ResponseStream.Current, stoppingToken);
                    delay = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException)
            {
                LogReconnect(logger, ex, delay.TotalMilliseconds);
            }

            await Task.Delay(delay, time, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Campaign service client is configured; campaign snapshots will not be followed")]
    private static partial void LogNoCampaign(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign snapshot stream failed; reconnecting in {DelayMs} ms")]
    private static partial void LogReconnect(ILogger logger, Exception exception, double delayMs);
}
