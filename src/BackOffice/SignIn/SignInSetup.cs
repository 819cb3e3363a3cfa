using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using ServiceDefaults;

namespace BackOffice.SignIn;

/// <summary>
/// The one seam between the pages and how people sign in: a cookie session holding <see cref="BackOfficeClaims"/>,
/// opened either by the gateway's OpenID Connect server (authorization code + PKCE) or, in development runs
/// before the gateway's issuer exists, by the development sign-in page. Switching is configuration only.
/// </summary>
public static class SignInSetup
{
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string DevelopmentSignInPath = "/signin/development";

    public static WebApplicationBuilder AddBackOfficeSignIn(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(SignInOptions.SectionName).Get<SignInOptions>() ?? new SignInOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AccessTokenStore>();
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddScoped<BearerTokenInterceptor>();

        var authentication = builder.Services.AddAuthentication(auth =>
        {
            auth.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            auth.DefaultChallengeScheme = options.Mode == SignInMode.OpenIdConnect
                ? OpenIdConnectDefaults.AuthenticationScheme
                : CookieAuthenticationDefaults.AuthenticationScheme;
        });
        authentication.AddCookie(cookie =>
        {
            cookie.Cookie.Name = "backoffice";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = SignInPath;
            cookie.AccessDeniedPath = "/forbidden";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.Events.OnValidatePrincipal = context =>
            {
                // After a restart the server no longer holds the session's token: sign in again rather than
                // call the services without it.
                if (options.Mode == SignInMode.OpenIdConnect
                    && context.HttpContext.RequestServices.GetRequiredService<AccessTokenStore>().Find(context.Principal?.FindFirst(BackOfficeClaims.Session)?.Value) is null)
                {
                    context.RejectPrincipal();
                }

                return Task.CompletedTask;
            };
        });

        if (options.Mode == SignInMode.OpenIdConnect)
        {
            authentication.AddOpenIdConnect(oidc => ConfigureOpenIdConnect(oidc, options, builder.Configuration));
        }
        else if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{SignInOptions.SectionName}:Mode={options.Mode} is for development runs only; set it to {SignInMode.OpenIdConnect} and point Authority at the gateway.");
        }

        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions oidc, SignInOptions options, IConfiguration configuration)
    {
        oidc.Authority = options.Authority is { Length: > 0 } authority
            ? authority
            : ServiceDiscovery.GetEndpoint(configuration, ResourceNames.Gateway, EndpointNames.Http).ToString();
        oidc.ClientId = options.ClientId;
        if (options.ClientSecret.Length > 0)
        {
            oidc.ClientSecret = options.ClientSecret;
        }

        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.UsePkce = true;
        oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = true;
        oidc.SaveTokens = false;
        oidc.CallbackPath = "/signin-oidc";
        oidc.SignedOutCallbackPath = "/signout-callback-oidc";
        oidc.TokenValidationParameters.NameClaimType = BackOfficeClaims.Name;
        oidc.TokenValidationParameters.RoleClaimType = BackOfficeClaims.Role;
        oidc.Scope.Clear();
        oidc.Scope.Add("openid");
        oidc.Scope.Add("profile");
        foreach (var scope in options.Scopes)
        {
            oidc.Scope.Add(scope);
        }

        oidc.Events.OnTokenResponseReceived = context =>
        {
            // The access token stays on the server, under a fresh session key the cookie carries.
            if (context.TokenEndpointResponse.AccessToken is { Length: > 0 } token && context.Principal?.Identity is ClaimsIdentity identity)
            {
                var session = Guid.NewGuid().ToString("N");
                var lifetime = int.TryParse(context.TokenEndpointResponse.ExpiresIn, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
                var time = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
                context.HttpContext.RequestServices.GetRequiredService<AccessTokenStore>().Store(session, token, time.GetUtcNow() + lifetime);
                identity.AddClaim(new Claim(BackOfficeClaims.Session, session));
            }

            return Task.CompletedTask;
        };
    }

    public static WebApplication MapBackOfficeSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<SignInOptions>();
        if (options.Mode == SignInMode.OpenIdConnect)
        {
            app.MapGet(SignInPath, (string? returnUrl) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = LocalOnly(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]));
            app.MapPost(SignOutPath, async (HttpContext context, AccessTokenStore tokens) =>
            {
                tokens.Remove(context.User.FindFirst(BackOfficeClaims.Session)?.Value);
                await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
            }).DisableAntiforgery();
        }
        else
        {
            app.MapGet(SignInPath, (string? returnUrl) => Results.Redirect($"{DevelopmentSignInPath}?returnUrl={Uri.EscapeDataString(LocalOnly(returnUrl))}"));
            app.MapPost(DevelopmentSignInPath, DevelopmentSignIn.SignInAsync);
            app.MapPost(SignOutPath, async (HttpContext context) =>
            {
                await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
                return Results.Redirect("/");
            }).DisableAntiforgery();
        }

        return app;
    }

    /// <summary>Only paths of this site: a sign-in never redirects elsewhere.</summary>
    internal static string LocalOnly(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
