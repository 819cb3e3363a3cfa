namespace Campaign.Service.Data;

/// <summary>
/// A campaign as one row: the columns searched and filtered on, plus the configuration parts as
/// protobuf JSON (jsonb). The configuration is always read and written as a whole aggregate under
/// one version, so splitting it into a dozen child tables would buy joins and nothing else.
/// </summary>
public sealed class CampaignRecord
{
    public required string Id { get; set; }

    public required string Code { get; set; }

    public string? CreateRequestId { get; set; }

    public string? CreateRequestHash { get; set; }

    public int State { get; set; }

    /// <summary>The aggregate version callers echo as expected_version; EF checks it on every update.</summary>
    public long Version { get; set; }

    /// <summary>
    /// Grows with every change of the campaign or of a merchant enrolled in it; maintained by the
    /// database (a trigger and atomic increments) so concurrent merchant changes never lose a bump.
    /// </summary>
    public long SnapshotVersion { get; set; }

    public required string Name { get; set; }

    public required string Theme { get; set; }

    public required string RegionCode { get; set; }

    public long BudgetCents { get; set; }

    public DateTimeOffset PeriodStartUtc { get; set; }

    public DateTimeOffset PeriodEndUtc { get; set; }

    public required string SettingsJson { get; set; }

    public required string TiersJson { get; set; }

    public required string RoundsJson { get; set; }

    public required string PlanJson { get; set; }

    public string? ClaimRulesJson { get; set; }

    public string? PauseReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public DateTimeOffset? SettledAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}

public sealed class CategoryRecord
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public required string ParentId { get; set; }

    public bool Active { get; set; }

    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class MerchantRecord
{
    public required string Id { get; set; }

    public required string UnifiedCreditCode { get; set; }

    public string? RegisterRequestId { get; set; }

    public string? RegisterRequestHash { get; set; }

    public int Status { get; set; }

    public long Version { get; set; }

    public required string LegalName { get; set; }

    public required string TradeName { get; set; }

    public List<string> CategoryIds { get; set; } = [];

    public required string ProfileJson { get; set; }

    public int RegistrationChannel { get; set; }

    public string? PledgeVersion { get; set; }

    public DateTimeOffset? PledgeSignedAt { get; set; }

    public string? PledgeSignatory { get; set; }

    public string? PledgeEvidence { get; set; }

    public string? StatusReason { get; set; }

    public string? StatusChangedByJson { get; set; }

    public DateTimeOffset? StatusChangedAt { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A merchant on a campaign's approved list (kept after withdrawal for history).</summary>
public sealed class CampaignMerchantRecord
{
    public required string CampaignId { get; set; }

    public required string MerchantId { get; set; }

    public List<string> CategoryIds { get; set; } = [];

    public bool Enrolled { get; set; }

    public DateTimeOffset EnrolledAt { get; set; }

    public DateTimeOffset? WithdrawnAt { get; set; }
}

public sealed class IntegrityPledgeRecord
{
    public required string Version { get; set; }

    public required string Title { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset PublishedAt { get; set; }

    /// <summary>Publication order; the highest is the current pledge.</summary>
    public long Sequence { get; set; }
}

/// <summary>A one-time staff binding code; only its hash is stored.</summary>
public sealed class StaffBindingCodeRecord
{
    public required string CodeHash { get; set; }

    public required string MerchantId { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public string? UsedByStaffId { get; set; }
}

public sealed class StaffRecord
{
    public required string Id { get; set; }

    public required string MerchantId { get; set; }

    public required string AccountId { get; set; }

    public required string Name { get; set; }

    public required string Phone { get; set; }

    public bool Active { get; set; }

    public DateTimeOffset BoundAt { get; set; }

    public DateTimeOffset? UnboundAt { get; set; }

    public required string BindRequestId { get; set; }

    public required string BindRequestHash { get; set; }
}

/// <summary>One append-only audit log line.</summary>
public sealed class AuditRecord
{
    public long Sequence { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required string ActorId { get; set; }

    public required string ActorJson { get; set; }

    public required string Action { get; set; }

    public int Subject { get; set; }

    public required string SubjectId { get; set; }

    public required string CampaignId { get; set; }

    public required string MerchantId { get; set; }

    public long VersionBefore { get; set; }

    public long VersionAfter { get; set; }

    public required string Reason { get; set; }

    public required string BeforeJson { get; set; }

    public required string AfterJson { get; set; }
}
