using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.MerchantMapping;
using static Campaign.Service.Domain.MerchantProfiles;

namespace Campaign.Service.Application;

/// <summary>Loading merchants and their details, and announcing the snapshots of the campaigns a merchant is enrolled in.</summary>
public sealed class MerchantStore(CampaignDbContext db, SnapshotCache snapshots)
{
    public async Task AnnounceMerchantCampaignsAsync(string merchantId, CancellationToken cancellationToken)
    {
        var versions = await (
                from enrolment in db.CampaignMerchants.AsNoTracking()
                join campaign in db.Campaigns.AsNoTracking() on enrolment.CampaignId equals campaign.Id
                where enrolment.MerchantId == merchantId && enrolment.Enrolled
                select new { campaign.Id, campaign.SnapshotVersion })
            .ToListAsync(cancellationToken);
        foreach (var campaign in versions)
        {
            snapshots.Announce(campaign.Id, campaign.SnapshotVersion);
        }
    }

    public async Task<MerchantRecord> FindMerchantAsync(string merchantId, bool tracked, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(merchantId))
        {
            throw new InvalidArgumentException("merchant_id", "required");
        }

        var query = tracked ? db.Merchants : db.Merchants.AsNoTracking();
        return await query.FirstOrDefaultAsync(m => m.Id == merchantId, cancellationToken)
            ?? throw new NotFoundException($"merchant {merchantId} does not exist");
    }

    public async Task<MerchantDetails> ToDetailsAsync(MerchantRecord record, Actor actor, CancellationToken cancellationToken)
    {
        var profile = ProtoJson.Parse<MerchantProfile>(record.ProfileJson);
        if (actor.Role != ActorRole.Finance && profile.PayoutAccount is { } account)
        {
            account.AccountNumber = BindingCodes.MaskAccount(account.AccountNumber);
        }

        var details = new MerchantDetails
        {
            MerchantId = record.Id,
            Version = record.Version,
            Status = (MerchantStatus)record.Status,
            Profile = profile,
            RegistrationChannel = (RegistrationChannel)record.RegistrationChannel,
            StatusReason = record.StatusReason ?? string.Empty,
            StatusChangedBy = record.StatusChangedByJson is null ? null : ProtoJson.Parse<Actor>(record.StatusChangedByJson),
            StatusChangedAt = record.StatusChangedAt is { } changed ? LocalTimes.ToTimestamp(changed) : null,
            RegisteredAt = LocalTimes.ToTimestamp(record.RegisteredAt),
            UpdatedAt = LocalTimes.ToTimestamp(record.UpdatedAt),
        };
        if (record.PledgeVersion is not null)
        {
            details.Pledge = new PledgeSignature
            {
                PledgeVersion = record.PledgeVersion,
                SignedAt = LocalTimes.ToTimestamp(record.PledgeSignedAt!.Value),
                SignatoryName = record.PledgeSignatory ?? string.Empty,
                EvidenceReference = record.PledgeEvidence ?? string.Empty,
            };
        }

        details.EnrolledCampaignIds.AddRange(await db.CampaignMerchants.AsNoTracking()
            .Where(e => e.MerchantId == record.Id && e.Enrolled).OrderBy(e => e.CampaignId).Select(e => e.CampaignId).ToListAsync(cancellationToken));
        return details;
    }

    public async Task<IReadOnlyDictionary<string, bool>> CatalogueAsync(CancellationToken cancellationToken) =>
        await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Active, StringComparer.Ordinal, cancellationToken);
}
