using System.Security.Claims;
using Vouchers.Common.V1;

namespace BackOffice.SignIn;

/// <summary>
/// The claims a signed-in back-office user carries, whichever sign-in produced them: the gateway's ID token
/// (OpenID Connect) names them the same way, so pages and the services' actor never depend on the sign-in mode.
/// </summary>
public static class BackOfficeClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string MerchantId = "merchant_id";

    /// <summary>Server-side key of the signed-in session's access token (<see cref="AccessTokenStore"/>).</summary>
    public const string Session = "bo_session";

    public const string OperatorRole = "operator";
    public const string FinanceRole = "finance";
    public const string AuditorRole = "auditor";
    public const string MerchantRole = "merchant";

    /// <summary>Roles that may read the bureau's campaign pages.</summary>
    public const string BureauRoles = OperatorRole + "," + FinanceRole + "," + AuditorRole;

    public static readonly IReadOnlyList<string> Roles = [OperatorRole, FinanceRole, AuditorRole, MerchantRole];

    /// <summary>
    /// The actor the services see for this user. A principal without a known role is an
    /// <see cref="ActorRole.Unspecified"/> actor, which every service refuses.
    /// </summary>
    public static Actor ToActor(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var role = user.FindFirst(Role)?.Value switch
        {
            OperatorRole => ActorRole.Operator,
            FinanceRole => ActorRole.Finance,
            AuditorRole => ActorRole.Auditor,
            MerchantRole => ActorRole.Merchant,
            _ => ActorRole.Unspecified,
        };
        return new Actor
        {
            ActorId = user.FindFirst(Subject)?.Value ?? string.Empty,
            Role = role,
            DisplayName = user.FindFirst(Name)?.Value ?? string.Empty,
            MerchantId = role == ActorRole.Merchant ? user.FindFirst(MerchantId)?.Value ?? string.Empty : string.Empty,
        };
    }

    /// <summary>True when <paramref name="user"/> may open the portal pages of <paramref name="merchantId"/>.</summary>
    public static bool MayOpenMerchant(ClaimsPrincipal user, string merchantId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirst(Role)?.Value switch
        {
            OperatorRole or AuditorRole or FinanceRole => true,
            MerchantRole => string.Equals(user.FindFirst(MerchantId)?.Value, merchantId, StringComparison.Ordinal),
            _ => false,
        };
    }
}
