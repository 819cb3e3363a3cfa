namespace Claim.Service.Data;

// The tables of claimdb as EF entity types: the model dotnet-ef generates the migrations from (ClaimModel). The service
// reads and writes these tables with Npgsql directly (the persister's multi-row inserts, the usage calls' conditional
// updates, keyset pages), so these classes describe rows rather than being loaded; column order follows declaration
// order, keys first.

/// <summary>A voucher in a consumer's wallet, from the persister's insert to its end (used, expired, revoked).</summary>
public sealed class VoucherRecord
{
    public required string VoucherId { get; set; }

    public required string RequestId { get; set; }

    public required string CampaignId { get; set; }

    public required string RoundId { get; set; }

    public required string TierId { get; set; }

    public required string CategoryId { get; set; }

    public required string ChannelId { get; set; }

    public required string HolderAccountHash { get; set; }

    public long FaceValueCents { get; set; }

    /// <summary>voucher.v1.VoucherStatus as its number (1 unused, 2 locked, 3 used, 4 expired, 5 revoked).</summary>
    public short Status { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }

    public DateTimeOffset ValidFrom { get; set; }

    public DateTimeOffset? ValidUntil { get; set; }

    public bool Drawn { get; set; }

    /// <summary>The issued voucher as the protobuf message the consumer was answered with.</summary>
    public required byte[] Issued { get; set; }

    public required string StreamId { get; set; }

    public long Version { get; set; }

    public string? LockId { get; set; }

    public DateTimeOffset? LockExpiresAt { get; set; }

    public string? RedemptionId { get; set; }

    public string? MerchantId { get; set; }

    public string? MerchantTradeName { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? RevokeReason { get; set; }
}

/// <summary>One entry of the issuance feed; the sequence is assigned by the persister, not by the database.</summary>
public sealed class IssuanceEventRecord
{
    public long Sequence { get; set; }

    public required string CampaignId { get; set; }

    public required string VoucherId { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required byte[] Payload { get; set; }
}

/// <summary>A voucher consumed by a redemption; at most one live (unreversed) consumption per voucher.</summary>
public sealed class VoucherConsumptionRecord
{
    public required string RedemptionId { get; set; }

    public required string VoucherId { get; set; }

    public DateTimeOffset ConsumedAt { get; set; }

    public DateTimeOffset? ReversedAt { get; set; }
}

/// <summary>A consumed voucher given back by a reversal.</summary>
public sealed class VoucherReinstatementRecord
{
    public required string ReversalId { get; set; }

    public required string VoucherId { get; set; }

    public required string RedemptionId { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset ReinstatedAt { get; set; }
}

/// <summary>A short-lived code a consumer shows at the till in place of the voucher id.</summary>
public sealed class PresentationCodeRecord
{
    public required string Token { get; set; }

    public required string VoucherId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? ReplacedAt { get; set; }
}

/// <summary>An identity blocked from claiming (the scalper list), with who added and who removed it.</summary>
public sealed class BlockListEntryRecord
{
    public required string EntryId { get; set; }

    /// <summary>The protobuf IdentityKeyKind as its number.</summary>
    public short Kind { get; set; }

    public required string KeyHash { get; set; }

    public required string MaskedValue { get; set; }

    public required string CampaignId { get; set; }

    public required string Reason { get; set; }

    /// <summary>The operator who added the entry, as a protobuf message.</summary>
    public required byte[] AddedBy { get; set; }

    public DateTimeOffset AddedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RemovedAt { get; set; }

    public string? RemovalReason { get; set; }
}
