using Campaign.Service.Application;
using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.CategoryService: the platform's category catalogue.</summary>
public sealed class CategoryGrpcService(CategoryCatalogue catalogue) : CategoryService.CategoryServiceBase
{
    public override Task<ListCategoriesResponse> ListCategories(ListCategoriesRequest request, ServerCallContext context) =>
        catalogue.ListAsync(request, context.CancellationToken);

    public override Task<CategoryDefinition> CreateCategory(CreateCategoryRequest request, ServerCallContext context) =>
        catalogue.CreateAsync(request, context.CancellationToken);

    public override Task<CategoryDefinition> UpdateCategory(UpdateCategoryRequest request, ServerCallContext context) =>
        catalogue.UpdateAsync(request, context.CancellationToken);
}
