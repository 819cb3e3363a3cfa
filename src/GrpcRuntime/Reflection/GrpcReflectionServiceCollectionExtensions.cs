using GrpcRuntime.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers gRPC server reflection (v1 and v1alpha).</summary>
public static class GrpcReflectionServiceCollectionExtensions
{
    public static IServiceCollection AddGrpcReflection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ReflectionIndex>();
        services.TryAddSingleton<ReflectionServiceImpl>();
        services.TryAddSingleton<V1AlphaReflectionServiceImpl>();
        return services;
    }
}
