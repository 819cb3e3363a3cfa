using Grpc.Core;
using Vouchers.Redemption.V1;

namespace BackOffice.Campaigns;

/// <summary>Redemptions per campaign and minute, from Redemption's feed (reversals are not subtracted: the chart shows what happened at the tills).</summary>
public sealed class RedemptionActivity(RedemptionFeedService.RedemptionFeedServiceClient feed, ILogger<RedemptionActivity> logger) : FeedActivity(logger)
{
    private string _cursor = string.Empty;

    protected override string FeedName => "redemption";

    protected override async Task ReadAsync(bool follow, CancellationToken cancellationToken)
    {
        using var call = feed.StreamRedemptionEvents(new StreamRedemptionEventsRequest { AfterCursor = _cursor, Follow = follow }, cancellationToken: cancellationToken);
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _cursor = item.Cursor;
            if (item.Kind == RedemptionEventKind.Redeemed && item.Redemption is { } redemption)
            {
                Count(redemption.CampaignId, (redemption.RedeemedAt ?? item.OccurredAt).ToDateTimeOffset());
            }
        }
    }
}
