using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Redemption.Service.Feed;
using ServiceDefaults;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Grpc;

/// <summary>redemption.v1 RedemptionFeedService over <see cref="FeedService"/>.</summary>
[Authorize(Roles = Roles.System)]
public sealed class RedemptionFeedGrpcService(FeedService feed) : RedemptionFeedService.RedemptionFeedServiceBase
{
    public override Task StreamRedemptionEvents(StreamRedemptionEventsRequest request, IServerStreamWriter<RedemptionEvent> responseStream, ServerCallContext context) =>
        feed.StreamAsync(request, responseStream, context.CancellationToken);
}
