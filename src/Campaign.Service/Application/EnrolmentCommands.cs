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

        return await CommitAsync(
            actor,
            "EnrollMerchant",
            request.CampaignId,
            request.MerchantId,
            string.Empty,
            async (now, ct) =>
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
                return (existing, merchantRecord, before);
            },
            cancellationToken);
    }

    public async Task<CampaignMerchant> WithdrawMerchantAsync(WithdrawMerchantRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "WithdrawMerchant", ActorRole.Operator);
        RequireIds(request.CampaignId, request.MerchantId);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new InvalidArgumentException("reason", "required");
        }

        return await CommitAsync(
            actor,
            "WithdrawMerchant",
            request.CampaignId,
            request.MerchantId,
            request.Reason,
            async (now, ct) =>
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
                return (existing, merchantRecord, before);
            },
            cancellationToken);
    }

    /// <summary>Apply the enrolment change, audit it, move the campaign's snapshot on, commit, announce.</summary>
    private async Task<CampaignMerchant> CommitAsync(
        Actor actor,
        string action,
        string campaignId,
        string merchantId,
        string reason,
        Func<DateTimeOffset, CancellationToken, Task<(CampaignMerchantRecord Enrolment, MerchantRecord Merchant, CampaignMerchant? Before)>> change,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var (enrolment, merchant, snapshotVersion) = await db.InTransactionAsync(
            async ct =>
            {
                var (enrolment, merchant, before) = await change(now, ct);
                db.AuditEntries.Add(Persistence.Audit(actor, action, AuditSubject.CampaignMerchant, merchantId, now,
                    campaignId: campaignId, merchantId: merchantId, reason: reason, before: before, after: ToProto(enrolment, merchant)));
                await db.SaveChangesAsync(ct);
                await db.BumpSnapshotAsync(campaignId, ct);
                var version = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.SnapshotVersion).FirstAsync(ct);
                return (enrolment, merchant, version);
            },
            cancellationToken);
        snapshots.Announce(campaignId, snapshotVersion);
        metrics.ConfigurationChanged(action);
        return ToProto(enrolment, merchant);
    }
}
