using Grpc.Core;
using Settlement.Service.Application;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Grpc;

/// <summary>settlement.v1.ReconciliationService over <see cref="Reconciliations"/>.</summary>
public sealed class ReconciliationGrpcService(Reconciliations reconciliations) : ReconciliationService.ReconciliationServiceBase
{
    public override Task<Reconciliation> ImportChannelStatement(IAsyncStreamReader<ChannelStatementChunk> requestStream, ServerCallContext context) =>
        reconciliations.ImportAsync(requestStream, context.CancellationToken);

    public override Task<Reconciliation> GetReconciliation(GetReconciliationRequest request, ServerCallContext context) =>
        reconciliations.GetAsync(request, context.CancellationToken);

    public override Task<ListReconciliationsResponse> ListReconciliations(ListReconciliationsRequest request, ServerCallContext context) =>
        reconciliations.ListAsync(request, context.CancellationToken);

    public override Task<ListReconciliationItemsResponse> ListReconciliationItems(ListReconciliationItemsRequest request, ServerCallContext context) =>
        reconciliations.ListItemsAsync(request, context.CancellationToken);
}
