// string.Compare in these queries is translated to SQL: PostgreSQL compares with the column's
// collation, the same one ORDER BY uses, which is what keyset paging needs; CA1309's advice is for
// comparisons that run in .NET.
#pragma warning disable CA1309
using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;
using static Campaign.Service.Application.MerchantMapping;
using static Campaign.Service.Domain.MerchantProfiles;

namespace Campaign.Service.Application;

/// <summary>Reading merchants, enrolments, staff and the integrity pledge. Nothing is written.</summary>
public sealed class MerchantQueries(CampaignDbContext db, MerchantStore store)
{
    private static readonly ActorRole[] BackOffice = [ActorRole.Operator, ActorRole.Auditor, ActorRole.Finance];

    public async Task<MerchantDetails> GetMerchantAsync(GetMerchantRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "GetMerchant", [.. BackOffice, ActorRole.Merchant]);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "GetMerchant");
        var record = await store.FindMerchantAsync(request.MerchantId, tracked: false, cancellationToken);
        return await store.ToDetailsAsync(record, actor, cancellationToken);
    }

    public async Task<ListMerchantsResponse> ListMerchantsAsync(ListMerchantsRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "ListMerchants", ActorRole.Operator, ActorRole.Auditor);
        KeysetPages.RequireSpecified(request.Statuses, MerchantStatus.Unspecified, "statuses", "MERCHANT_STATUS_UNSPECIFIED is not a status");

        var filterKey = $"merchants|{string.Join(",", request.Statuses)}|{request.CategoryId}|{request.CampaignId}|{request.Text}";
        var (size, after) = KeysetPages.Read(request.Page, filterKey, keyParts: 1);
        var query = db.Merchants.AsNoTracking();
        if (request.Statuses.Count > 0)
        {
            var statuses = request.Statuses.Select(s => (int)s).ToList();
            query = query.Where(m => statuses.Contains(m.Status));
        }

        if (request.CategoryId.Length > 0)
        {
            query = query.Where(m => m.CategoryIds.Contains(request.CategoryId));
        }

        if (request.CampaignId.Length > 0)
        {
            query = query.Where(m => db.CampaignMerchants.Any(e => e.MerchantId == m.Id && e.CampaignId == request.CampaignId && e.Enrolled));
        }

        if (request.Text.Length > 0)
        {
            var pattern = Like.Containing(request.Text);
            query = query.Where(m => EF.Functions.ILike(m.LegalName, pattern) || EF.Functions.ILike(m.TradeName, pattern) || EF.Functions.ILike(m.UnifiedCreditCode, pattern));
        }

        var total = await query.LongCountAsync(cancellationToken);
        if (after is [var lastId])
        {
            query = query.Where(m => string.Compare(m.Id, lastId) > 0);
        }

        var fetched = await query.OrderBy(m => m.Id).Take(size + 1).ToListAsync(cancellationToken);
        var (page, next) = PageToken.Page(fetched, size, filterKey, m => [m.Id]);
        var response = new ListMerchantsResponse { Page = KeysetPages.Response(next, total) };
        foreach (var merchant in page)
        {
            response.Merchants.Add(await store.ToDetailsAsync(merchant, actor, cancellationToken));
        }

        return response;
    }

    public async Task<IntegrityPledge> GetIntegrityPledgeAsync(GetIntegrityPledgeRequest request, CancellationToken cancellationToken)
    {
        var query = db.IntegrityPledges.AsNoTracking();
        var pledge = request.Version.Length > 0
            ? await query.FirstOrDefaultAsync(p => p.Version == request.Version, cancellationToken)
            : await query.OrderByDescending(p => p.Sequence).FirstOrDefaultAsync(cancellationToken);
        return pledge is null
            ? throw new NotFoundException(request.Version.Length > 0 ? $"pledge version '{request.Version}' does not exist" : "no integrity pledge has been published yet")
            : ToProto(pledge);
    }

    public async Task<ListCampaignMerchantsResponse> ListCampaignMerchantsAsync(ListCampaignMerchantsRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw new InvalidArgumentException("campaign_id", "required");
        }

        var filterKey = $"campaign-merchants|{request.CampaignId}|{request.CategoryId}|{request.IncludeInactive}";
        var (size, after) = KeysetPages.Read(request.Page, filterKey, keyParts: 1);
        if (!await db.Campaigns.AnyAsync(c => c.Id == request.CampaignId, cancellationToken))
        {
            throw new NotFoundException($"campaign {request.CampaignId} does not exist");
        }

        var approved = (int)MerchantStatus.Approved;
        var query =
            from enrolment in db.CampaignMerchants.AsNoTracking()
            join merchant in db.Merchants.AsNoTracking() on enrolment.MerchantId equals merchant.Id
            where enrolment.CampaignId == request.CampaignId
            select new { enrolment, merchant };
        if (!request.IncludeInactive)
        {
            query = query.Where(p => p.enrolment.Enrolled && p.merchant.Status == approved);
        }

        if (request.CategoryId.Length > 0)
        {
            query = query.Where(p => p.enrolment.CategoryIds.Contains(request.CategoryId));
        }

        var total = await query.LongCountAsync(cancellationToken);
        if (after is [var lastId])
        {
            query = query.Where(p => string.Compare(p.merchant.Id, lastId) > 0);
        }

        var fetched = await query.OrderBy(p => p.merchant.Id).Take(size + 1).ToListAsync(cancellationToken);
        var (page, next) = PageToken.Page(fetched, size, filterKey, p => [p.merchant.Id]);
        var response = new ListCampaignMerchantsResponse { Page = KeysetPages.Response(next, total) };
        response.Merchants.AddRange(page.Select(p => ToProto(p.enrolment, p.merchant)));
        return response;
    }

    public async Task<ListStaffResponse> ListStaffAsync(ListStaffRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "ListStaff", [.. BackOffice, ActorRole.Merchant]);
        Actors.RequireOwnMerchant(actor, request.MerchantId, "ListStaff");
        var filterKey = $"staff|{request.MerchantId}|{request.IncludeInactive}";
        var (size, after) = KeysetPages.Read(request.Page, filterKey, keyParts: 2);
        await store.FindMerchantAsync(request.MerchantId, tracked: false, cancellationToken);
        var query = db.Staff.AsNoTracking().Where(s => s.MerchantId == request.MerchantId);
        if (!request.IncludeInactive)
        {
            query = query.Where(s => s.Active);
        }

        var total = await query.LongCountAsync(cancellationToken);
        if (after is not null)
        {
            var (boundAt, id) = (PageToken.ReadInstant(after[0]), after[1]);
            query = query.Where(s => s.BoundAt > boundAt || (s.BoundAt == boundAt && string.Compare(s.Id, id) > 0));
        }

        var fetched = await query.OrderBy(s => s.BoundAt).ThenBy(s => s.Id).Take(size + 1).ToListAsync(cancellationToken);
        var (page, next) = PageToken.Page(fetched, size, filterKey, s => [PageToken.Key(s.BoundAt), s.Id]);
        var response = new ListStaffResponse { Page = KeysetPages.Response(next, total) };
        response.Staff.AddRange(page.Select(ToProto));
        return response;
    }
}
