namespace BackOffice.SignIn;

/// <summary>How people sign in: <c>BackOffice:SignIn</c>, always through the gateway's OpenID Connect server.</summary>
public sealed class SignInOptions
{
    public const string SectionName = "BackOffice:SignIn";

    /// <summary>The gateway's issuer; empty = the gateway's address from service discovery (the app host's reference).</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>The back office's client at the token server (public: authorization code + PKCE, no secret).</summary>
    public string ClientId { get; set; } = "backoffice-web";

    /// <summary>Confidential client secret, when a deployment's issuer registers the back office as one.</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Scopes asked for beyond openid and profile: the role and merchant claims.</summary>
    public IList<string> Scopes { get; } = ["roles"];
}
