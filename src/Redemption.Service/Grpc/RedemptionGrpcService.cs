using Grpc.Core;
using Redemption.Service.Records;
using Redemption.Service.Redeeming;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Grpc;

/// <summary>redemption.v1 RedemptionService: each call one use case of <see cref="RedeemService"/>, <see cref="ReversalService"/> or <see cref="QueryService"/>.</summary>
public sealed class RedemptionGrpcService(RedeemService redeem, ReversalService reversals, QueryService queries) : RedemptionService.RedemptionServiceBase
{
    public override Task<QuoteRedemptionResponse> QuoteRedemption(QuoteRedemptionRequest request, ServerCallContext context) =>
        redeem.QuoteAsync(request, context.CancellationToken);

    public override Task<RedeemOutcome> Redeem(RedeemRequest request, ServerCallContext context) =>
        redeem.RedeemAsync(request, context.CancellationToken);

    public override Task<RedemptionRecord> ReverseRedemption(ReverseRedemptionRequest request, ServerCallContext context) =>
        reversals.ReverseAsync(request, context.CancellationToken);

    public override Task<RedemptionRecord> GetRedemption(GetRedemptionRequest request, ServerCallContext context) =>
        queries.GetAsync(request, context.CancellationToken);

    public override Task<ListRedemptionsResponse> ListRedemptions(ListRedemptionsRequest request, ServerCallContext context) =>
        queries.ListAsync(request, context.CancellationToken);
}
