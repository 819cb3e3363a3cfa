using System.Collections.Concurrent;
using GrpcRuntime.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrpcRuntime.Client;

/// <summary>Creates typed gRPC clients registered with <c>AddGrpcClient</c>.</summary>
public abstract class GrpcClientFactory
{
    public abstract TClient CreateClient<TClient>(string name)
        where TClient : class;
}

/// <summary>
/// Keeps one channel per client name for the container's lifetime (channels are meant to be shared)
/// and builds a fresh, intercepted invoker for every client instance.
/// </summary>
internal sealed class DefaultGrpcClientFactory : GrpcClientFactory, IDisposable
{
    private readonly IServiceProvider services;
    private readonly IOptionsMonitor<GrpcClientFactoryOptions> optionsMonitor;
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, ObjectFactory> activators = new();

    public DefaultGrpcClientFactory(IServiceProvider services, IOptionsMonitor<GrpcClientFactoryOptions> optionsMonitor)
    {
        this.services = services;
        this.optionsMonitor = optionsMonitor;
    }

    public override TClient CreateClient<TClient>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CreateClient<TClient>(name, services);
    }

    public void Dispose()
    {
        foreach (var channel in channels.Values)
        {
            if (channel.IsValueCreated)
            {
                channel.Value.Dispose();
            }
        }
    }

    internal TClient CreateClient<TClient>(string name, IServiceProvider scope)
        where TClient : class
    {
        var options = optionsMonitor.Get(name);
        var channel = channels.GetOrAdd(name, key => new Lazy<GrpcChannel>(() => CreateChannel(key, options))).Value;

        var interceptors = new List<Interceptor>();
        if (options.CallOptionsActions.Count > 0)
        {
            // Outermost, so that every interceptor sees the configured options.
            interceptors.Add(new CallOptionsConfigurationInterceptor(options.CallOptionsActions, scope));
        }

        interceptors.AddRange(options.Interceptors);
        interceptors.AddRange(options.InterceptorFactories.Select(create => create(scope)));
        var invoker = channel.CreateCallInvoker().Intercept([.. interceptors]);

        var activator = activators.GetOrAdd(typeof(TClient), static type => ActivatorUtilities.CreateFactory(type, [typeof(CallInvoker)]));
        return (TClient)activator(scope, [invoker]);
    }

    private GrpcChannel CreateChannel(string name, GrpcClientFactoryOptions options)
    {
        if (options.Address is null)
        {
            throw new InvalidOperationException($"No address is configured for the gRPC client '{name}'. Set GrpcClientFactoryOptions.Address.");
        }

        var channelOptions = new GrpcChannelOptions
        {
            LoggerFactory = services.GetService<ILoggerFactory>(),
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
        };
        foreach (var configure in options.ChannelOptionsActions)
        {
            configure(channelOptions);
        }

        return GrpcChannel.ForAddress(options.Address, channelOptions);
    }

    private sealed class CallOptionsConfigurationInterceptor : Interceptor
    {
        private readonly IList<Action<CallOptionsContext>> actions;
        private readonly IServiceProvider scope;

        public CallOptionsConfigurationInterceptor(IList<Action<CallOptionsContext>> actions, IServiceProvider scope)
        {
            this.actions = actions;
            this.scope = scope;
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Configure(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Configure(context));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(Configure(context));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(Configure(context));

        private ClientInterceptorContext<TRequest, TResponse> Configure<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            var callOptionsContext = new CallOptionsContext(context.Options, scope);
            foreach (var action in actions)
            {
                action(callOptionsContext);
            }

            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, callOptionsContext.CallOptions);
        }
    }
}
