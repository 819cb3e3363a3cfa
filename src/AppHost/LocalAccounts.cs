using Aspire.Hosting.ApplicationModel;
using LocalServers;
using Microsoft.Extensions.Configuration;
using ServiceDefaults;

namespace AppHost;

/// <summary>
/// The accounts a local run seeds into the gateway's token server: one client-credentials client per role (what
/// scripts and outside test clients use, the way a channel would), one per service (role system), and one person
/// per role that signs in with a password (authorization code + PKCE through the public client <see cref="WebClientId"/>).
/// Each secret is a secret Aspire parameter (<c>Parameters:token-client-{id}</c>, <c>Parameters:token-person-{name}</c>)
/// with a local-runs-only default, listed in README and written to resources.json.
/// </summary>
internal static class LocalAccounts
{
    public const string WebClientId = "voucher-web";

    /// <summary>The back office's OpenID Connect client (authorization code + PKCE); its id differs from its service account's.</summary>
    public const string BackOfficeClientId = "backoffice-web";

    /// <summary>The merchant and channel the seeded merchant and channel accounts belong to.</summary>
    public const string DemoMerchantId = "mch-demo";
    public const string DemoChannelId = "unionpay";
    public const string CityAppChannelId = "city-app";

    public static IReadOnlyList<Account> Clients { get; } =
    [
        new("operator-cli", Roles.Operator),
        new("finance-cli", Roles.Finance),
        new("auditor-cli", Roles.Auditor),
        new("channel-unionpay", Roles.Channel, ChannelId: DemoChannelId),
        new("merchant-demo", Roles.Merchant, MerchantId: DemoMerchantId),
        new("consumer-demo", Roles.Consumer, ChannelId: CityAppChannelId),
        new("system-cli", Roles.System),
        .. ResourceNames.Services.Select(service => new Account(service, Roles.System)),
        // The back office follows the issuance feed for its live chart with this account; every page calls the
        // services with the signed-in person's own token.
        new(ResourceNames.BackOffice, Roles.System),
    ];

    public static IReadOnlyList<Account> People { get; } =
    [
        new("operator", Roles.Operator),
        new("finance", Roles.Finance),
        new("auditor", Roles.Auditor),
        new("merchant-owner", Roles.Merchant, MerchantId: DemoMerchantId),
        new("cashier", Roles.Merchant, MerchantId: DemoMerchantId),
    ];

    /// <summary>Secret parameters for every account, the token server's configuration on the gateway, and each service's own client.</summary>
    public static SeededAccounts AddLocalAccounts(
        this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> gateway, IEnumerable<IResourceBuilder<ProjectResource>> services)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var endpoint = gateway.GetEndpoint(EndpointNames.Http);
        gateway
            .WithEnvironment("TokenServer__Issuer", endpoint)
            .WithEnvironment("TokenServer__KeyDirectory", Path.Combine(builder.GetStateDirectory(), "gateway-keys"))
            .WithEnvironment($"TokenServer__PublicClients__0__ClientId", WebClientId)
            .WithEnvironment($"TokenServer__PublicClients__0__RedirectUris__0", ReferenceExpression.Create($"{endpoint}/signed-in"));

        var seeded = new SeededAccounts([], []);
        foreach (var (account, index) in Clients.Select((a, i) => (a, i)))
        {
            var secret = Secret(builder, "token-client-" + account.Name);
            Describe(gateway, $"TokenServer__Clients__{index}__", account);
            gateway.WithEnvironment($"TokenServer__Clients__{index}__ClientId", account.Name)
                .WithEnvironment($"TokenServer__Clients__{index}__ClientSecret", secret);
            seeded.Clients.Add((account, secret.Resource));
        }

        foreach (var (account, index) in People.Select((a, i) => (a, i)))
        {
            var password = Secret(builder, "token-person-" + account.Name);
            Describe(gateway, $"TokenServer__People__{index}__", account);
            gateway.WithEnvironment($"TokenServer__People__{index}__UserName", account.Name)
                .WithEnvironment($"TokenServer__People__{index}__Password", password);
            seeded.People.Add((account, password.Resource));
        }

        foreach (var service in services)
        {
            var name = service.Resource.Name;
            service.WithEnvironment("Authentication__Authority", endpoint)
                .WithEnvironment("Authentication__ClientId", name)
                .WithEnvironment("Authentication__ClientSecret", seeded.Clients.Single(c => c.Account.Name == name).Secret);
        }

        return seeded;
    }

    /// <summary>
    /// The back office signs people in through the gateway: its callback and signed-out addresses are registered
    /// with the token server, and it finds the issuer through its reference to the gateway.
    /// </summary>
    public static void AddBackOfficeClient(this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ProjectResource> backOffice)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(backOffice);
        var site = backOffice.GetEndpoint(EndpointNames.Http);
        gateway
            .WithEnvironment("TokenServer__PublicClients__1__ClientId", BackOfficeClientId)
            .WithEnvironment("TokenServer__PublicClients__1__RedirectUris__0", ReferenceExpression.Create($"{site}/signin-oidc"))
            .WithEnvironment("TokenServer__PublicClients__1__PostLogoutRedirectUris__0", ReferenceExpression.Create($"{site}/signout-callback-oidc"));
        backOffice
            .WithReference(gateway)
            .WithEnvironment("BackOffice__SignIn__ClientId", BackOfficeClientId);
    }

    private static IResourceBuilder<ParameterResource> Secret(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? $"local-{name}", secret: true);

    private static void Describe(IResourceBuilder<ProjectResource> gateway, string prefix, Account account)
    {
        gateway.WithEnvironment(prefix + "Role", account.Role);
        if (account.MerchantId is { } merchant)
        {
            gateway.WithEnvironment(prefix + "MerchantId", merchant);
        }

        if (account.ChannelId is { } channel)
        {
            gateway.WithEnvironment(prefix + "ChannelId", channel);
        }
    }

    internal sealed record Account(string Name, string Role, string? MerchantId = null, string? ChannelId = null);

    internal sealed record SeededAccounts(List<(Account Account, ParameterResource Secret)> Clients, List<(Account Account, ParameterResource Secret)> People);
}
