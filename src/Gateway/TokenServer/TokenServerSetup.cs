using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using ServiceDefaults;
using Vouchers.Common.V1;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Gateway.TokenServer;

/// <summary>
/// The suite's OAuth 2.0 / OpenID Connect server (OpenIddict): client credentials for channels, scripts and the
/// services themselves; authorization code with PKCE for people, who sign in on the gateway's page. Access tokens
/// are signed JWTs (not encrypted) for audience <see cref="TokenClaims.Audience"/>, carrying the claims of
/// <see cref="TokenClaims"/>, so every service validates them with plain JWT bearer authentication.
/// </summary>
public static class TokenServerSetup
{
    public const string TokenPath = "connect/token";
    public const string AuthorizePath = "connect/authorize";
    public const string EndSessionPath = "connect/endsession";
    public const string SignInScheme = "sign-in";

    public static WebApplicationBuilder AddTokenServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TokenServerOptions.SectionName);
        builder.Services.AddOptions<TokenServerOptions>().Bind(section)
            .Validate(o => o.Issuer is not null, "TokenServer:Issuer is required: the address clients and services know the gateway by")
            .Validate(o => o.Clients.Concat<AccountClaims>(o.People).All(a => Roles.Parse(a.Role) != ActorRole.Unspecified), $"every TokenServer account needs a role: one of {string.Join(", ", Roles.All)}")
            .ValidateOnStart();
        var settings = section.Get<TokenServerOptions>() ?? new TokenServerOptions();
        var signingKey = TokenKeys.LoadOrCreate(settings.KeyDirectory, "token-signing");
        var encryptionKey = TokenKeys.LoadOrCreate(settings.KeyDirectory, "token-encryption");

        var storeName = "token-store-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<TokenStoreContext>(options =>
        {
            // One store per gateway instance (EF Core shares in-memory databases of one name across the process).
            options.UseInMemoryDatabase(storeName);
            options.UseOpenIddict();
        });
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<TokenStoreContext>())
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(TokenPath).SetAuthorizationEndpointUris(AuthorizePath).SetEndSessionEndpointUris(EndSessionPath);
                server.AllowClientCredentialsFlow().AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                if (settings.Issuer is { } issuer)
                {
                    server.SetIssuer(issuer);
                }

                server.SetAccessTokenLifetime(settings.AccessTokenLifetime);
                server.AddSigningKey(signingKey).AddEncryptionKey(encryptionKey);
                // Services validate access tokens themselves, by signature: they must be readable JWTs.
                server.DisableAccessTokenEncryption();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Roles);
                // TLS ends at the gateway's own certificate or at the ingress in front of it; local runs are plain HTTP.
                server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableEndSessionEndpointPassthrough().DisableTransportSecurityRequirement();
                server.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(handler =>
                    handler.UseSingletonHandler<ClientCredentialsGrant>().SetOrder(int.MinValue + 1_000));
            });
        builder.Services.AddSingleton<ClientCredentialsGrant>();
        builder.Services.AddHostedService<AccountSeeder>();
        builder.Services.AddAuthentication().AddCookie(SignInScheme, options =>
        {
            options.LoginPath = SignInPage.Path;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.Cookie.Name = "voucher-sign-in";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
        });
        builder.Services.AddAntiforgery();
        builder.Services.AddTokenServerRequestHandling();

        // The gateway checks the tokens it issues with the key it signs them with (no discovery round trip to itself).
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            jwt.Authority = null;
            jwt.TokenValidationParameters.IssuerSigningKey = signingKey;
            jwt.TokenValidationParameters.ValidIssuer = settings.Issuer?.AbsoluteUri;
            jwt.TokenValidationParameters.ValidateIssuer = settings.Issuer is not null;
        });
        return builder;
    }

    /// <summary>The identity a token is issued for: the account's claims, for the suite's audience, all in the access token.</summary>
    public static ClaimsPrincipal PrincipalFor(string subject, AccountClaims account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var actor = new Actor
        {
            ActorId = subject,
            Role = Roles.Parse(account.Role),
            DisplayName = account.DisplayName ?? subject,
            MerchantId = account.MerchantId ?? string.Empty,
            ChannelId = account.ChannelId ?? string.Empty,
        };
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.AddClaims(TokenClaims.ForActor(actor));
        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(TokenClaims.Audience);
        principal.SetDestinations(_ => [Destinations.AccessToken]);
        return principal;
    }
}

/// <summary>client_credentials: OpenIddict has checked the client's id and secret; the token speaks for the client's configured account.</summary>
internal sealed class ClientCredentialsGrant(IOptions<TokenServerOptions> options) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleTokenRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsClientCredentialsGrantType())
        {
            return ValueTask.CompletedTask;
        }

        var client = options.Value.Clients.FirstOrDefault(c => string.Equals(c.ClientId, context.Request.ClientId, StringComparison.Ordinal));
        if (client is null)
        {
            context.Reject(Errors.InvalidClient, "the client has no account configured");
            return ValueTask.CompletedTask;
        }

        context.SignIn(TokenServerSetup.PrincipalFor(client.ClientId, client));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Puts the configured clients into the in-memory application store before the gateway takes requests.</summary>
internal sealed class AccountSeeder(IServiceProvider services, IOptions<TokenServerOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var client in options.Value.Clients)
        {
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientSecret = client.ClientSecret,
                ClientType = ClientTypes.Confidential,
                DisplayName = client.DisplayName ?? client.ClientId,
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
            }, cancellationToken);
        }

        foreach (var client in options.Value.PublicClients)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientType = ClientTypes.Public,
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                    Permissions.Prefixes.Scope + Scopes.OpenId, Permissions.Prefixes.Scope + Scopes.Profile, Permissions.Prefixes.Scope + Scopes.Roles,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            foreach (var uri in client.RedirectUris)
            {
                descriptor.RedirectUris.Add(uri);
            }

            foreach (var uri in client.PostLogoutRedirectUris)
            {
                descriptor.PostLogoutRedirectUris.Add(uri);
            }

            await applications.CreateAsync(descriptor, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
