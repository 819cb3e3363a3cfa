using Campaign.Service.Application;
using Grpc.Core;
using Vouchers.Campaign.V1;

namespace Campaign.Service.Grpc;

/// <summary>campaign.v1.AuditService: the append-only change log for operators and auditors.</summary>
public sealed class AuditGrpcService(AuditQueries audit) : AuditService.AuditServiceBase
{
    public override Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context) =>
        audit.ListAsync(request, context.CancellationToken);
}
