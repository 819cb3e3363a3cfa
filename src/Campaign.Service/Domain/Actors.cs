using Vouchers.Common.V1;
using VoucherRules;

namespace Campaign.Service.Domain;

/// <summary>Who may call what: the gateway authenticates, the service decides by role.</summary>
public static class Actors
{
    /// <summary>The actor must be present and act in one of the roles; SYSTEM (the platform's own jobs) always may.</summary>
    public static Actor Require(Actor? actor, string action, params ActorRole[] roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (actor is null || string.IsNullOrWhiteSpace(actor.ActorId))
        {
            throw new InvalidArgumentException("actor", "required (actor_id and role)");
        }

        if (actor.Role != ActorRole.System && !roles.Contains(actor.Role))
        {
            throw new PermissionDeniedException($"{action} needs the role {string.Join(" or ", roles.Select(Name))}; the actor acts as {Name(actor.Role)}");
        }

        return actor;
    }

    /// <summary>A merchant actor may only act on its own merchant.</summary>
    public static void RequireOwnMerchant(Actor actor, string merchantId, string action)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role == ActorRole.Merchant && !string.Equals(actor.MerchantId, merchantId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException($"{action}: a merchant may only act on its own merchant record");
        }
    }

    // Every role is one word, so the enum name upper-cased is the proto name's suffix.
    public static string Name(ActorRole role) => "ACTOR_ROLE_" + role.ToString().ToUpperInvariant();
}
