namespace Redemption.Service.Data;

// Row shapes of redemptiondb, for the model the migrations are generated from. The service reads and writes
// through Npgsql (RedemptionStore, FeedStore, …); protobuf payload columns keep each record exactly as answered.

internal sealed class RedemptionRow
{
    public string RedemptionId { get; set; } = "";
    public string IdempotencyKey { get; set; } = "";
    public string VoucherId { get; set; } = "";
    public string CampaignId { get; set; } = "";
    public string MerchantId { get; set; } = "";
    public string StaffId { get; set; } = "";
    public string TierId { get; set; } = "";
    public string CategoryId { get; set; } = "";
    public string TransactionKey { get; set; } = "";
    public string BuyerHash { get; set; } = "";
    public string BuyerPhoneHash { get; set; } = "";
    public short Status { get; set; }
    public short SubsidyExclusion { get; set; }
    public long FaceValueCents { get; set; }
    public long OrderAmountCents { get; set; }
    public long GovernmentShareCents { get; set; }
    public long ThresholdCents { get; set; }
    public DateTime RedeemedAt { get; set; }
    public long Version { get; set; }
    public byte[] Record { get; set; } = [];
}

internal sealed class IdempotencyKeyRow
{
    public string IdempotencyKey { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public byte[] Outcome { get; set; } = [];
    public DateTime CreatedAt { get; set; }
}

internal sealed class AttemptRow
{
    public string IdempotencyKey { get; set; } = "";
    public string RedemptionId { get; set; } = "";
    public string VoucherId { get; set; } = "";
    public string MerchantId { get; set; } = "";
    public string MerchantTradeName { get; set; } = "";
    public DateTime LeaseUntil { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ReversalRow
{
    public string ReversalId { get; set; } = "";
    public string RedemptionId { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public byte[] Reversal { get; set; } = [];
    public DateTime ReversedAt { get; set; }
}

internal sealed class RevocationRow
{
    public string RedemptionId { get; set; } = "";
    public string Reason { get; set; } = "";
    public byte[] Actor { get; set; } = [];
    public DateTime RevokedAt { get; set; }
}

internal sealed class AnomalySignalRow
{
    public string SignalId { get; set; } = "";
    public string CampaignId { get; set; } = "";
    public string MerchantId { get; set; } = "";
    public DateOnly Day { get; set; }
    public short Kind { get; set; }
    public int ScoreBasisPoints { get; set; }
    public byte[] Signal { get; set; } = [];
}

internal sealed class ScreeningRunRow
{
    public string CampaignId { get; set; } = "";
    public DateOnly Day { get; set; }
    public DateTime RanAt { get; set; }
}

internal sealed class FeedEventRow
{
    public long Sequence { get; set; }
    public string CampaignId { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    public byte[] Event { get; set; } = [];
}

internal sealed class FeedCounterRow
{
    public short Id { get; set; }
    public long LastSequence { get; set; }
}
