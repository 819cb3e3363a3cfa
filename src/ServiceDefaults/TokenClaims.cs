using System.Security.Claims;
using Vouchers.Common.V1;

namespace ServiceDefaults;

/// <summary>
/// The claims of the suite's access tokens, as the token server writes them and every service reads
/// them: the subject is the account (actor_id), <c>role</c> one of <see cref="Roles"/>, and for merchants
/// and channels the id of the merchant or channel the account belongs to.
/// </summary>
public static class TokenClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Name = "name";
    public const string MerchantId = "merchant_id";
    public const string ChannelId = "channel_id";

    /// <summary>The audience every access token of the suite is issued for and every service requires.</summary>
    public const string Audience = "vouchers";

    /// <summary>The actor a validated token speaks for.</summary>
    public static Actor ToActor(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new Actor
        {
            ActorId = user.FindFirstValue(Subject) ?? string.Empty,
            Role = Roles.Parse(user.FindFirstValue(Role)),
            DisplayName = user.FindFirstValue(Name) ?? string.Empty,
            MerchantId = user.FindFirstValue(MerchantId) ?? string.Empty,
            ChannelId = user.FindFirstValue(ChannelId) ?? string.Empty,
        };
    }

    /// <summary>The claims a token for <paramref name="actor"/> carries (token server and test tokens alike).</summary>
    public static IEnumerable<Claim> ForActor(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        yield return new Claim(Subject, actor.ActorId);
        yield return new Claim(Role, Roles.Name(actor.Role));
        if (actor.DisplayName.Length > 0)
        {
            yield return new Claim(Name, actor.DisplayName);
        }

        if (actor.MerchantId.Length > 0)
        {
            yield return new Claim(MerchantId, actor.MerchantId);
        }

        if (actor.ChannelId.Length > 0)
        {
            yield return new Claim(ChannelId, actor.ChannelId);
        }
    }
}

/// <summary>The role names of DOMAIN.md as tokens carry them (<c>role</c> claim) and [Authorize(Roles = …)] names them.</summary>
public static class Roles
{
    public const string Operator = "operator";
    public const string Finance = "finance";
    public const string Auditor = "auditor";
    public const string Channel = "channel";
    public const string Merchant = "merchant";
    public const string Consumer = "consumer";
    public const string System = "system";

    /// <summary>The bureau, the treasury, the auditors and the platform: for calls whose requests carry no actor to check.</summary>
    public const string BackOffice = Operator + "," + Finance + "," + Auditor + "," + System;

    public static readonly IReadOnlyList<string> All = [Operator, Finance, Auditor, Channel, Merchant, Consumer, System];

    public static string Name(ActorRole role) => role switch
    {
        ActorRole.Operator => Operator,
        ActorRole.Finance => Finance,
        ActorRole.Auditor => Auditor,
        ActorRole.Channel => Channel,
        ActorRole.Merchant => Merchant,
        ActorRole.Consumer => Consumer,
        ActorRole.System => System,
        _ => string.Empty,
    };

    public static ActorRole Parse(string? name) => name switch
    {
        Operator => ActorRole.Operator,
        Finance => ActorRole.Finance,
        Auditor => ActorRole.Auditor,
        Channel => ActorRole.Channel,
        Merchant => ActorRole.Merchant,
        Consumer => ActorRole.Consumer,
        System => ActorRole.System,
        _ => ActorRole.Unspecified,
    };
}
