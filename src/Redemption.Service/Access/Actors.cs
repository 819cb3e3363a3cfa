using Vouchers.Common.V1;
using PermissionDeniedException = VoucherRules.PermissionDeniedException;

namespace Redemption.Service.Access;

/// <summary>
/// Every permission decision of the service, from the request's actor, in one place (so the actor can later come from
/// a validated token without touching the use cases). Merchants act only for themselves; channels redeem for their
/// users; operators run the admin calls; auditors and finance read.
/// </summary>
public static class Actors
{
    private static readonly ActorRole[] BackOfficeWriters = [ActorRole.Operator, ActorRole.System];
    private static readonly ActorRole[] BackOfficeReaders = [ActorRole.Operator, ActorRole.Auditor, ActorRole.Finance, ActorRole.System];

    /// <summary>
    /// Whether the actor's role may ever quote or redeem, checked before the request is validated: the back office and
    /// consumers hear PERMISSION_DENIED whatever their request holds.
    /// </summary>
    public static void RequireMayRedeem(Actor? actor)
    {
        if (Require(actor).Role is not (ActorRole.Merchant or ActorRole.Channel or ActorRole.System))
        {
            throw new PermissionDeniedException("只有商户收银员或支付渠道可以核销 (only a merchant's staff or a channel may redeem)");
        }
    }

    /// <summary>Quote and redeem: the merchant's own staff, a channel, or the platform.</summary>
    public static void RequireRedeemer(Actor? actor, string merchantId)
    {
        var who = Require(actor);
        switch (who.Role)
        {
            case ActorRole.Merchant:
                RequireOwnMerchant(who, merchantId);
                return;
            case ActorRole.Channel or ActorRole.System:
                return;
            default:
                throw new PermissionDeniedException("只有商户收银员或支付渠道可以核销 (only a merchant's staff or a channel may redeem)");
        }
    }

    /// <summary>Whether a channel applies the voucher (no cashier is named then).</summary>
    public static bool IsChannel(Actor? actor) => actor?.Role == ActorRole.Channel;

    /// <summary>Reversals: the merchant's own staff, the channel that carried the payment, an operator or the platform.</summary>
    public static void RequireReverser(Actor? actor, string merchantId, string acquiringChannelId) =>
        RequireOwnerOr(actor, merchantId, acquiringChannelId, BackOfficeWriters, "无权撤销该核销 (this actor may not reverse the redemption)");

    /// <summary>Reading one redemption: its merchant, its channel, or the back office.</summary>
    public static void RequireReader(Actor? actor, string merchantId, string acquiringChannelId) =>
        RequireOwnerOr(actor, merchantId, acquiringChannelId, BackOfficeReaders, "无权查看该核销记录 (this actor may not read the redemption)");

    /// <summary>Listing: a merchant lists only itself and must say so; the back office lists anyone.</summary>
    public static void RequireLister(Actor? actor, string merchantId)
    {
        var who = Require(actor);
        switch (who.Role)
        {
            case ActorRole.Merchant when merchantId.Length == 0:
                throw new PermissionDeniedException("商户只能查询本商户的核销记录，请填写 merchant_id (a merchant must name itself in merchant_id)");
            case ActorRole.Merchant:
                RequireOwnMerchant(who, merchantId);
                return;
            case ActorRole.Operator or ActorRole.Auditor or ActorRole.Finance or ActorRole.System:
                return;
            default:
                throw new PermissionDeniedException("无权查询核销记录 (this actor may not list redemptions)");
        }
    }

    /// <summary>
    /// Whether the actor's role may ever reverse a redemption, checked before the request is validated or the record
    /// loaded: a role that never may (auditor, finance, consumer) hears PERMISSION_DENIED, not a remark on its request.
    /// </summary>
    public static void RequireMayReverse(Actor? actor)
    {
        if (Require(actor).Role is not (ActorRole.Merchant or ActorRole.Channel) && !BackOfficeWriters.Contains(actor!.Role))
        {
            throw new PermissionDeniedException("无权撤销核销 (this actor may not reverse redemptions)");
        }
    }

    /// <summary>Whether the actor's role may ever read a redemption (consumers may not), checked before anything else.</summary>
    public static void RequireMayRead(Actor? actor)
    {
        if (Require(actor).Role is not (ActorRole.Merchant or ActorRole.Channel) && !BackOfficeReaders.Contains(actor!.Role))
        {
            throw new PermissionDeniedException("无权查看核销记录 (this actor may not read redemptions)");
        }
    }

    /// <summary>Revocation and screening runs.</summary>
    public static void RequireOperator(Actor? actor)
    {
        if (Require(actor).Role is not (ActorRole.Operator or ActorRole.System))
        {
            throw new PermissionDeniedException("需要运营方 (operator) 身份 (an operator actor is required)");
        }
    }

    /// <summary>Reading anomaly signals: operators and auditors.</summary>
    public static void RequireSignalReader(Actor? actor)
    {
        if (Require(actor).Role is not (ActorRole.Operator or ActorRole.Auditor or ActorRole.System))
        {
            throw new PermissionDeniedException("需要运营方或审计身份 (an operator or auditor actor is required)");
        }
    }

    /// <summary>The redemption's own merchant, the channel that carried its payment, or one of <paramref name="others"/>.</summary>
    private static void RequireOwnerOr(Actor? actor, string merchantId, string acquiringChannelId, ActorRole[] others, string refusal)
    {
        var who = Require(actor);
        if (who.Role == ActorRole.Merchant)
        {
            RequireOwnMerchant(who, merchantId);
        }
        else if (!(who.Role == ActorRole.Channel && acquiringChannelId.Length > 0 && string.Equals(who.ChannelId, acquiringChannelId, StringComparison.Ordinal))
            && !others.Contains(who.Role))
        {
            throw new PermissionDeniedException(refusal);
        }
    }

    private static Actor Require(Actor? actor) =>
        actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role == ActorRole.Unspecified
            ? throw new PermissionDeniedException("请求缺少操作人 (the request names no actor with a role)")
            : actor;

    private static void RequireOwnMerchant(Actor actor, string merchantId)
    {
        if (!string.Equals(actor.MerchantId, merchantId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("不能操作其他商户的核销 (merchant staff may act only for their own merchant)");
        }
    }
}
