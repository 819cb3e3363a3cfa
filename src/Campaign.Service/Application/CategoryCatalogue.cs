using Campaign.Service.Data;
using Campaign.Service.Domain;
using Microsoft.EntityFrameworkCore;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Application;

/// <summary>The platform's category catalogue: list, create, rename and retire.</summary>
public sealed class CategoryCatalogue(CampaignDbContext db, TimeProvider timeProvider, CampaignMetrics metrics)
{
    public async Task<ListCategoriesResponse> ListAsync(ListCategoriesRequest request, CancellationToken cancellationToken)
    {
        var query = db.Categories.AsNoTracking();
        if (!request.IncludeInactive)
        {
            query = query.Where(c => c.Active);
        }

        var response = new ListCategoriesResponse();
        response.Categories.AddRange((await query.OrderBy(c => c.Id).ToListAsync(cancellationToken)).Select(CategoryMapping.ToProto));
        return response;
    }

    public async Task<CategoryDefinition> CreateAsync(CreateCategoryRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "CreateCategory", ActorRole.Operator);
        var category = request.Category ?? throw new InvalidArgumentException("category", "required");
        var problems = new FieldProblems();
        if (!CategoryMapping.IdPattern().IsMatch(category.CategoryId))
        {
            problems.Add("category.category_id", $"'{category.CategoryId}' is not a lower-case dotted id such as produce.poverty_relief");
        }

        if (string.IsNullOrWhiteSpace(category.Name))
        {
            problems.Add("category.name", "required");
        }

        problems.ThrowIfAny();
        var parentId = category.CategoryId.Contains('.', StringComparison.Ordinal) ? category.CategoryId[..category.CategoryId.LastIndexOf('.')] : string.Empty;
        var now = timeProvider.GetUtcNow();
        var created = await db.InTransactionAsync(
            async ct =>
            {
                if (parentId.Length > 0 && !await db.Categories.AnyAsync(c => c.Id == parentId, ct))
                {
                    throw new InvalidArgumentException("category.category_id", $"its parent '{parentId}' does not exist");
                }

                if (await db.Categories.AnyAsync(c => c.Id == category.CategoryId, ct))
                {
                    throw new AlreadyExistsException($"category.category_id: '{category.CategoryId}' exists");
                }

                var record = new CategoryRecord { Id = category.CategoryId, Name = category.Name, ParentId = parentId, Active = true, Version = 1, UpdatedAt = now };
                db.Categories.Add(record);
                db.AuditEntries.Add(Persistence.Audit(actor, "CreateCategory", AuditSubject.Category, record.Id, now, versionAfter: 1, after: CategoryMapping.ToProto(record)));
                await db.SaveChangesAsync(ct);
                return record;
            },
            cancellationToken);
        metrics.ConfigurationChanged("CreateCategory");
        return CategoryMapping.ToProto(created);
    }

    public async Task<CategoryDefinition> UpdateAsync(UpdateCategoryRequest request, CancellationToken cancellationToken)
    {
        var actor = Actors.Require(request.Actor, "UpdateCategory", ActorRole.Operator);
        var category = request.Category ?? throw new InvalidArgumentException("category", "required");
        var problems = new FieldProblems();
        if (string.IsNullOrWhiteSpace(category.CategoryId))
        {
            problems.Add("category.category_id", "required");
        }

        if (string.IsNullOrWhiteSpace(category.Name))
        {
            problems.Add("category.name", "required");
        }

        if (request.ExpectedVersion <= 0)
        {
            problems.Add("expected_version", "required (the version you read)");
        }

        problems.ThrowIfAny();
        var now = timeProvider.GetUtcNow();
        var updated = await db.InTransactionAsync(
            async ct =>
            {
                var record = await db.Categories.FirstOrDefaultAsync(c => c.Id == category.CategoryId, ct)
                    ?? throw new NotFoundException($"category '{category.CategoryId}' does not exist");
                if (record.Version != request.ExpectedVersion)
                {
                    throw ConflictException.StaleVersion($"category '{record.Id}'", request.ExpectedVersion, record.Version);
                }

                var before = CategoryMapping.ToProto(record);
                record.Name = category.Name;
                record.Active = category.Active;
                record.Version++;
                record.UpdatedAt = now;
                db.AuditEntries.Add(Persistence.Audit(actor, "UpdateCategory", AuditSubject.Category, record.Id, now,
                    versionBefore: before.Version, versionAfter: record.Version, before: before, after: CategoryMapping.ToProto(record)));
                await db.SaveChangesAsync(ct);
                return record;
            },
            cancellationToken);
        metrics.ConfigurationChanged("UpdateCategory");
        return CategoryMapping.ToProto(updated);
    }
}
