using Gateway.Api;
using Gateway.Proxy;
using Gateway.TokenServer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDefaults;

namespace Gateway;

/// <summary>Everything the gateway registers and maps; Program.cs only calls these two.</summary>
public static class GatewayServiceExtensions
{
    /// <summary>Largest request body: a gRPC message as large as the services accept, framed; JSON bodies are far smaller.</summary>
    public const long MaxRequestBodyBytes = ServiceDefaultsExtensions.MaxReceiveMessageSize + 5;

    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        // The same rule as the services' (an authenticated caller everywhere unless an endpoint says otherwise), without
        // naming the bearer scheme: the authentication middleware has already run it as the default scheme, and a
        // policy that names a scheme authenticates again and copies the caller's identity into a new principal on
        // every proxied call.
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.AddTokenServer();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            // Every response would carry "Server: Kestrel": bytes on each call that tell a caller nothing it needs.
            kestrel.AddServerHeader = false;
            // h2c callers send ":scheme http"; the detected connections must not be taken for TLS ones.
            kestrel.AllowAlternateSchemes = true;
            kestrel.ConfigureEndpointDefaults(listen =>
            {
                if (listen.Protocols == Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2)
                {
                    listen.UseHttp2PriorKnowledgeDetection();
                }
            });
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddGatewayRateLimits(builder.Configuration);
        builder.AddGatewayApis();
        var packages = GrpcRoutes.PackagesWith(builder.Configuration);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(GrpcRoutes.Routes(packages), GrpcRoutes.Clusters(packages))
            .AddServiceDiscoveryDestinationResolver();
        builder.Services.Replace(ServiceDescriptor.Singleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, ForwarderClients>());
        // No response compression anywhere: gRPC compresses per message itself, and compressing
        // responses that carry secrets (tokens) invites BREACH-style attacks.
        return builder;
    }

    public static WebApplication MapGatewayServices(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A request Kestrel refuses while the body is read (too large, malformed) keeps its 4xx, as a problem document.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages(WriteStatusProblemAsync);
        // Authentication first so that the limiter knows the channel; the limiter before authorization so that a flood
        // of bad tokens is limited too.
        app.UseGatewayAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapSignIn();
        app.MapGatewayApis();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseGrpcUnavailableForUnreachableBackends();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        app.MapGet("/", (IConfiguration configuration) => Results.Ok(new
        {
            service = "voucher-gateway",
            token_endpoint = "/" + TokenServerSetup.TokenPath,
            backends = ResourceNames.Services.ToDictionary(
                name => name,
                name => ServiceDiscovery.FindEndpoint(configuration, name)?.ToString()),
        })).AllowAnonymous();
        return app;
    }

    /// <summary>Bare error statuses (401 from authentication, 404, 413 from Kestrel) become problem documents on HTTP; gRPC callers read the status alone.</summary>
    private static async Task WriteStatusProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (GrpcProtocol.IsGrpc(http.Request))
        {
            return;
        }

        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = http.Response.StatusCode },
        });
    }
}
