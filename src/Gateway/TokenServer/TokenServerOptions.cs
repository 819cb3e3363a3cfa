namespace Gateway.TokenServer;

/// <summary>
/// The token server's accounts and keys (section <c>TokenServer</c>). Accounts are configuration, seeded into
/// the in-memory application store at start-up: the gateway keeps nothing durable, and every copy of it
/// answers the same once they share the keys.
/// </summary>
public sealed class TokenServerOptions
{
    public const string SectionName = "TokenServer";

    /// <summary>The <c>iss</c> of every token, the address clients and services know the gateway by (local runs: http://localhost:8080/).</summary>
    public Uri? Issuer { get; set; }

    /// <summary>Folder holding the signing and encryption keys (created on first start); none gives keys that die with the process.</summary>
    public string? KeyDirectory { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Machines: channels, scripts and the platform's services (client credentials).</summary>
    public IList<ClientAccount> Clients { get; } = [];

    /// <summary>People: bureau staff, finance, auditors, merchants' owners and cashiers (authorization code + PKCE).</summary>
    public IList<PersonAccount> People { get; } = [];

    /// <summary>The public clients people sign in through (the dashboard, cashier apps): PKCE, no secret.</summary>
    public IList<PublicClient> PublicClients { get; } = [];
}

/// <summary>What a token says about its holder; the claims of <see cref="ServiceDefaults.TokenClaims"/>.</summary>
public abstract class AccountClaims
{
    public string Role { get; set; } = string.Empty;

    public string? DisplayName { get; set; }

    public string? MerchantId { get; set; }

    public string? ChannelId { get; set; }
}

public sealed class ClientAccount : AccountClaims
{
    public string ClientId { get; set; } = string.Empty;

    public string ClientSecret { get; set; } = string.Empty;
}

public sealed class PersonAccount : AccountClaims
{
    public string UserName { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;
}

public sealed class PublicClient
{
    public string ClientId { get; set; } = string.Empty;

    public IList<Uri> RedirectUris { get; } = [];

    /// <summary>Where the client may send people back to after they sign out at <c>/connect/endsession</c>.</summary>
    public IList<Uri> PostLogoutRedirectUris { get; } = [];
}
