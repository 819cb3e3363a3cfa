using Grpc.Core;
using Vouchers.Settlement.V1;
using UnavailableException = VoucherRules.UnavailableException;

namespace Redemption.Service.Peers;

/// <summary>The payout batch that paid a redemption's subsidy out, when one did.</summary>
public sealed record PaidOut(string BatchId, DateTimeOffset PaidAt);

/// <summary>
/// The Settlement service as Redemption uses it: before a till reverses a redemption, whether settlement has paid
/// its subsidy out already. Only reversals ask; the redeem path never does. A Settlement that cannot be reached is
/// the domain's UNAVAILABLE, so the reversal changes nothing and the till retries with the same reversal id.
/// </summary>
public sealed class SettlementGateway(IServiceProvider services)
{
    private const string Unreachable = "结算服务暂时无法连接，请稍后用同一撤销单号重试 (the Settlement service cannot be reached; retry with the same reversal_id)";

    private SettlementService.SettlementServiceClient Settlement =>
        services.GetService<SettlementService.SettlementServiceClient>() ?? throw new UnavailableException(Unreachable);

    /// <summary>The PAID batch the redemption is in, or null when it is in none (not settled, held, or in a batch not paid yet).</summary>
    public async Task<PaidOut?> FindPaidOutAsync(string redemptionId, CancellationToken cancellationToken)
    {
        GetRedemptionSettlementResponse response;
        try
        {
            response = await Settlement.GetRedemptionSettlementAsync(
                new GetRedemptionSettlementRequest { RedemptionIds = { redemptionId } }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            // Any failure to get an answer (down, overloaded, or refusing this service's token) leaves the
            // reversal undecided: it must not go ahead unchecked, and it is not the till's mistake.
            throw new UnavailableException(Unreachable, ex);
        }

        var standing = response.Redemptions.SingleOrDefault(r => r.RedemptionId == redemptionId);
        return standing is { Stage: RedemptionSettlementStage.InPayoutBatch, PayoutBatchStatus: PayoutBatchStatus.Paid }
            ? new PaidOut(standing.PayoutBatchId, standing.PaidAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
            : null;
    }
}
