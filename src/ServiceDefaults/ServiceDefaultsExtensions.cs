using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults;

/// <summary>
/// <c>builder.AddServiceDefaults()</c> and <c>app.MapDefaultEndpoints()</c>: what every service of the
/// suite does the same way (the role of Aspire's ServiceDefaults project).
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <summary>Largest request message a service accepts: the gRPC default, stated so it is a decision.</summary>
    public const int MaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Configuration switch for gRPC server reflection. Reflection lists every service and message of
    /// the process, which helps grpcurl and Postman on a developer's machine and gives an attacker a
    /// map elsewhere, so it is on in Development and off otherwise unless a deployment says so.
    /// </summary>
    public const string ReflectionEnabledKey = "Grpc:Reflection:Enabled";

    /// <summary>
    /// Configuration switch for the grpc.health.v1 service (default on): a deployment whose probes use
    /// only HTTP /health and /alive may turn it off.
    /// </summary>
    public const string GrpcHealthEnabledKey = "Grpc:Health:Enabled";

    /// <summary>How often the gRPC health service re-runs the health checks for Watch streams.</summary>
    public static readonly TimeSpan GrpcHealthInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Telemetry (OTLP when configured), health checks (a "self" liveness check; data stores add theirs),
    /// service discovery, JWT bearer authentication with an authenticated caller required everywhere
    /// (<see cref="ServiceAuthentication"/>) and the caller bound to each request (<see cref="CallerActorInterceptor"/>),
    /// the gRPC server (Health fed by the same checks, reflection). Kestrel endpoints come
    /// from configuration: each service's appsettings names <c>grpc</c> (Protocols Http2, h2c) and
    /// <c>http</c> (Protocols Http1, health and JSON), and the app host overrides their URLs.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddTelemetry();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: [HealthTags.Live]);
        builder.Services.AddServiceDiscoveryDefaults();
        builder.Services.TryAddTimeProvider();
        builder.Services.AddServiceAuthentication(builder.Configuration);
        // Both interceptors hold no state: one instance each serves every call (grpc-dotnet activates an interceptor
        // the container does not know anew for each call).
        builder.Services.TryAddSingleton<CallerActorInterceptor>();
        builder.Services.TryAddSingleton<DomainExceptionInterceptor>();
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxReceiveMessageSize;
            options.EnableDetailedErrors = false;
            // The caller is who the token says, whatever the request body claims (runs before the service's own checks).
            options.Interceptors.Add<CallerActorInterceptor>();
            // Domain refusals become status codes (and field violations) here, once for every service.
            options.Interceptors.Add<DomainExceptionInterceptor>();
        });
        // gRPC Health.Check runs the same checks as /health on each call; Watch streams follow the
        // health check publisher, polled often so a watcher learns a change within seconds.
        builder.Services.AddGrpcHealthChecks();
        builder.Services.Configure<HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.Zero;
            options.Period = GrpcHealthInterval;
        });
        builder.Services.AddGrpcReflection();
        return builder;
    }

    /// <summary>
    /// <c>/health</c> (every check) and <c>/alive</c> (liveness only) in every environment; the gRPC
    /// Health service reporting the same checks unless <see cref="GrpcHealthEnabledKey"/> is false; server
    /// reflection (v1 and v1alpha) when <see cref="ReflectionEnabledKey"/> is true, by default only in
    /// Development. All of them answer without a token: probes and tools carry none.
    /// </summary>
    public static TApp MapDefaultEndpoints<TApp>(this TApp app)
        where TApp : IEndpointRouteBuilder
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(HealthPath, new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            // Degraded means "not ready yet" here (migrations still running): callers and the app host must wait.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(HealthTags.Live),
            ResponseWriter = WriteHealthAsync,
        }).AllowAnonymous();
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        if (configuration.GetValue(GrpcHealthEnabledKey, defaultValue: true))
        {
            app.MapGrpcHealthChecksService().AllowAnonymous();
        }

        var development = app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment();
        if (configuration.GetValue(ReflectionEnabledKey, defaultValue: development))
        {
            app.MapGrpcReflectionService().AllowAnonymous();
        }

        return app;
    }

    /// <summary>
    /// Service discovery for every HttpClient, gRPC clients' included (<c>http://_grpc.claim</c> resolves from
    /// <c>services:claim:grpc:0</c>). Resilience is added per plain HTTP client instead (AddServiceHttpClient):
    /// the standard handler's timeouts would cut the long-lived gRPC streams (snapshot watches, feeds).
    /// </summary>
    public static IServiceCollection AddServiceDiscoveryDefaults(this IServiceCollection services)
    {
        services.AddServiceDiscovery();
        services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>A plain-text summary: overall status, then one line per check, for people and scripts alike.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}: {e.Value.Status}{(e.Value.Description is { Length: > 0 } d ? " - " + d : string.Empty)}");
        return context.Response.WriteAsync(report.Status + "\n" + string.Join('\n', lines) + "\n");
    }
}
