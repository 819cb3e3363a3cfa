using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Gateway.TokenServer;

/// <summary>
/// Keeps the token server's work to its own requests. OpenIddict's ASP.NET Core handler is an authentication
/// <em>request handler</em>: the authentication middleware asks it about every request, and it then runs its server
/// pipeline (endpoint inference, request extraction) even for a gRPC call it has nothing to do with. Only the token
/// server's endpoints (<c>/connect/*</c>, the discovery document and key set under <c>/.well-known</c>) and the
/// sign-in page go through the full authentication middleware; every other request is authenticated by the bearer
/// scheme alone, the way the middleware would for a request no request handler claims.
/// </summary>
public static class TokenServerRequests
{
    private static readonly PathString[] OwnPaths = ["/connect", "/.well-known", SignInPage.Path];

    public static bool IsTokenServerRequest(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        foreach (var path in OwnPaths)
        {
            if (http.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The full authentication middleware for the token server's requests, the bearer scheme alone for the rest.</summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(IsTokenServerRequest, tokenServer => tokenServer.UseAuthentication());
        app.UseWhen(http => !IsTokenServerRequest(http), others => others.Use(AuthenticateBearerAsync));
        return app;
    }

    private static async Task AuthenticateBearerAsync(HttpContext http, RequestDelegate next)
    {
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Principal is { } principal)
        {
            http.User = principal;
        }

        await next(http);
    }
}
