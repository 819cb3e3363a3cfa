using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using ServiceDefaults;

namespace BackOffice.SignIn;

/// <summary>
/// The one seam between the pages and how people sign in: the gateway's OpenID Connect server (authorization
/// code + PKCE) signs the person in, and a cookie session keeps the claims its ID token carries
/// (<see cref="BackOfficeClaims"/>) while the access token stays on the server (<see cref="AccessTokenStore"/>).
/// </summary>
public static class SignInSetup
{
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string CallbackPath = "/signin-oidc";
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    public static WebApplicationBuilder AddBackOfficeSignIn(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(SignInOptions.SectionName).Get<SignInOptions>() ?? new SignInOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AccessTokenStore>();
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddScoped<BearerTokenInterceptor>();

        builder.Services.AddAuthentication(auth =>
            {
                auth.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                auth.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "backoffice";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = SignInPath;
                cookie.AccessDeniedPath = "/forbidden";
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.Events.OnValidatePrincipal = context =>
                {
                    // The server no longer holds the session's token (it expired, or the server restarted): sign in
                    // again rather than call the services without it.
                    if (context.HttpContext.RequestServices.GetRequiredService<AccessTokenStore>().Find(context.Principal?.FindFirst(BackOfficeClaims.Session)?.Value) is null)
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
            })
            .AddOpenIdConnect(oidc => ConfigureOpenIdConnect(oidc, options, builder.Configuration));

        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions oidc, SignInOptions options, IConfiguration configuration)
    {
        var authority = options.Authority is { Length: > 0 } configured
            ? new Uri(configured)
            : ServiceDiscovery.GetEndpoint(configuration, ResourceNames.Gateway, EndpointNames.Http);
        oidc.Authority = authority.ToString();
        // Local runs reach the gateway over plain HTTP on loopback; a deployment's issuer is HTTPS.
        oidc.RequireHttpsMetadata = authority.Scheme == Uri.UriSchemeHttps;
        oidc.ClientId = options.ClientId;
        if (options.ClientSecret.Length > 0)
        {
            oidc.ClientSecret = options.ClientSecret;
        }

        oidc.ResponseType = OpenIdConnectResponseType.Code;
        // The code comes back on a plain redirect: no cross-site form post, so the correlation cookies can be Lax.
        oidc.ResponseMode = OpenIdConnectResponseMode.Query;
        oidc.UsePkce = true;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        // No token in the cookie: the access token is kept on the server (AccessTokenStore).
        oidc.SaveTokens = false;
        oidc.CallbackPath = CallbackPath;
        oidc.SignedOutCallbackPath = SignedOutCallbackPath;
        oidc.SignedOutRedirectUri = "/";
        oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
        oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.NonceCookie.SameSite = SameSiteMode.Lax;
        oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.TokenValidationParameters.NameClaimType = BackOfficeClaims.Name;
        oidc.TokenValidationParameters.RoleClaimType = BackOfficeClaims.Role;
        oidc.Scope.Clear();
        oidc.Scope.Add(OpenIdConnectScope.OpenId);
        oidc.Scope.Add(OpenIdConnectScope.OpenIdProfile);
        foreach (var scope in options.Scopes)
        {
            oidc.Scope.Add(scope);
        }

        oidc.Events.OnTokenValidated = context =>
        {
            // The access token stays on the server, under a fresh session key the cookie carries.
            if (context.TokenEndpointResponse?.AccessToken is { Length: > 0 } token && context.Principal?.Identity is ClaimsIdentity identity)
            {
                var session = Guid.NewGuid().ToString("N");
                var lifetime = int.TryParse(context.TokenEndpointResponse.ExpiresIn, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
                var time = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
                context.HttpContext.RequestServices.GetRequiredService<AccessTokenStore>().Store(session, token, time.GetUtcNow() + lifetime);
                identity.AddClaim(new Claim(BackOfficeClaims.Session, session));
                // The session ends with the token: a later page then signs in again (silently while the gateway's session lasts).
                context.Properties!.ExpiresUtc = time.GetUtcNow() + lifetime;
            }
            else
            {
                context.Fail("the gateway issued no access token: the back office cannot call the services for this person");
            }

            return Task.CompletedTask;
        };
    }

    public static WebApplication MapBackOfficeSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(SignInPath, (string? returnUrl) => Results.Challenge(
            new AuthenticationProperties { RedirectUri = LocalOnly(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapPost(SignOutPath, async (HttpContext context, AccessTokenStore tokens) =>
        {
            tokens.Remove(context.User.FindFirst(BackOfficeClaims.Session)?.Value);
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            // And at the gateway, whose end-session endpoint sends the browser back to the signed-out callback.
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
        }).DisableAntiforgery();
        return app;
    }

    /// <summary>Only paths of this site: a sign-in never redirects elsewhere.</summary>
    internal static string LocalOnly(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
