using Campaign.Service.Data;
using Campaign.Service.Domain;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.AuditService: the append-only change log for operators and auditors.</summary>
public sealed class AuditGrpcService(CampaignDbContext db) : AuditService.AuditServiceBase
{
    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        Actors.Require(request.Actor, "ListAuditEntries", ActorRole.Operator, ActorRole.Auditor);
        if (request.Subjects.Any(s => s == AuditSubject.Unspecified))
        {
            throw Refusals.Invalid("subjects: AUDIT_SUBJECT_UNSPECIFIED is not a subject");
        }

        DateTimeOffset? from = request.Window?.StartTime?.ToDateTimeOffset();
        DateTimeOffset? until = request.Window?.EndTime?.ToDateTimeOffset();
        if (from is { } start && until is { } end && end <= start)
        {
            throw Refusals.Invalid("window: end_time must be after start_time");
        }

        var filterKey = $"{request.CampaignId}|{request.MerchantId}|{string.Join(",", request.Subjects)}|{request.ActorId}|{from:O}|{until:O}";
        var (offset, size) = Paging.Read(request.Page, filterKey);
        var query = db.AuditEntries.AsNoTracking();
        if (request.CampaignId.Length > 0)
        {
            query = query.Where(a => a.CampaignId == request.CampaignId);
        }

        if (request.MerchantId.Length > 0)
        {
            query = query.Where(a => a.MerchantId == request.MerchantId);
        }

        if (request.Subjects.Count > 0)
        {
            var subjects = request.Subjects.Select(s => (int)s).ToList();
            query = query.Where(a => subjects.Contains(a.Subject));
        }

        if (request.ActorId.Length > 0)
        {
            query = query.Where(a => a.ActorId == request.ActorId);
        }

        if (from is { } windowStart)
        {
            query = query.Where(a => a.OccurredAt >= windowStart);
        }

        if (until is { } windowEnd)
        {
            query = query.Where(a => a.OccurredAt < windowEnd);
        }

        var total = await query.LongCountAsync(context.CancellationToken);
        var page = await query.OrderBy(a => a.Sequence).Skip(offset).Take(size).ToListAsync(context.CancellationToken);
        var response = new ListAuditEntriesResponse { Page = Paging.Next(offset, size, page.Count, total, filterKey) };
        response.Entries.AddRange(page.Select(Persistence.ToProto));
        return response;
    }
}
