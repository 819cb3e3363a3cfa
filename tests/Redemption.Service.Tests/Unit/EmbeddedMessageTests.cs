using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Redemption.Service.Storage;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Tests.Unit;

public class EmbeddedMessageTests
{
    private static RedemptionRecord Record() => new()
    {
        RedemptionId = "rdm-1",
        VoucherId = "v-1",
        CampaignId = "cmp-1",
        MerchantId = "m-1",
        MerchantTradeName = "好又多超市",
        FaceValueCents = 2000,
        OrderAmountCents = 40_000,
        RedeemedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2023, 5, 2, 4, 0, 0, TimeSpan.Zero)),
        Version = 1,
        MissingDetails = { Vouchers.Campaign.V1.RedemptionDetail.InvoiceNumber },
    };

    [Fact]
    public void A_stored_answer_built_from_the_record_bytes_reads_back_as_the_answer_serialised_whole()
    {
        var record = Record();

        var bytes = EmbeddedMessage.Write(new RedeemOutcome(), RedeemOutcome.RedemptionFieldNumber, record.ToByteArray());

        Assert.Equal(new RedeemOutcome { Redemption = record }, RedeemOutcome.Parser.ParseFrom(bytes));
        Assert.Equal(new RedeemOutcome { Redemption = record }.ToByteArray(), bytes);
    }

    [Fact]
    public void A_feed_event_built_from_the_record_bytes_keeps_its_own_fields_and_the_record()
    {
        var record = Record();
        var head = new RedemptionEvent { OccurredAt = record.RedeemedAt, Kind = RedemptionEventKind.Redeemed };

        var bytes = EmbeddedMessage.Write(head, RedemptionEvent.RedemptionFieldNumber, record.ToByteArray());

        Assert.Equal(new RedemptionEvent { OccurredAt = record.RedeemedAt, Kind = RedemptionEventKind.Redeemed, Redemption = record }, RedemptionEvent.Parser.ParseFrom(bytes));
    }
}
