using GrpcRuntime;
using GrpcRuntime.Client;
using GrpcRuntime.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The registration of one named gRPC client, for further configuration.</summary>
public interface IGrpcClientBuilder
{
    string Name { get; }

    IServiceCollection Services { get; }
}

/// <summary>Registers typed gRPC clients, each with a shared channel, in the container.</summary>
public static class GrpcClientServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="TClient"/> under its type's full name.</summary>
    public static IGrpcClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, Action<GrpcClientFactoryOptions> configureClient)
        where TClient : class =>
        services.AddGrpcClient<TClient>(DefaultName<TClient>(), configureClient);

    /// <summary>Registers <typeparamref name="TClient"/>, configured with access to the service provider (e.g. configuration).</summary>
    public static IGrpcClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, Action<IServiceProvider, GrpcClientFactoryOptions> configureClient)
        where TClient : class =>
        services.AddGrpcClient<TClient>(DefaultName<TClient>(), configureClient);

    /// <summary>
    /// Registers a named configuration of <typeparamref name="TClient"/>. Resolving TClient from the
    /// container yields the last registered name; <see cref="GrpcClientFactory.CreateClient{TClient}"/> reaches any.
    /// </summary>
    public static IGrpcClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, string name, Action<GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(configureClient);
        return services.AddGrpcClient<TClient>(name, (_, options) => configureClient(options));
    }

    public static IGrpcClientBuilder AddGrpcClient<TClient>(this IServiceCollection services, string name, Action<IServiceProvider, GrpcClientFactoryOptions> configureClient)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configureClient);

        services.AddOptions();
        services.TryAddSingleton<DefaultGrpcClientFactory>();
        services.TryAddSingleton<GrpcClientFactory>(sp => sp.GetRequiredService<DefaultGrpcClientFactory>());
        services.AddOptions<GrpcClientFactoryOptions>(name).Configure<IServiceProvider>((options, sp) => configureClient(sp, options));
        services.AddTransient(sp => sp.GetRequiredService<DefaultGrpcClientFactory>().CreateClient<TClient>(name, sp));
        return new GrpcClientBuilder(name, services);
    }

    /// <summary>Adds an interceptor resolved from the container (register it there as well).</summary>
    public static IGrpcClientBuilder AddInterceptor<TInterceptor>(this IGrpcClientBuilder builder)
        where TInterceptor : Interceptor
    {
        return builder.AddInterceptor(sp => sp.GetRequiredService<TInterceptor>());
    }

    /// <summary>Adds an interceptor created per client instance by <paramref name="factory"/>.</summary>
    public static IGrpcClientBuilder AddInterceptor(this IGrpcClientBuilder builder, Func<IServiceProvider, Interceptor> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.InterceptorFactories.Add(factory));
        return builder;
    }

    public static IGrpcClientBuilder ConfigureChannel(this IGrpcClientBuilder builder, Action<GrpcChannelOptions> configureChannel)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureChannel);
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.ChannelOptionsActions.Add(configureChannel));
        return builder;
    }

    /// <summary>
    /// Makes every call of this client inherit the deadline and cancellation of the server call it is
    /// made from (found through IHttpContextAccessor and IServerCallContextFeature).
    /// </summary>
    public static IGrpcClientBuilder EnableCallContextPropagation(this IGrpcClientBuilder builder, Action<GrpcContextPropagationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var propagation = new GrpcContextPropagationOptions();
        configure?.Invoke(propagation);

        builder.Services.AddHttpContextAccessor();
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.CallOptionsActions.Add(context =>
        {
            if (context.CallOptions.PropagationToken is not null)
            {
                return;
            }

            var accessor = context.ServiceProvider.GetRequiredService<IHttpContextAccessor>();
            var serverCall = accessor.HttpContext?.Features.Get<IServerCallContextFeature>()?.ServerCallContext;
            if (serverCall is null)
            {
                if (propagation.SuppressContextNotFoundErrors)
                {
                    return;
                }

                throw new InvalidOperationException($"Unable to propagate the server call context to the gRPC client '{builder.Name}': the call is not made from within a gRPC server call.");
            }

            context.CallOptions = context.CallOptions.WithPropagationToken(serverCall.CreatePropagationToken());
        }));
        return builder;
    }

    private static string DefaultName<TClient>() => typeof(TClient).FullName ?? typeof(TClient).Name;

    private sealed class GrpcClientBuilder : IGrpcClientBuilder
    {
        public GrpcClientBuilder(string name, IServiceCollection services)
        {
            Name = name;
            Services = services;
        }

        public string Name { get; }

        public IServiceCollection Services { get; }
    }
}
