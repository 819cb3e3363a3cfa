using Vouchers.Common.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// Every permission decision of the Settlement service, from the request's actor (the gateway authenticates and
/// fills it in; once it comes from a validated token only this class changes). SYSTEM, the platform's own jobs,
/// may do everything.
/// </summary>
public static class Access
{
    private static readonly ActorRole[] Settlers = [ActorRole.Operator, ActorRole.Finance];
    private static readonly ActorRole[] Readers = [ActorRole.Operator, ActorRole.Finance, ActorRole.Auditor];

    /// <summary>Runs settlements, records adjustments, holds statements, imports channel files: operator or finance.</summary>
    public static Actor Settler(Actor? actor, string action) => Require(actor, action, Settlers);

    /// <summary>Approves, pays and releases payouts: finance only.</summary>
    public static Actor Finance(Actor? actor, string action) => Require(actor, action, ActorRole.Finance);

    /// <summary>Back-office reports: operator, finance or auditor (auditors read only).</summary>
    public static Actor Reader(Actor? actor, string action) => Require(actor, action, Readers);

    /// <summary>The audit export: auditor or operator.</summary>
    public static Actor Exporter(Actor? actor, string action) => Require(actor, action, ActorRole.Auditor, ActorRole.Operator);

    /// <summary>
    /// Statements: the back office reads all; a merchant reads only its own and must say so. Returns the merchant
    /// the reading is restricted to (empty = none).
    /// </summary>
    public static string StatementReader(Actor? actor, string requestedMerchantId, string action)
    {
        var checkedActor = Require(actor, action, [.. Readers, ActorRole.Merchant]);
        if (checkedActor.Role != ActorRole.Merchant)
        {
            return string.Empty;
        }

        if (string.IsNullOrEmpty(checkedActor.MerchantId))
        {
            throw new PermissionDeniedException($"{action}: a merchant actor must name its merchant");
        }

        if (!string.Equals(requestedMerchantId, checkedActor.MerchantId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException($"{action}: a merchant may only read its own statements");
        }

        return checkedActor.MerchantId;
    }

    /// <summary>A merchant actor may read one statement only when it is its own.</summary>
    public static void RequireOwnStatement(Actor actor, string statementMerchantId, string action)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role == ActorRole.Merchant && !string.Equals(actor.MerchantId, statementMerchantId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException($"{action}: a merchant may only read its own statements");
        }
    }

    /// <summary>The actor as the statement readers see it (any back-office role or a merchant).</summary>
    public static Actor AnyStatementReader(Actor? actor, string action) => Require(actor, action, [.. Readers, ActorRole.Merchant]);

    private static Actor Require(Actor? actor, string action, params ActorRole[] roles)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId) || actor.Role == ActorRole.Unspecified)
        {
            throw new InvalidArgumentException("actor", "required (actor_id and role)");
        }

        if (actor.Role != ActorRole.System && !roles.Contains(actor.Role))
        {
            throw new PermissionDeniedException($"{action} needs the role {string.Join(" or ", roles.Select(r => "ACTOR_ROLE_" + r.ToString().ToUpperInvariant()))}");
        }

        return actor;
    }
}
