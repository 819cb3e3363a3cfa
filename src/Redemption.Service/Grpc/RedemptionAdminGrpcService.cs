using Grpc.Core;
using Redemption.Service.Records;
using Redemption.Service.Screening;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Grpc;

/// <summary>redemption.v1 RedemptionAdminService: revocation and screening, each call one use case.</summary>
public sealed class RedemptionAdminGrpcService(ReversalService reversals, ScreeningService screening) : RedemptionAdminService.RedemptionAdminServiceBase
{
    public override Task<RedemptionRecord> RevokeRedemption(RevokeRedemptionRequest request, ServerCallContext context) =>
        reversals.RevokeAsync(request, context.CancellationToken);

    public override Task<RunScreeningResponse> RunScreening(RunScreeningRequest request, ServerCallContext context) =>
        screening.RunAsync(request, context.CancellationToken);

    public override Task<ListAnomalySignalsResponse> ListAnomalySignals(ListAnomalySignalsRequest request, ServerCallContext context) =>
        screening.ListAsync(request, context.CancellationToken);
}
