using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Application;

/// <summary>Reading the append-only change log, for operators and auditors.</summary>
public sealed class AuditQueries(CampaignDbContext db)
{
    public async Task<ListAuditEntriesResponse> ListAsync(ListAuditEntriesRequest request, CancellationToken cancellationToken)
    {
        Actors.Require(request.Actor, "ListAuditEntries", ActorRole.Operator, ActorRole.Auditor);
        KeysetPages.RequireSpecified(request.Subjects, AuditSubject.Unspecified, "subjects", "AUDIT_SUBJECT_UNSPECIFIED is not a subject");

        DateTimeOffset? from = request.Window?.StartTime?.ToDateTimeOffset();
        DateTimeOffset? until = request.Window?.EndTime?.ToDateTimeOffset();
        if (from is { } start && until is { } end && end <= start)
        {
            throw new InvalidArgumentException("window", "end_time must be after start_time");
        }

        var filterKey = $"audit|{request.CampaignId}|{request.MerchantId}|{string.Join(",", request.Subjects)}|{request.ActorId}|{from:O}|{until:O}";
        var (size, after) = KeysetPages.Read(request.Page, filterKey, keyParts: 1);
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

        var total = await query.LongCountAsync(cancellationToken);
        if (after is [var last])
        {
            var lastSequence = PageToken.ReadLong(last);
            query = query.Where(a => a.Sequence > lastSequence);
        }

        var fetched = await query.OrderBy(a => a.Sequence).Take(size + 1).ToListAsync(cancellationToken);
        var (page, next) = PageToken.Page(fetched, size, filterKey, a => [PageToken.Key(a.Sequence)]);
        var response = new ListAuditEntriesResponse { Page = KeysetPages.Response(next, total) };
        response.Entries.AddRange(page.Select(Persistence.ToProto));
        return response;
    }
}
