using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.TokenServer;

/// <summary>
/// Keeps the token server's work to its own requests. OpenIddict's ASP.NET Core handler is an authentication
/// <em>request handler</em>: the authentication middleware (which WebApplication adds on its own when an app does not)
/// asks every request handler about every request, and OpenIddict then runs its server pipeline (dozens of handlers)
/// even for a gRPC call it has nothing to do with. Here the authentication middleware sees no request handlers, and
/// they are asked only about the token server's requests: <c>/connect/*</c>, the discovery document and key set under
/// <c>/.well-known</c>, and the sign-in page. Every other request is authenticated by the default (bearer) scheme alone.
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

    public static IServiceCollection AddTokenServerRequestHandling(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, RequestHandlersOnlyWhenAsked>());
        return services;
    }

    /// <summary>Authentication by the default scheme for every request; the request handlers (the token server) for their own requests only.</summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseWhen(IsTokenServerRequest, tokenServer => tokenServer.Use(HandleTokenServerRequestAsync));
        return app;
    }

    /// <summary>What the authentication middleware does with request handlers: the first that handles the request ends it.</summary>
    private static async Task HandleTokenServerRequestAsync(HttpContext http, RequestDelegate next)
    {
        var schemes = (RequestHandlersOnlyWhenAsked)http.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        var handlers = http.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
        foreach (var scheme in await schemes.AllRequestHandlerSchemesAsync())
        {
            if (await handlers.GetHandlerAsync(http, scheme.Name) is IAuthenticationRequestHandler handler && await handler.HandleRequestAsync())
            {
                return;
            }
        }

        await next(http);
    }

    private sealed class RequestHandlersOnlyWhenAsked(IOptions<AuthenticationOptions> options) : AuthenticationSchemeProvider(options)
    {
        public override Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync() => Task.FromResult(Enumerable.Empty<AuthenticationScheme>());

        public Task<IEnumerable<AuthenticationScheme>> AllRequestHandlerSchemesAsync() => base.GetRequestHandlerSchemesAsync();
    }
}
