using GrpcRuntime.Interceptors;

namespace GrpcRuntime.Client;

/// <summary>How the client factory builds the channel and the call invoker of one named client.</summary>
public sealed class GrpcClientFactoryOptions
{
    /// <summary>The server address; required.</summary>
    public Uri? Address { get; set; }

    /// <summary>Applied in order to the options of the client's channel.</summary>
    public IList<Action<GrpcChannelOptions>> ChannelOptionsActions { get; } = [];

    /// <summary>Interceptor instances, outermost first.</summary>
    public IList<Interceptor> Interceptors { get; } = [];

    /// <summary>Applied in order to the options of every call the client makes.</summary>
    public IList<Action<CallOptionsContext>> CallOptionsActions { get; } = [];

    /// <summary>Interceptors created from the service provider per client instance, after <see cref="Interceptors"/>.</summary>
    internal IList<Func<IServiceProvider, Interceptor>> InterceptorFactories { get; } = [];
}

/// <summary>The options of one call, open to change by <see cref="GrpcClientFactoryOptions.CallOptionsActions"/>.</summary>
public sealed class CallOptionsContext
{
    internal CallOptionsContext(CallOptions callOptions, IServiceProvider serviceProvider)
    {
        CallOptions = callOptions;
        ServiceProvider = serviceProvider;
    }

    public CallOptions CallOptions { get; set; }

    public IServiceProvider ServiceProvider { get; }
}

/// <summary>Settings of <c>EnableCallContextPropagation</c>.</summary>
public sealed class GrpcContextPropagationOptions
{
    /// <summary>
    /// When false (the default), a call made outside a server call fails with InvalidOperationException,
    /// because silently dropping the deadline is usually a bug. Set true for clients also used from
    /// background work.
    /// </summary>
    public bool SuppressContextNotFoundErrors { get; set; }
}
