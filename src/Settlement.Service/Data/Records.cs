namespace Settlement.Service.Data;

// The tables of settlementdb as EF entity types (SettlementModel maps them to snake_case tables and columns).
// Enums are stored as their proto numbers; money is bigint cents; instants are timestamptz (UTC).

/// <summary>The latest Campaign snapshot Settlement holds of a campaign (campaign.v1.CampaignSnapshot bytes).</summary>
public sealed class CampaignSnapshotRecord
{
    public required string CampaignId { get; set; }

    public long SnapshotVersion { get; set; }

    public required byte[] Snapshot { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>
/// How far a feed has been projected: the cursor of the last event whose rows are stored (written in the same
/// transaction as those rows), and the last moment the feed was read to its end.
/// </summary>
public sealed class FeedCursorRecord
{
    public required string Feed { get; set; }

    public required string Cursor { get; set; }

    public long Sequence { get; set; }

    /// <summary>Every event committed before this instant has been projected (start of the last read that reached the end).</summary>
    public DateTimeOffset? CaughtUpTo { get; set; }
}

/// <summary>A redemption as the Redemption feed last described it, plus what settlement did with it.</summary>
public sealed class RedemptionRow
{
    public required string RedemptionId { get; set; }

    public required string CampaignId { get; set; }

    public required string VoucherId { get; set; }

    public required string RoundId { get; set; }

    public required string TierId { get; set; }

    public required string IssuingChannelId { get; set; }

    public required string MerchantId { get; set; }

    public required string MerchantTradeName { get; set; }

    public required string StaffId { get; set; }

    public required string AcquiringChannelId { get; set; }

    public required string ChannelTransactionId { get; set; }

    public required string CategoryId { get; set; }

    public required string InvoiceNumber { get; set; }

    public required string BuyerPhoneHash { get; set; }

    public long FaceValueCents { get; set; }

    public long OrderAmountCents { get; set; }

    public long MerchantCofundingCents { get; set; }

    public long GovernmentShareCents { get; set; }

    /// <summary>redemption.v1.RedemptionStatus.</summary>
    public short Status { get; set; }

    /// <summary>redemption.v1.SubsidyExclusion.</summary>
    public short SubsidyExclusion { get; set; }

    public DateTimeOffset RedeemedAt { get; set; }

    public long Version { get; set; }

    /// <summary>Feed sequence of the event that wrote this row last.</summary>
    public long FeedSequence { get; set; }

    /// <summary>The redemption.v1.RedemptionRecord as received, for the record lists.</summary>
    public required byte[] Record { get; set; }

    /// <summary>The run whose statement counted it; null until settled.</summary>
    public Guid? SettledRunId { get; set; }

    /// <summary>Whether that statement paid its subsidy (a later revocation then claws it back).</summary>
    public bool SettledEarning { get; set; }

    /// <summary>Set once a claw-back adjustment was recorded for it, so it is clawed back once.</summary>
    public bool ClawedBack { get; set; }
}

/// <summary>A voucher as the Claim issuance feed last described it.</summary>
public sealed class VoucherRow
{
    public required string VoucherId { get; set; }

    public required string CampaignId { get; set; }

    public required string RoundId { get; set; }

    public required string TierId { get; set; }

    public required string TierName { get; set; }

    public required string CategoryId { get; set; }

    public required string ChannelId { get; set; }

    public long FaceValueCents { get; set; }

    /// <summary>voucher.v1.VoucherStatus.</summary>
    public short Status { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }

    public DateTimeOffset? ValidUntil { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public required string HolderDisplayName { get; set; }

    public required string HolderPhoneHash { get; set; }

    /// <summary>The holder's masked keys (voucher.v1.MaskedIdentityKey list, serialized as claim.v1.Voucher holder_keys).</summary>
    public required byte[] HolderKeys { get; set; }

    public required string RedemptionId { get; set; }

    public required string MerchantId { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public long FeedSequence { get; set; }
}

/// <summary>A settlement run of one period of one campaign.</summary>
public sealed class SettlementRunRecord
{
    public Guid RunId { get; set; }

    public required string CampaignId { get; set; }

    public short Kind { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public required string RequestId { get; set; }

    public required string RequestFingerprint { get; set; }

    public long RedemptionFeedSequence { get; set; }

    public long IssuanceFeedSequence { get; set; }

    public int StatementCount { get; set; }

    public long RedemptionCount { get; set; }

    public long FaceValueCents { get; set; }

    public long LeveragedSpendCents { get; set; }

    public long GovernmentShareCents { get; set; }

    public long MerchantShareCents { get; set; }

    public long AdjustmentsCents { get; set; }

    public long NetPayableCents { get; set; }

    public Guid PayoutBatchId { get; set; }

    /// <summary>voucher.v1.Actor bytes.</summary>
    public required byte[] RunBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One merchant's statement of a run.</summary>
public sealed class StatementRecord
{
    public Guid StatementId { get; set; }

    public Guid RunId { get; set; }

    public required string CampaignId { get; set; }

    public required string MerchantId { get; set; }

    public required string MerchantTradeName { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public long RedemptionCount { get; set; }

    public long FaceValueCents { get; set; }

    public long LeveragedSpendCents { get; set; }

    public long GovernmentShareCents { get; set; }

    public long MerchantShareCents { get; set; }

    public long AdjustmentsCents { get; set; }

    public long NetPayableCents { get; set; }

    /// <summary>settlement.v1.PayoutStatus.</summary>
    public short PayoutStatus { get; set; }

    public Guid? PayoutBatchId { get; set; }

    public required string HoldReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A statement's net for one issuing channel × funding source.</summary>
public sealed class StatementSplitRecord
{
    public Guid StatementId { get; set; }

    public required string ChannelId { get; set; }

    public required string FundingSourceId { get; set; }

    public long AmountCents { get; set; }
}

/// <summary>An adjustment: pending (no statement yet) or landed on a statement.</summary>
public sealed class AdjustmentRecord
{
    public Guid AdjustmentId { get; set; }

    public required string CampaignId { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>settlement.v1.AdjustmentKind.</summary>
    public short Kind { get; set; }

    public long AmountCents { get; set; }

    public required string RedemptionId { get; set; }

    public required string Reason { get; set; }

    public required byte[] Actor { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Guid? StatementId { get; set; }

    /// <summary>Idempotency key of a manual adjustment; null for those settlement makes itself.</summary>
    public string? RequestId { get; set; }

    public required string RequestFingerprint { get; set; }
}

/// <summary>A payout batch: DRAFT → APPROVED → PAID.</summary>
public sealed class PayoutBatchRecord
{
    public Guid BatchId { get; set; }

    public required string CampaignId { get; set; }

    public Guid? RunId { get; set; }

    /// <summary>settlement.v1.PayoutBatchStatus.</summary>
    public short Status { get; set; }

    public long Version { get; set; }

    public long TotalCents { get; set; }

    public byte[]? ApprovedBy { get; set; }

    public DateTimeOffset? ApprovedAt { get; set; }

    public byte[]? PaidBy { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public required string PaymentReference { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A channel statement file matched against the platform's redemptions.</summary>
public sealed class ReconciliationRecord
{
    public Guid ReconciliationId { get; set; }

    public required string RequestId { get; set; }

    public required string RequestFingerprint { get; set; }

    public required string CampaignId { get; set; }

    public required string ChannelId { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public required string FileName { get; set; }

    public long RowCount { get; set; }

    public required byte[] ImportedBy { get; set; }

    public DateTimeOffset ImportedAt { get; set; }
}

/// <summary>One matched, missing or differing transaction of a reconciliation.</summary>
public sealed class ReconciliationItemRecord
{
    public Guid ReconciliationId { get; set; }

    public long ItemNumber { get; set; }

    /// <summary>settlement.v1.ReconciliationOutcome.</summary>
    public short Outcome { get; set; }

    public long? LineNumber { get; set; }

    public required string ChannelTransactionId { get; set; }

    public string? ChannelVoucherId { get; set; }

    public string? ChannelMerchantNumber { get; set; }

    public long? ChannelVoucherAmountCents { get; set; }

    public long? ChannelOrderAmountCents { get; set; }

    public DateTimeOffset? ChannelOccurredAt { get; set; }

    public string? RedemptionId { get; set; }

    public long? PlatformVoucherAmountCents { get; set; }

    public long? PlatformOrderAmountCents { get; set; }
}
