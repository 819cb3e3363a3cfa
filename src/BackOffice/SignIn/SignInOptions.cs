namespace BackOffice.SignIn;

/// <summary>How people sign in: <c>BackOffice:SignIn</c>.</summary>
public sealed class SignInOptions
{
    public const string SectionName = "BackOffice:SignIn";

    /// <summary><see cref="SignInMode.OpenIdConnect"/> unless a development run says otherwise.</summary>
    public SignInMode Mode { get; set; } = SignInMode.OpenIdConnect;

    /// <summary>The gateway's issuer; empty = the gateway's address from service discovery.</summary>
    public string Authority { get; set; } = string.Empty;

    public string ClientId { get; set; } = "backoffice";

    /// <summary>Confidential client secret, when the issuer registers the back office as one.</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Scopes asked for beyond openid and profile: the services' audiences and the role claims.</summary>
    public IList<string> Scopes { get; } = ["roles", "vouchers.api"];

    /// <summary>Plain-http issuer: only for the local gateway on loopback.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

public enum SignInMode
{
    /// <summary>Authorization code + PKCE against the gateway's OpenID Connect server.</summary>
    OpenIdConnect,

    /// <summary>
    /// Development only, until the gateway's issuer is there: the sign-in page asks who you are and believes
    /// it. Refused outside the Development environment.
    /// </summary>
    DevelopmentAccounts,
}
