using Redemption.Service.Domain;
using VoucherRules;

namespace Redemption.Service.Tests.Unit;

/// <summary>Small builders for the rule tests: a running campaign in Asia/Shanghai, an approved merchant, vouchers.</summary>
internal static class RuleFixtures
{
    public static readonly TimeZoneInfo Shanghai = TimeZones.Resolve();

    public static DateTimeOffset Beijing(int year, int month, int day, int hour = 0, int minute = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.FromHours(8)).ToUniversalTime();

    public static CampaignTerms Campaign(
        long cap = 0,
        RequiredDetail[]? required = null,
        bool refuseMissing = false,
        bool refundReturns = false,
        int voidWindowMinutes = 0,
        bool running = true,
        DateTimeOffset? periodEnd = null) =>
        new(running, periodEnd, cap, required ?? [], refuseMissing, refundReturns, voidWindowMinutes, Shanghai);

    public static MerchantTerms Merchant(MerchantStanding standing = MerchantStanding.Approved, string[]? categories = null, string[]? staff = null) =>
        new(standing, categories ?? ["supermarket", "catering", "appliances"], staff ?? ["staff-1"]);

    public static WalletVoucher Voucher(
        string id,
        long faceCents,
        MinimumSpendRule? minimum = null,
        DateTimeOffset? from = null,
        DateTimeOffset? until = null,
        DailyUsageHours? hours = null,
        WalletVoucherStatus status = WalletVoucherStatus.Unused,
        string[]? categories = null) =>
        new(id,
            new VoucherTerms(faceCents, minimum ?? MinimumSpendRule.Fixed(faceCents * 5), categories is null ? CategoryRestriction.Any : CategoryRestriction.Only(categories)),
            new TimeWindow(from ?? Beijing(2023, 5, 1), until ?? Beijing(2023, 6, 1)),
            status,
            hours,
            Shanghai);

    public static OrderInput Order(long amount, string category = "supermarket", long item = 0, string note = "", string invoice = "") =>
        new(amount, item, category, note, invoice);

    public static DailyUsageHours NineToTen { get; } = new(new WallClock(9, 0), new WallClock(22, 0));
}
