using Grpc.Core;
using Vouchers.Claim.V1;

namespace BackOffice.Campaigns;

/// <summary>Claims per campaign and minute, from Claim's issuance feed.</summary>
public sealed class ClaimActivity(IssuanceFeedService.IssuanceFeedServiceClient feed, ILogger<ClaimActivity> logger) : FeedActivity(logger)
{
    private string _cursor = string.Empty;

    protected override string FeedName => "issuance";

    protected override async Task ReadAsync(bool follow, CancellationToken cancellationToken)
    {
        using var call = feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest { AfterCursor = _cursor, Follow = follow }, cancellationToken: cancellationToken);
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _cursor = item.Cursor;
            if (item.EventCase == IssuanceEvent.EventOneofCase.Issued)
            {
                Count(item.CampaignId, (item.Issued.Voucher?.ClaimedAt ?? item.OccurredAt).ToDateTimeOffset());
            }
        }
    }
}
