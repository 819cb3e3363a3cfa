using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Settlement.Service.Data;
using Settlement.Service.Domain;
using Vouchers.Campaign.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Settlement.Service.Application;

/// <summary>
/// The Campaign snapshots Settlement has taken in (campaign_snapshots): configuration, funding sources, merchants
/// and their status. Settlement never calls Campaign while answering; it reads what the follower stored.
/// </summary>
public sealed class CampaignDirectory(IDbContextFactory<SettlementDbContext> contexts, TimeProvider time)
{
    /// <summary>Stores the snapshot unless one at least as new is stored; true when stored.</summary>
    public async Task<bool> StoreAsync(CampaignSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changed = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO campaign_snapshots (campaign_id, snapshot_version, snapshot, received_at)
            VALUES ({snapshot.CampaignId}, {snapshot.SnapshotVersion}, {snapshot.ToByteArray()}, {time.GetUtcNow()})
            ON CONFLICT (campaign_id) DO UPDATE SET snapshot_version = excluded.snapshot_version, snapshot = excluded.snapshot, received_at = excluded.received_at
            WHERE campaign_snapshots.snapshot_version < excluded.snapshot_version
            """,
            cancellationToken);
        return changed > 0;
    }

    public async Task<IReadOnlyDictionary<string, long>> KnownVersionsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.CampaignSnapshots.AsNoTracking().ToDictionaryAsync(s => s.CampaignId, s => s.SnapshotVersion, cancellationToken);
    }

    public async Task<IReadOnlyList<CampaignSnapshot>> AllAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.CampaignSnapshots.AsNoTracking().Select(s => s.Snapshot).ToListAsync(cancellationToken);
        return rows.Select(CampaignSnapshot.Parser.ParseFrom).ToList();
    }

    /// <summary>The campaign's latest snapshot; NOT_FOUND when Settlement has none (unknown or still DRAFT).</summary>
    public async Task<CampaignSnapshot> GetAsync(string? campaignId, CancellationToken cancellationToken, string field = "campaign_id")
    {
        var id = Requests.Required(campaignId, field);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bytes = await db.CampaignSnapshots.AsNoTracking().Where(s => s.CampaignId == id).Select(s => s.Snapshot).SingleOrDefaultAsync(cancellationToken);
        return bytes is null ? throw new NotFoundException($"campaign '{id}' not found") : CampaignSnapshot.Parser.ParseFrom(bytes);
    }
}

/// <summary>What settlement reads from a campaign snapshot.</summary>
public static class SnapshotFacts
{
    public static TimeZoneInfo Zone(CampaignSnapshot snapshot) => TimeZones.Resolve(snapshot.Campaign.Settings.TimeZone);

    /// <summary>
    /// The sources the government's share is paid from, weighted by their amounts. Where tiers carry merchant
    /// co-funding (张店 15 %), the budget lists the merchants' own part as a source too; the source whose amount is
    /// exactly the plan's co-funded value is that part, and it pays no subsidy.
    /// </summary>
    public static IReadOnlyList<Weighted> FundingWeights(CampaignSnapshot snapshot)
    {
        var sources = snapshot.Campaign.Settings.FundingSources.Select(f => new Weighted(f.FundingSourceId, f.AmountCents)).ToList();
        var cofunding = snapshot.Campaign.Tiers.ToDictionary(t => t.TierId, t => t.MerchantCofundingCents, StringComparer.Ordinal);
        var planned = (snapshot.Campaign.AllocationPlan?.Cells ?? []).Sum(c => c.Quantity * cofunding.GetValueOrDefault(c.TierId));
        var merchants = planned > 0 ? sources.FirstOrDefault(s => s.Weight == planned) : null;
        return merchants is null || sources.Count == 1 ? sources : sources.Where(s => !ReferenceEquals(s, merchants)).ToList();
    }

    public static DateTimeOffset Start(CampaignSnapshot snapshot) => snapshot.Campaign.PeriodStartUtc.ToDateTimeOffset();

    public static DateTimeOffset End(CampaignSnapshot snapshot) => snapshot.Campaign.PeriodEndUtc.ToDateTimeOffset();

    public static SnapshotMerchant? Merchant(CampaignSnapshot snapshot, string merchantId) =>
        snapshot.Merchants.FirstOrDefault(m => string.Equals(m.MerchantId, merchantId, StringComparison.Ordinal));

    public static bool IsSuspended(CampaignSnapshot snapshot, string merchantId) => Merchant(snapshot, merchantId)?.Status == MerchantStatus.Suspended;

    /// <summary>ENDED or later: no more claims or redemptions, the final run may happen (after the audit delay).</summary>
    public static bool HasEnded(CampaignSnapshot snapshot) => snapshot.Campaign.State is CampaignState.Ended or CampaignState.Settled or CampaignState.Closed;
}
