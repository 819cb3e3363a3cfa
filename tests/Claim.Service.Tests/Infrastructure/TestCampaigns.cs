using Google.Protobuf.WellKnownTypes;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>Campaign snapshots as the Campaign service would send them: test data, built per test.</summary>
public static class TestCampaigns
{
    public static readonly DateTimeOffset Opens = new(2023, 4, 22, 2, 0, 0, TimeSpan.Zero); // 10:00 in Asia/Shanghai

    public static TierDefinition Tier(string id, long faceCents, long minimumCents) => new()
    {
        TierId = id,
        Name = $"满{minimumCents / 100}减{faceCents / 100}",
        FaceValueCents = faceCents,
        MinimumSpend = new MinimumSpendRule { FixedCents = minimumCents, Scope = SpendScope.Order },
    };

    public static AllocationCell Cell(string tier, long quantity, string category = "", string channel = "") =>
        new() { TierId = tier, Quantity = quantity, CategoryId = category, ChannelId = channel };

    /// <summary>A running first-come campaign with one round opening at <see cref="Opens"/>, vouchers valid 7 calendar days.</summary>
    public static CampaignSnapshot Campaign(
        IEnumerable<TierDefinition> tiers,
        IEnumerable<AllocationCell> cells,
        IEnumerable<Vouchers.Campaign.V1.ClaimLimit>? limits = null,
        IEnumerable<IdentityKeyKind>? personKeys = null,
        long version = 1,
        string? campaignId = null)
    {
        var round = new RoundDefinition
        {
            RoundId = "r1",
            Sequence = 1,
            Name = "第一批",
            ClaimOpensAtUtc = Timestamp.FromDateTimeOffset(Opens),
            Validity = new ValidityRule { DaysFromClaim = new DaysFromClaim { Days = 7, Counting = ValidityDayCounting.CalendarDays } },
            Allocation = new AllocationMatrix { Cells = { cells } },
            State = RoundState.Open,
        };
        var details = new CampaignDetails
        {
            CampaignId = campaignId ?? "camp-" + Guid.NewGuid().ToString("N")[..8],
            Version = version,
            State = CampaignState.Running,
            Settings = new CampaignSettings { Name = "测试活动", TimeZone = "Asia/Shanghai" },
            Tiers = { tiers },
            Rounds = { round },
            ClaimRules = new ClaimRules
            {
                Mode = ClaimMode.FirstComeFirstServed,
                Limits = { limits ?? [new Vouchers.Campaign.V1.ClaimLimit { LimitId = "one-per-round", Scope = LimitScope.PerRound, MaxClaims = 1 }] },
                PersonKeys = { personKeys ?? [IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.NationalId, IdentityKeyKind.DeviceId] },
                EnforceBlockList = true,
            },
            PeriodEndUtc = Timestamp.FromDateTimeOffset(Opens.AddDays(60)),
        };
        return new CampaignSnapshot { CampaignId = details.CampaignId, SnapshotVersion = version, Campaign = details, GeneratedAt = Timestamp.FromDateTimeOffset(Opens.AddDays(-1)) };
    }

    public static PersonIdentity Person(int n, string? phone = null, string? device = null) => new()
    {
        ChannelId = "unionpay",
        ChannelAccountId = "acct-" + n,
        Phone = phone ?? $"139{n:00000000}",
        DeviceId = device ?? "dev-" + n,
        DisplayName = "张*",
    };

    public static ClaimVoucherRequest ClaimFor(CampaignSnapshot campaign, PersonIdentity person, string tier, string? requestId = null, string category = "") => new()
    {
        RequestId = requestId ?? Guid.NewGuid().ToString(),
        CampaignId = campaign.CampaignId,
        TierId = tier,
        CategoryId = category,
        Person = person,
    };
}
