using Redemption.Service.Domain;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Rules = VoucherRules;

namespace Redemption.Service.Redeeming;

/// <summary>Translations between the contracts (claim.v1 vouchers, redemption.v1 answers) and the domain rules.</summary>
public static class VoucherReading
{
    public static Rules.WalletVoucher Facts(Voucher voucher)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        var minimum = voucher.MinimumSpend ?? new Vouchers.Common.V1.MinimumSpendRule();
        var scope = minimum.Scope == Vouchers.Common.V1.SpendScope.SingleItem ? Rules.SpendScope.SingleItem : Rules.SpendScope.Order;
        var rule = minimum.ThresholdCase == Vouchers.Common.V1.MinimumSpendRule.ThresholdOneofCase.FaceValueMultipleBasisPoints
            ? Rules.MinimumSpendRule.MultipleOfFaceValue(minimum.FaceValueMultipleBasisPoints, scope)
            : Rules.MinimumSpendRule.Fixed(minimum.FixedCents, scope);
        var categories = voucher.Categories is { CategoryIds.Count: > 0 } restriction
            ? Rules.CategoryRestriction.Only([.. restriction.CategoryIds])
            : Rules.CategoryRestriction.Any;
        var hours = voucher.DailyUsageHours is { Start: not null, End: not null } window
            ? new Rules.DailyUsageHours(new Rules.WallClock(window.Start.Hour, window.Start.Minute), new Rules.WallClock(window.End.Hour, window.End.Minute))
            : null;
        var status = voucher.Status switch
        {
            VoucherStatus.Used => Rules.WalletVoucherStatus.Used,
            VoucherStatus.Expired => Rules.WalletVoucherStatus.Expired,
            VoucherStatus.Revoked => Rules.WalletVoucherStatus.Revoked,
            VoucherStatus.Locked => Rules.WalletVoucherStatus.Locked,
            _ => Rules.WalletVoucherStatus.Unused,
        };
        return new Rules.WalletVoucher(
            voucher.VoucherId,
            new Rules.VoucherTerms(voucher.FaceValueCents, rule, categories),
            new Rules.TimeWindow(voucher.ValidFrom?.ToDateTimeOffset() ?? DateTimeOffset.MinValue, voucher.ValidUntil?.ToDateTimeOffset()),
            status,
            hours,
            Rules.TimeZones.Resolve(string.IsNullOrWhiteSpace(voucher.TimeZone) ? null : voucher.TimeZone));
    }

    public static OrderInput Order(OrderDetails? order) =>
        order is null
            ? new OrderInput(0, 0, string.Empty, string.Empty, string.Empty)
            : new OrderInput(order.OrderAmountCents, order.QualifyingItemAmountCents, order.CategoryId, order.Note, order.InvoiceNumber);

    public static RedemptionRefusalReason ToProto(RefusalReason reason) => (RedemptionRefusalReason)(int)reason;

    /// <summary>Claim's reason a voucher could not be held, as a redemption refusal.</summary>
    public static RefusalReason FromLock(VoucherUnavailableReason reason) => reason switch
    {
        VoucherUnavailableReason.Used => RefusalReason.VoucherUsed,
        VoucherUnavailableReason.Expired => RefusalReason.VoucherExpired,
        VoucherUnavailableReason.Revoked => RefusalReason.VoucherRevoked,
        VoucherUnavailableReason.Locked => RefusalReason.VoucherLocked,
        VoucherUnavailableReason.NotYetValid => RefusalReason.NotYetValid,
        VoucherUnavailableReason.NotHolder => RefusalReason.NotHolder,
        VoucherUnavailableReason.OutsideUsageHours => RefusalReason.OutsideUsageHours,
        _ => RefusalReason.VoucherNotFound,
    };

    /// <summary>The sentence a till shows for a refusal, as is.</summary>
    public static string Message(RefusalReason reason) => reason switch
    {
        RefusalReason.VoucherNotFound => "未找到该消费券",
        RefusalReason.CodeExpired => "付款码已过期，请刷新后重试",
        RefusalReason.VoucherUsed => "该消费券已使用",
        RefusalReason.VoucherExpired => "该消费券已过期",
        RefusalReason.VoucherRevoked => "该消费券已作废",
        RefusalReason.VoucherLocked => "该消费券正在另一笔交易中使用",
        RefusalReason.NotYetValid => "该消费券尚未到使用时间",
        RefusalReason.OutsideUsageHours => "当前不在消费券使用时段内",
        RefusalReason.NotHolder => "该消费券不属于出示人，不可转让",
        RefusalReason.MerchantNotApproved => "本商户不在该活动的参与商户名单中",
        RefusalReason.MerchantSuspended => "本商户已被暂停核销",
        RefusalReason.StaffNotBound => "收银员未绑定本商户",
        RefusalReason.CategoryNotAllowed => "该品类不可使用此消费券",
        RefusalReason.BelowMinimumSpend => "未达到使用门槛",
        RefusalReason.OverTransactionCap => "超过单笔交易可用券额上限",
        RefusalReason.MissingDetails => "缺少活动要求登记的信息（如发票号）",
        RefusalReason.CampaignNotRunning => "活动未在进行中",
        RefusalReason.NoQualifyingVoucher => "没有可用于本订单的消费券",
        RefusalReason.TransactionAlreadyHasVoucher => "该笔交易已使用过消费券，每笔交易限用一张",
        RefusalReason.CampaignUnknown => "活动信息尚未同步，请稍后重试",
        _ => "无法核销",
    };

    public static RedemptionRefusal Refusal(RefusalReason reason, string voucherId = "", Verdict? verdict = null)
    {
        var refusal = new RedemptionRefusal { Reason = ToProto(reason), Message = Message(reason), VoucherId = voucherId };
        if (reason == RefusalReason.BelowMinimumSpend && verdict is not null)
        {
            refusal.RequiredAmountCents = verdict.RequiredAmountCents;
        }

        if (reason is RefusalReason.OutsideUsageHours or RefusalReason.NotYetValid && verdict?.UsableFrom is { } from)
        {
            refusal.UsableFrom = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from);
        }

        return refusal;
    }

    public static string BuyerHash(Voucher voucher, IdentityKeyKind kind) =>
        voucher?.HolderKeys.FirstOrDefault(k => k.Kind == kind)?.KeyHash ?? string.Empty;
}
