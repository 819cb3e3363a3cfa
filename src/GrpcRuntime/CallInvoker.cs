namespace GrpcRuntime;

/// <summary>Starts calls. The channel's invoker talks HTTP/2; interceptors wrap it.</summary>
public abstract class CallInvoker
{
    public abstract AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    public abstract AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    public abstract AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;

    public abstract AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;
}

/// <summary>A connection to a server that creates call invokers.</summary>
public abstract class ChannelBase
{
    protected ChannelBase(string target)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
    }

    /// <summary>The address the channel talks to.</summary>
    public string Target { get; }

    public abstract CallInvoker CreateCallInvoker();
}

/// <summary>Base of every generated <c>XxxClient</c>.</summary>
public abstract class ClientBase
{
    protected ClientBase(ChannelBase channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker())
    {
    }

    protected ClientBase(CallInvoker callInvoker)
    {
        CallInvoker = callInvoker ?? throw new ArgumentNullException(nameof(callInvoker));
    }

    public CallInvoker CallInvoker { get; }
}

/// <summary>Typed base of generated clients.</summary>
public abstract class ClientBase<TClient> : ClientBase
    where TClient : ClientBase<TClient>
{
    protected ClientBase(ChannelBase channel)
        : base(channel)
    {
    }

    protected ClientBase(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }
}
