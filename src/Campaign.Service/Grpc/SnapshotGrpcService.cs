using Campaign.Service.Application;
using Campaign.Service.Snapshots;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.CampaignSnapshotService: what Claim and Redemption decide from.</summary>
// Snapshots are the services' working copy (claim rules, stock plans); people read campaigns through CampaignService.
[Authorize(Roles = Roles.System)]
public sealed class SnapshotGrpcService(SnapshotQueries snapshots) : CampaignSnapshotService.CampaignSnapshotServiceBase
{
    public override Task<CampaignSnapshot> GetCampaignSnapshot(GetCampaignSnapshotRequest request, ServerCallContext context) =>
        snapshots.GetAsync(request, context.CancellationToken);

    /// <summary>The current snapshot of every watched campaign the caller does not know yet, then each change as it commits.</summary>
    public override async Task WatchCampaignSnapshots(WatchCampaignSnapshotsRequest request, IServerStreamWriter<CampaignSnapshot> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var watched = await snapshots.WatchedAsync(request.CampaignIds, cancellationToken);

        // Subscribe before the first reads so no change between them and the loop is missed.
        var changes = snapshots.Subscribe(out var subscription);
        using (subscription)
        {
            var sent = new Dictionary<string, long>(request.KnownVersions, StringComparer.Ordinal);
            var initial = watched.Count > 0 ? watched.ToList() : await snapshots.ActiveCampaignIdsAsync(cancellationToken);
            var current = new List<CampaignSnapshot>();
            foreach (var campaignId in initial.Order(StringComparer.Ordinal))
            {
                if (await snapshots.NewerThanAsync(campaignId, sent.GetValueOrDefault(campaignId), cancellationToken) is { } snapshot)
                {
                    current.Add(snapshot);
                }
            }

            // The follower learns how many snapshots make up what it lacks, so it knows when it holds every campaign.
            await context.WriteResponseHeadersAsync(new Metadata
            {
                { CampaignSnapshotFollowing.InitialSnapshotsHeader, current.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
            foreach (var snapshot in current)
            {
                await responseStream.WriteAsync(snapshot, cancellationToken);
                sent[snapshot.CampaignId] = snapshot.SnapshotVersion;
            }

            await foreach (var changed in changes.ReadAllAsync(cancellationToken))
            {
                var candidates = changed == SnapshotCache.Everything
                    ? (watched.Count > 0 ? watched.ToList() : await snapshots.ActiveCampaignIdsAsync(cancellationToken))
                    : watched.Count == 0 || watched.Contains(changed) ? [changed] : [];
                foreach (var campaignId in candidates)
                {
                    await SendIfNewerAsync(campaignId, sent, responseStream, cancellationToken);
                }
            }
        }
    }

    private async Task SendIfNewerAsync(string campaignId, Dictionary<string, long> sent, IServerStreamWriter<CampaignSnapshot> responseStream, CancellationToken cancellationToken)
    {
        if (await snapshots.NewerThanAsync(campaignId, sent.GetValueOrDefault(campaignId), cancellationToken) is { } snapshot)
        {
            await responseStream.WriteAsync(snapshot, cancellationToken);
            sent[campaignId] = snapshot.SnapshotVersion;
        }
    }
}
