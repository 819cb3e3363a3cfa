using Campaign.Service.Data;
using Campaign.Service.Domain;
using Campaign.Service.Snapshots;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.MerchantMapping;
using static Campaign.Service.Domain.MerchantProfiles;
using CampaignState = Vouchers.Campaign.V1.CampaignState;

namespace Campaign.Service.Application;

/// <summary>Enrolling approved merchants in a campaign and withdrawing them; each moves the campaign's snapshot on.</summary>
public sealed class EnrolmentCommands(
    CampaignDbContext db,
    TimeProvider timeProvider,
    SnapshotCache snapshots,
    CampaignMetrics metrics)
{
    public async Task<CampaignMerchant> EnrollMerchantAsync(EnrollMerchantRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "EnrollMerchant", ActorRole.Operator);
        RequireIds(request.CampaignId, request.MerchantId);
        if (request.CategoryIds.Count == 0)
        {
            throw new InvalidArgumentException("category_ids", "at least one category is required");
        }

        var now = timeProvider.GetUtcNow();
        var (enrolment, merchant, snapshotVersion) = await db.InTransactionAsync(
            async ct =>
            {
                var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == request.CampaignId, ct)
                    ?? throw new NotFoundException($"campaign {request.CampaignId} does not exist");
                var merchantRecord = await db.Merchants.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MerchantId, ct)
                    ?? throw new NotFoundException($"merchant {request.MerchantId} does not exist");
                var problems = new FieldProblems();
                var campaignCategories = CampaignValidation.CampaignCategories(CampaignAggregate.Load(campaign));
                for (var i = 0; i < request.CategoryIds.Count; i++)
                {
                    var id = request.CategoryIds[i];
                    if (!merchantRecord.CategoryIds.Contains(id))
                    {
                        problems.Add($"category_ids[{i}]", $"merchant {merchantRecord.Id} does not trade in '{id}'");
                    }

                    if (!campaignCategories.Admits(id))
                    {
                        problems.Add($"category_ids[{i}]", $"'{id}' is not one of the campaign's categories");
                    }
                }

                problems.ThrowIfAny();
                if (merchantRecord.Status != (int)MerchantStatus.Approved)
                {
                    throw new FailedPreconditionException($"merchant is {StatusName((MerchantStatus)merchantRecord.Status)}: only an APPROVED merchant can be enrolled");
                }

                if (campaign.State is (int)CampaignState.Ended or (int)CampaignState.Settled or (int)CampaignState.Closed)
                {
                    throw new FailedPreconditionException($"campaign is {((CampaignState)campaign.State).ToString().ToUpperInvariant()}: no more enrolments");
                }

                var existing = await db.CampaignMerchants.FirstOrDefaultAsync(e => e.CampaignId == request.CampaignId && e.MerchantId == request.MerchantId, ct);
                var before = existing is null ? null : ToProto(existing, merchantRecord);
                if (existing is null)
                {
                    existing = new CampaignMerchantRecord { CampaignId = request.CampaignId, MerchantId = request.MerchantId };
                    db.CampaignMerchants.Add(existing);
                }

                if (!existing.Enrolled)
                {
                    existing.EnrolledAt = now;
                }

                existing.Enrolled = true;
                existing.WithdrawnAt = null;
                existing.CategoryIds = request.CategoryIds.Distinct(StringComparer.Ordinal).ToList();
                db.AuditEntries.Add(Persistence.Audit(actor, "EnrollMerchant", AuditSubject.CampaignMerchant, request.MerchantId, now,
                    campaignId: request.CampaignId, merchantId: request.MerchantId, before: before, after: ToProto(existing, merchantRecord)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotAsync(request.CampaignId, ct);
                var version = await db.Campaigns.Where(c => c.Id == request.CampaignId).Select(c => c.SnapshotVersion).FirstAsync(ct);
                return (existing, merchantRecord, version);
            },
            cancellationToken);
        snapshots.Announce(request.CampaignId, snapshotVersion);
        metrics.ConfigurationChanged("EnrollMerchant");
        return ToProto(enrolment, merchant);
    }

    public async Task<CampaignMerchant> WithdrawMerchantAsync(WithdrawMerchantRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "WithdrawMerchant", ActorRole.Operator);
        RequireIds(request.CampaignId, request.MerchantId);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new InvalidArgumentException("reason", "required");
        }

        var now = timeProvider.GetUtcNow();
        var (enrolment, merchant, snapshotVersion) = await db.InTransactionAsync(
            async ct =>
            {
                if (!await db.Campaigns.AnyAsync(c => c.Id == request.CampaignId, ct))
                {
                    throw new NotFoundException($"campaign {request.CampaignId} does not exist");
                }

                var merchantRecord = await db.Merchants.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MerchantId, ct)
                    ?? throw new NotFoundException($"merchant {request.MerchantId} does not exist");
                var existing = await db.CampaignMerchants.FirstOrDefaultAsync(e => e.CampaignId == request.CampaignId && e.MerchantId == request.MerchantId && e.Enrolled, ct)
                    ?? throw new NotFoundException($"merchant {request.MerchantId} is not enrolled in campaign {request.CampaignId}");
                var before = ToProto(existing, merchantRecord);
                existing.Enrolled = false;
                existing.WithdrawnAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, "WithdrawMerchant", AuditSubject.CampaignMerchant, request.MerchantId, now,
                    campaignId: request.CampaignId, merchantId: request.MerchantId, reason: request.Reason, before: before, after: ToProto(existing, merchantRecord)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotAsync(request.CampaignId, ct);
                var version = await db.Campaigns.Where(c => c.Id == request.CampaignId).Select(c => c.SnapshotVersion).FirstAsync(ct);
                return (existing, merchantRecord, version);
            },
            cancellationToken);
        snapshots.Announce(request.CampaignId, snapshotVersion);
        metrics.ConfigurationChanged("WithdrawMerchant");
        return ToProto(enrolment, merchant);
    }
}
