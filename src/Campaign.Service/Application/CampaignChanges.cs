using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Application;

/// <summary>What one change did to a campaign, for its audit line; <paramref name="Action"/> overrides the use case's name.</summary>
public sealed record CampaignChange(string SubjectId, IMessage? Before, IMessage? After, string Reason = "", string? Action = null);

/// <summary>
/// The unit of work every campaign change goes through: load → check the version → apply (the use
/// case's domain checks and edits) → store → audit → commit → announce the snapshot → count and log.
/// Used by the campaign, round and lifecycle use cases alike, the lifecycle schedule included.
/// </summary>
public sealed class CampaignChanges(
    CampaignDbContext db,
    TimeProvider timeProvider,
    SnapshotCache snapshots,
    CampaignMetrics metrics,
    ILogger<CampaignChanges> logger)
{
    public DateTimeOffset Now => timeProvider.GetUtcNow();

    /// <summary>Category id → active, the platform catalogue settings and tiers are checked against.</summary>
    public async Task<IReadOnlyDictionary<string, bool>> CatalogueAsync(CancellationToken cancellationToken) =>
        await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Active, StringComparer.Ordinal, cancellationToken);

    /// <summary>A campaign for reading only.</summary>
    public async Task<CampaignAggregate> LoadAsync(string campaignId, CancellationToken cancellationToken)
    {
        RequireCampaignId(campaignId);
        var record = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, cancellationToken)
            ?? throw new NotFoundException($"campaign {campaignId} does not exist");
        return CampaignAggregate.Load(record);
    }

    /// <summary>A change the caller made against the version it read; every refusal leaves the campaign as it was.</summary>
    public async Task<CampaignDetails> ChangeAsync(
        string campaignId,
        long expectedVersion,
        Actor actor,
        string action,
        AuditSubject subject,
        Func<CampaignAggregate, DateTimeOffset, CampaignChange> apply,
        CancellationToken cancellationToken,
        string? codeChange = null)
    {
        ArgumentNullException.ThrowIfNull(apply);
        RequireCampaignId(campaignId);
        if (expectedVersion <= 0)
        {
            throw new InvalidArgumentException("expected_version", "required (the version you read)");
        }

        var changed = await CommitAsync(campaignId, expectedVersion, actor, action, subject, apply, cancellationToken, codeChange);
        return changed!.ToDetails(Now);
    }

    /// <summary>
    /// The shared path: <paramref name="expectedVersion"/> null means "whatever is current" (the schedule
    /// re-reads inside the transaction), and <paramref name="apply"/> returning null means nothing is due,
    /// so nothing is written and null comes back.
    /// </summary>
    public async Task<CampaignAggregate?> CommitAsync(
        string campaignId,
        long? expectedVersion,
        Actor actor,
        string action,
        AuditSubject subject,
        Func<CampaignAggregate, DateTimeOffset, CampaignChange?> apply,
        CancellationToken cancellationToken,
        string? codeChange = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(apply);
        var now = Now;
        var result = await db.InTransactionAsync<(CampaignAggregate Campaign, long Before, string Action)?>(
            async ct =>
            {
                var record = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, ct)
                    ?? throw new NotFoundException($"campaign {campaignId} does not exist");
                if (expectedVersion is { } expected && record.Version != expected)
                {
                    throw ConflictException.StaleVersion($"campaign {campaignId}", expected, record.Version);
                }

                if (codeChange is not null && codeChange != record.Code
                    && await db.Campaigns.AnyAsync(c => c.Code == codeChange && c.Id != campaignId, ct))
                {
                    throw new AlreadyExistsException($"settings.code: '{codeChange}' is taken by another campaign");
                }

                var campaign = CampaignAggregate.Load(record);
                if (apply(campaign, now) is not { } change)
                {
                    return null;
                }

                var before = record.Version;
                campaign.Store(now);
                record.Version++;
                db.AuditEntries.Add(Persistence.Audit(actor, change.Action ?? action, subject, change.SubjectId, now, campaignId: record.Id,
                    versionBefore: before, versionAfter: record.Version, reason: change.Reason, before: change.Before, after: change.After));
                await db.SaveChangesAsync(ct);
                return (Campaign: campaign, Before: before, Action: change.Action ?? action);
            },
            cancellationToken);
        if (result is not { } done)
        {
            return null;
        }

        snapshots.Announce(campaignId, done.Campaign.Record.SnapshotVersion);
        metrics.ConfigurationChanged(done.Action);
        CampaignLog.CampaignChanged(logger, done.Action, campaignId, actor.ActorId, done.Before, done.Campaign.Record.Version);
        return done.Campaign;
    }

    /// <summary>A state rule of <see cref="CampaignEditRules"/> refuses as FAILED_PRECONDITION, naming the state.</summary>
    public static void Permit(EditDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.Allowed)
        {
            throw new FailedPreconditionException(decision.Reason);
        }
    }

    public static void RequireCampaignId(string campaignId)
    {
        if (string.IsNullOrWhiteSpace(campaignId))
        {
            throw new InvalidArgumentException("campaign_id", "required");
        }
    }
}
