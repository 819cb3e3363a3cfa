using GrpcRuntime.Health;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers grpc.health.v1.Health fed by ASP.NET Core health checks.</summary>
public static class GrpcHealthChecksServiceCollectionExtensions
{
    public static IHealthChecksBuilder AddGrpcHealthChecks(this IServiceCollection services) => services.AddGrpcHealthChecks(static _ => { });

    public static IHealthChecksBuilder AddGrpcHealthChecks(this IServiceCollection services, Action<GrpcHealthChecksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HealthServiceImpl>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HealthCheckStatusPoller>());
        return services.AddHealthChecks();
    }
}
