using Google.Protobuf.WellKnownTypes;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using VoucherRules;
using CampaignState = Vouchers.Campaign.V1.CampaignState;
using FundingSource = Vouchers.Campaign.V1.FundingSource;
using AllocationCell = Vouchers.Campaign.V1.AllocationCell;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>The seed campaigns as Campaign's snapshots describe them (DOMAIN.md "The five seed campaigns"), and redemptions.</summary>
public static class Seeds
{
    public const string IdentitySecret = "settlement-tests-identity-secret";

    public static readonly Actor Operator = new() { ActorId = "op-1", Role = ActorRole.Operator, DisplayName = "Bureau" };
    public static readonly Actor Finance = new() { ActorId = "fin-1", Role = ActorRole.Finance, DisplayName = "Treasury" };
    public static readonly Actor Auditor = new() { ActorId = "aud-1", Role = ActorRole.Auditor, DisplayName = "Audit" };

    public static Actor Merchant(string merchantId) => new() { ActorId = "owner-" + merchantId, Role = ActorRole.Merchant, MerchantId = merchantId };

    public static DateTimeOffset Shanghai(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    /// <summary>S5 张店 2023: 500,000, government 85 % / merchant 15 %, invoices required, paid weekly (weeks close on Sunday).</summary>
    public static CampaignSnapshot S5(params (string Id, MerchantStatus Status)[] merchants) => Snapshot(
        "s5-zhangdian",
        Shanghai(2023, 4, 22, 10),
        Shanghai(2023, 5, 23),
        50_000_000,
        [("zhangdian", "张店区财政", 50_000_000)],
        new SettlementPolicy { Cadence = SettlementCadence.Weekly, WeekClosingDay = 7, InvoiceRequired = true },
        [("t-200", "满2000减200", 20_000, 3_000), ("t-100", "满1000减100", 10_000, 1_500)],
        merchants,
        CampaignState.Running);

    /// <summary>S2 乾安 2022: 1,570,000 fully government-funded, one final run a month (30 days) after the end.</summary>
    public static CampaignSnapshot S2(CampaignState state, params (string Id, MerchantStatus Status)[] merchants) => Snapshot(
        "s2-qianan",
        Shanghai(2022, 9, 1),
        Shanghai(2022, 10, 6),
        157_000_000,
        [("qianan", "乾安县财政", 157_000_000)],
        new SettlementPolicy { Cadence = SettlementCadence.AfterCampaign, DaysAfterEnd = 30 },
        [("t-20", "20", 2_000, 0), ("t-50", "50", 5_000, 0), ("t-100", "100", 10_000, 0), ("t-200", "200", 20_000, 0), ("t-500", "500", 50_000, 0)],
        merchants,
        state);

    /// <summary>S1 华亭 2023: 400,000 from city 200,000 and county 200,000; 云闪付 300,000, 翼支付 100,000.</summary>
    public static CampaignSnapshot S1(params (string Id, MerchantStatus Status)[] merchants) => Snapshot(
        "s1-huating",
        Shanghai(2023, 3, 1),
        Shanghai(2023, 4, 1),
        40_000_000,
        [("city", "平凉市财政", 20_000_000), ("county", "华亭市财政", 20_000_000)],
        new SettlementPolicy { Cadence = SettlementCadence.Weekly, WeekClosingDay = 7 },
        [("t-10", "满30减10", 1_000, 0), ("t-20", "满60减20", 2_000, 0), ("t-50", "满150减50", 5_000, 0)],
        merchants,
        CampaignState.Running);

    private static CampaignSnapshot Snapshot(
        string id,
        DateTimeOffset start,
        DateTimeOffset end,
        long budget,
        (string Id, string Name, long Amount)[] funding,
        SettlementPolicy policy,
        (string Id, string Name, long Face, long Cofunding)[] tiers,
        (string Id, MerchantStatus Status)[] merchants,
        CampaignState state)
    {
        var settings = new CampaignSettings
        {
            Code = id,
            Name = id,
            Organizer = "商务局",
            RegionName = id,
            TimeZone = "Asia/Shanghai",
            BudgetCents = budget,
            SettlementPolicy = policy,
            RemainderPolicy = RemainderPolicy.ReturnToTreasury,
        };
        settings.FundingSources.AddRange(funding.Select(f => new FundingSource { FundingSourceId = f.Id, Name = f.Name, AmountCents = f.Amount }));
        settings.Categories.Add(new CampaignCategory { CategoryId = "retail" });
        var details = new CampaignDetails
        {
            CampaignId = id,
            Version = 1,
            State = state,
            Settings = settings,
            PeriodStartUtc = Timestamp.FromDateTimeOffset(start),
            PeriodEndUtc = Timestamp.FromDateTimeOffset(end),
            AllocationPlan = new AllocationMatrix(),
        };
        details.Tiers.AddRange(tiers.Select(t => new TierDefinition { TierId = t.Id, Name = t.Name, FaceValueCents = t.Face, MerchantCofundingCents = t.Cofunding }));
        details.AllocationPlan.Cells.AddRange(tiers.Select(t => new AllocationCell { TierId = t.Id, CategoryId = "retail", Quantity = 100 }));
        var snapshot = new CampaignSnapshot { CampaignId = id, SnapshotVersion = 1, Campaign = details, GeneratedAt = Timestamp.FromDateTimeOffset(start) };
        snapshot.Merchants.AddRange(merchants.Select(m => new SnapshotMerchant { MerchantId = m.Id, TradeName = "shop " + m.Id, Status = m.Status }));
        return snapshot;
    }

    /// <summary>A new version of a snapshot with one merchant's status changed.</summary>
    public static CampaignSnapshot WithMerchantStatus(CampaignSnapshot snapshot, string merchantId, MerchantStatus status)
    {
        var next = snapshot.Clone();
        next.SnapshotVersion++;
        next.Merchants.Single(m => m.MerchantId == merchantId).Status = status;
        return next;
    }

    private static int counter;

    /// <summary>A completed redemption as Redemption records it: co-funding from the tier, the government the rest.</summary>
    public static RedemptionRecord Redeemed(
        CampaignSnapshot campaign,
        string merchantId,
        string tierId,
        DateTimeOffset at,
        long orderCents,
        string issuingChannel = "unionpay",
        string invoice = "INV",
        string? transactionId = null,
        SubsidyExclusion exclusion = SubsidyExclusion.Unspecified)
    {
        var tier = campaign.Campaign.Tiers.Single(t => t.TierId == tierId);
        var n = Interlocked.Increment(ref counter);
        var record = new RedemptionRecord
        {
            RedemptionId = $"red-{n:D6}",
            IdempotencyKey = Guid.NewGuid().ToString(),
            VoucherId = $"v-{n:D6}",
            CampaignId = campaign.CampaignId,
            RoundId = "r1",
            TierId = tierId,
            IssuingChannelId = issuingChannel,
            MerchantId = merchantId,
            MerchantTradeName = "shop " + merchantId,
            StaffId = "staff-" + merchantId,
            AcquiringChannelId = issuingChannel,
            ChannelTransactionId = transactionId ?? $"tx-{n:D6}",
            FaceValueCents = tier.FaceValueCents,
            OrderAmountCents = orderCents,
            PaidCents = orderCents - tier.FaceValueCents,
            CategoryId = "retail",
            InvoiceNumber = invoice,
            MerchantCofundingCents = tier.MerchantCofundingCents,
            GovernmentShareCents = tier.FaceValueCents - tier.MerchantCofundingCents,
            Status = RedemptionStatus.Completed,
            SubsidyExclusion = exclusion,
            RedeemedAt = Timestamp.FromDateTimeOffset(at),
            Version = 1,
        };
        record.BuyerKeys.Add(new MaskedIdentityKey { Kind = Vouchers.Common.V1.IdentityKeyKind.Phone, MaskedValue = "138****0000", KeyHash = PhoneHash("13800000000") });
        return record;
    }

    public static string PhoneHash(string phone) =>
        IdentityHashing.Hash(new VoucherRules.PersonIdentity(string.Empty, string.Empty, Phone: phone), [VoucherRules.IdentityKeyKind.Phone], System.Text.Encoding.UTF8.GetBytes(IdentitySecret))[0].Hash;

    /// <summary>The redemption after the operator revoked it.</summary>
    public static RedemptionRecord Revoked(RedemptionRecord record)
    {
        var next = record.Clone();
        next.Status = RedemptionStatus.Revoked;
        next.SubsidyExclusion = SubsidyExclusion.Revoked;
        next.Version++;
        next.Revocation = new Revocation { Reason = "fraud", Actor = Operator, RevokedAt = Timestamp.FromDateTimeOffset(record.RedeemedAt.ToDateTimeOffset().AddDays(1)) };
        return next;
    }
}
