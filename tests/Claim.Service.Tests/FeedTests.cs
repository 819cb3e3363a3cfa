using Claim.Service.Grpc;
using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Vouchers.Claim.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

[Collection(ClaimCollection.Name)]
public sealed class FeedTests(ClaimFixture fixture)
{
    [Fact]
    public async Task The_feed_is_gap_free_in_order_and_resumes_after_a_cursor()
    {
        var h = await fixture.ResetAsync(Opens.AddMinutes(1));
        var campaign = Campaign([Tier("t50", 5000, 15000)], [Cell("t50", 700)]);
        await h.LoadAsync(campaign);
        await Task.WhenAll(Enumerable.Range(0, 700).Select(i => h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"))));
        await h.PersistAllAsync();
        var feed = new IssuanceFeedGrpcService(new Persistence.IssuanceFeed(h.Fixture.DataSource, h.Clock));

        var all = new CollectingWriter<IssuanceEvent>();
        await feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest(), all, new TestCallContext());
        Assert.Equal(Enumerable.Range(1, 700).Select(i => (long)i), all.Events.Select(e => e.Sequence));
        Assert.All(all.Events, e => Assert.Equal(IssuanceEvent.EventOneofCase.Issued, e.EventCase));
        Assert.Equal(700, all.Events.Select(e => e.Issued.Voucher.VoucherId).Distinct().Count());

        var resumed = new CollectingWriter<IssuanceEvent>();
        await feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest { AfterCursor = all.Events[549].Cursor }, resumed, new TestCallContext());
        Assert.Equal(all.Events.Skip(550).Select(e => e.Sequence), resumed.Events.Select(e => e.Sequence));

        var other = new CollectingWriter<IssuanceEvent>();
        await feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest { CampaignId = "another" }, other, new TestCallContext());
        Assert.Empty(other.Events);

        var malformed = await Refusals.ThrowsAsync(() => feed.StreamIssuanceEvents(new StreamIssuanceEventsRequest { AfterCursor = "garbage" }, new CollectingWriter<IssuanceEvent>(), new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        var ahead = await Refusals.ThrowsAsync(() => feed.StreamIssuanceEvents(
            new StreamIssuanceEventsRequest { AfterCursor = Claim.Service.Persistence.FeedCursor.Format(9999) }, new CollectingWriter<IssuanceEvent>(), new TestCallContext()));
        Assert.Equal(StatusCode.OutOfRange, ahead.StatusCode);
    }
}
