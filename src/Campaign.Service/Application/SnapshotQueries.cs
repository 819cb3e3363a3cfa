using Campaign.Service.Data;
using Campaign.Service.Snapshots;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Application;

/// <summary>Campaign snapshots for Claim and Redemption: one at a version, and which campaigns a watcher follows.</summary>
public sealed class SnapshotQueries(CampaignDbContext db, SnapshotCache cache)
{
    /// <summary>Campaign ids whose snapshot may have changed, <see cref="SnapshotCache.Everything"/> for all.</summary>
    public System.Threading.Channels.ChannelReader<string> Subscribe(out IDisposable subscription) => cache.Subscribe(out subscription);

    public async Task<CampaignSnapshot> GetAsync(GetCampaignSnapshotRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw new InvalidArgumentException("campaign_id", "required");
        }

        if (request.MinSnapshotVersion < 0)
        {
            throw new InvalidArgumentException("min_snapshot_version", "cannot be negative");
        }

        var snapshot = await cache.GetAsync(request.CampaignId, cancellationToken)
            ?? throw new NotFoundException($"campaign {request.CampaignId} does not exist or is still DRAFT (drafts have no snapshot)");
        return snapshot.SnapshotVersion >= request.MinSnapshotVersion
            ? snapshot
            : throw new UnavailableException($"snapshot version {request.MinSnapshotVersion} of campaign {request.CampaignId} is not known here yet (latest {snapshot.SnapshotVersion}); retry");
    }

    /// <summary>The current snapshot when it is newer than <paramref name="known"/>; null otherwise (or for a draft).</summary>
    public async Task<CampaignSnapshot?> NewerThanAsync(string campaignId, long known, CancellationToken cancellationToken)
    {
        var snapshot = await cache.GetAsync(campaignId, cancellationToken);
        return snapshot is not null && snapshot.SnapshotVersion > known ? snapshot : null;
    }

    /// <summary>The ids a watch names, all of which must exist; an empty list means every active campaign.</summary>
    public async Task<IReadOnlySet<string>> WatchedAsync(IReadOnlyCollection<string> campaignIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignIds);
        var watched = campaignIds.ToHashSet(StringComparer.Ordinal);
        if (watched.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidArgumentException("campaign_ids", "an id is empty");
        }

        if (watched.Count > 0)
        {
            var ids = watched.ToList();
            var existing = await db.Campaigns.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
            var missing = ids.Except(existing, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw new NotFoundException($"campaign_ids: {string.Join(", ", missing)} do not exist");
            }
        }

        return watched;
    }

    /// <summary>Campaigns that have a snapshot and can still change: not drafts, not closed.</summary>
    public async Task<List<string>> ActiveCampaignIdsAsync(CancellationToken cancellationToken)
    {
        var (draft, closed) = ((int)CampaignState.Draft, (int)CampaignState.Closed);
        return await db.Campaigns.AsNoTracking().Where(c => c.State != draft && c.State != closed).Select(c => c.Id).ToListAsync(cancellationToken);
    }
}
