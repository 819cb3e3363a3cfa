using GrpcRuntime.Server;
using GrpcRuntime.Server.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the gRPC server.</summary>
public static class GrpcServiceCollectionExtensions
{
    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services) => services.AddGrpc(static _ => { });

    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services, Action<GrpcServiceOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureOptions);
        services.AddRouting();
        services.AddOptions();
        services.Configure(configureOptions);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<ServerCallHandlerFactory>();
        return new GrpcServerBuilder(services);
    }

    /// <summary>Options for one service; anything set here overrides <c>AddGrpc</c>'s values.</summary>
    public static IGrpcServerBuilder AddServiceOptions<TService>(this IGrpcServerBuilder builder, Action<GrpcServiceOptions<TService>> configureOptions)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureOptions);
        builder.Services.Configure(configureOptions);
        return builder;
    }
}
