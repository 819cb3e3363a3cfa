using Claim.Service.Persistence;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ServiceDefaults;
using Vouchers.Claim.V1;

namespace Claim.Service.Grpc;

/// <summary>claim.v1 IssuanceFeedService: writes what <see cref="IssuanceFeed"/> reads, event by event.</summary>
// The feed carries every person's vouchers: only the platform's own services (Settlement, reports) read it.
[Authorize(Roles = Roles.System)]
public sealed class IssuanceFeedGrpcService(IssuanceFeed feed) : IssuanceFeedService.IssuanceFeedServiceBase
{
    public override async Task StreamIssuanceEvents(StreamIssuanceEventsRequest request, IServerStreamWriter<IssuanceEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        await foreach (var e in feed.ReadAsync(request, context.CancellationToken))
        {
            await responseStream.WriteAsync(e);
        }
    }
}
