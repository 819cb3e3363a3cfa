using System.Collections.Concurrent;
using System.Threading.Channels;
using Campaign.Service.Application;
using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Snapshots;

/// <summary>
/// Campaign snapshots served from memory after the first read. Correct with N copies because every
/// snapshot_version change in the database is announced on LISTEN/NOTIFY (and locally at once): an
/// entry older than the newest announced version is rebuilt. While the listener is down, nothing is
/// trusted from memory.
/// </summary>
public sealed class SnapshotCache(IServiceScopeFactory scopes, TimeProvider timeProvider, CampaignMetrics metrics)
{
    private readonly ConcurrentDictionary<string, CampaignSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _announced = new(StringComparer.Ordinal);
    private readonly Lock _subscribersLock = new();
    private readonly List<Channel<string>> _subscribers = [];
    private volatile bool _listening;

    /// <summary>Sent to watchers when everything must be re-checked (the listener reconnected).</summary>
    public const string Everything = "";

    public bool IsListening => _listening;

    /// <summary>The current snapshot, or null when the campaign does not exist or is still a draft.</summary>
    public async ValueTask<CampaignSnapshot?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        if (_listening && _snapshots.TryGetValue(campaignId, out var cached) && cached.SnapshotVersion >= _announced.GetValueOrDefault(campaignId))
        {
            metrics.SnapshotRead(fromMemory: true);
            return cached;
        }

        metrics.SnapshotRead(fromMemory: false);
        var built = await BuildAsync(campaignId, cancellationToken);
        if (built is null)
        {
            _snapshots.TryRemove(campaignId, out _);
            return null;
        }

        if (_listening)
        {
            _snapshots.AddOrUpdate(campaignId, built, (_, existing) => existing.SnapshotVersion >= built.SnapshotVersion ? existing : built);
        }

        return built;
    }

    /// <summary>A snapshot version exists in the database (from NOTIFY or a local commit).</summary>
    public void Announce(string campaignId, long snapshotVersion)
    {
        _announced.AddOrUpdate(campaignId, snapshotVersion, (_, known) => Math.Max(known, snapshotVersion));
        Broadcast(campaignId);
    }

    public void SetListening(bool listening)
    {
        _snapshots.Clear();
        _listening = listening;
        _snapshots.Clear();
        Broadcast(Everything);
    }

    /// <summary>Campaign ids whose snapshot may have changed, <see cref="Everything"/> for all.</summary>
    public ChannelReader<string> Subscribe(out IDisposable subscription)
    {
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        lock (_subscribersLock)
        {
            _subscribers.Add(channel);
        }

        subscription = new Unsubscriber(this, channel);
        return channel.Reader;
    }

    private void Broadcast(string campaignId)
    {
        lock (_subscribersLock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(campaignId);
            }
        }
    }

    private async Task<CampaignSnapshot?> BuildAsync(string campaignId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CampaignDbContext>();
        var record = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (record is null || record.State == (int)CampaignState.Draft)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var campaign = CampaignAggregate.Load(record);
        var snapshot = new CampaignSnapshot
        {
            CampaignId = record.Id,
            SnapshotVersion = record.SnapshotVersion,
            GeneratedAt = LocalTimes.ToTimestamp(now),
            Campaign = campaign.ToDetails(now),
        };

        var restriction = CampaignValidation.CampaignCategories(campaign);
        var categories = await db.Categories.AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancellationToken);
        snapshot.Categories.AddRange(categories.Where(c => restriction.Admits(c.Id)).Select(CategoryMapping.ToProto));

        var enrolled = await (
                from enrolment in db.CampaignMerchants.AsNoTracking()
                join merchant in db.Merchants.AsNoTracking() on enrolment.MerchantId equals merchant.Id
                where enrolment.CampaignId == campaignId && enrolment.Enrolled
                orderby merchant.Id
                select new { enrolment.CategoryIds, merchant.Id, merchant.TradeName, merchant.Status, merchant.ProfileJson })
            .ToListAsync(cancellationToken);
        var merchantIds = enrolled.Select(m => m.Id).ToList();
        var staff = await db.Staff.AsNoTracking()
            .Where(s => merchantIds.Contains(s.MerchantId) && s.Active)
            .OrderBy(s => s.Id)
            .Select(s => new { s.MerchantId, s.Id })
            .ToListAsync(cancellationToken);
        foreach (var merchant in enrolled)
        {
            var item = new SnapshotMerchant
            {
                MerchantId = merchant.Id,
                TradeName = merchant.TradeName,
                Status = (MerchantStatus)merchant.Status,
            };
            item.CategoryIds.AddRange(merchant.CategoryIds);
            item.ActiveStaffIds.AddRange(staff.Where(s => s.MerchantId == merchant.Id).Select(s => s.Id));
            item.Terminals.AddRange(ProtoJson.Parse<MerchantProfile>(merchant.ProfileJson).Terminals);
            snapshot.Merchants.Add(item);
        }

        return snapshot;
    }

    private sealed class Unsubscriber(SnapshotCache cache, Channel<string> channel) : IDisposable
    {
        public void Dispose()
        {
            lock (cache._subscribersLock)
            {
                cache._subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        }
    }
}
