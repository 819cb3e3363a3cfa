using Grpc.Core;
using Redemption.Service.Feed;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Grpc;

/// <summary>redemption.v1 RedemptionFeedService over <see cref="FeedService"/>.</summary>
public sealed class RedemptionFeedGrpcService(FeedService feed) : RedemptionFeedService.RedemptionFeedServiceBase
{
    public override Task StreamRedemptionEvents(StreamRedemptionEventsRequest request, IServerStreamWriter<RedemptionEvent> responseStream, ServerCallContext context) =>
        feed.StreamAsync(request, responseStream, context.CancellationToken);
}
