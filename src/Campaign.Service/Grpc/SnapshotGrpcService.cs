using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.CampaignSnapshotService: what Claim and Redemption decide from.</summary>
public sealed class SnapshotGrpcService(CampaignDbContext db, SnapshotCache cache) : CampaignSnapshotService.CampaignSnapshotServiceBase
{
    public override async Task<CampaignSnapshot> GetCampaignSnapshot(GetCampaignSnapshotRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw Refusals.Invalid("campaign_id: required");
        }

        if (request.MinSnapshotVersion < 0)
        {
            throw Refusals.Invalid("min_snapshot_version: cannot be negative");
        }

        var snapshot = await cache.GetAsync(request.CampaignId, context.CancellationToken)
            ?? throw Refusals.NotFound($"campaign {request.CampaignId} does not exist or is still DRAFT (drafts have no snapshot)");
        if (snapshot.SnapshotVersion < request.MinSnapshotVersion)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"snapshot version {request.MinSnapshotVersion} of campaign {request.CampaignId} is not known here yet (latest {snapshot.SnapshotVersion}); retry"));
        }

        return snapshot;
    }

    public override async Task WatchCampaignSnapshots(WatchCampaignSnapshotsRequest request, IServerStreamWriter<CampaignSnapshot> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var watched = request.CampaignIds.ToHashSet(StringComparer.Ordinal);
        if (watched.Any(string.IsNullOrWhiteSpace))
        {
            throw Refusals.Invalid("campaign_ids: an id is empty");
        }

        if (watched.Count > 0)
        {
            var ids = watched.ToList();
            var existing = await db.Campaigns.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
            var missing = ids.Except(existing, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw Refusals.NotFound($"campaign_ids: {string.Join(", ", missing)} do not exist");
            }
        }

        // Subscribe before the first reads so no change between them and the loop is missed.
        var changes = cache.Subscribe(out var subscription);
        using (subscription)
        {
            var sent = new Dictionary<string, long>(request.KnownVersions, StringComparer.Ordinal);
            var initial = watched.Count > 0 ? watched.ToList() : await ActiveCampaignIdsAsync(cancellationToken);
            foreach (var campaignId in initial.Order(StringComparer.Ordinal))
            {
                await SendIfNewerAsync(campaignId, sent, responseStream, cancellationToken);
            }

            await foreach (var changed in changes.ReadAllAsync(cancellationToken))
            {
                var candidates = changed == SnapshotCache.Everything
                    ? (watched.Count > 0 ? watched.ToList() : await ActiveCampaignIdsAsync(cancellationToken))
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
        var snapshot = await cache.GetAsync(campaignId, cancellationToken);
        if (snapshot is null || snapshot.SnapshotVersion <= sent.GetValueOrDefault(campaignId))
        {
            return;
        }

        await responseStream.WriteAsync(snapshot, cancellationToken);
        sent[campaignId] = snapshot.SnapshotVersion;
    }

    private async Task<List<string>> ActiveCampaignIdsAsync(CancellationToken cancellationToken)
    {
        var (draft, closed) = ((int)CampaignState.Draft, (int)CampaignState.Closed);
        return await db.Campaigns.AsNoTracking().Where(c => c.State != draft && c.State != closed).Select(c => c.Id).ToListAsync(cancellationToken);
    }
}
