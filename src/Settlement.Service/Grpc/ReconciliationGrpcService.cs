using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Settlement.Service.Application;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Grpc;

/// <summary>settlement.v1.ReconciliationService over <see cref="Reconciliations"/>. Calls whose requests carry no actor are
/// limited to the back-office roles: the token's role is all there is to check.
/// </summary>
public sealed class ReconciliationGrpcService(Reconciliations reconciliations) : ReconciliationService.ReconciliationServiceBase
{
    public override Task<Reconciliation> ImportChannelStatement(IAsyncStreamReader<ChannelStatementChunk> requestStream, ServerCallContext context) =>
        reconciliations.ImportAsync(requestStream, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<Reconciliation> GetReconciliation(GetReconciliationRequest request, ServerCallContext context) =>
        reconciliations.GetAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<ListReconciliationsResponse> ListReconciliations(ListReconciliationsRequest request, ServerCallContext context) =>
        reconciliations.ListAsync(request, context.CancellationToken);

    [Authorize(Roles = Roles.BackOffice)]
    public override Task<ListReconciliationItemsResponse> ListReconciliationItems(ListReconciliationItemsRequest request, ServerCallContext context) =>
        reconciliations.ListItemsAsync(request, context.CancellationToken);
}
