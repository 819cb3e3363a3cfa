namespace GrpcRuntime;

public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);

public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// Receives the methods of a service. Generated <c>BindService</c> methods call one overload per
/// RPC; the server's binder turns each into an endpoint.
/// </summary>
public abstract class ServiceBinderBase
{
    public abstract void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;

    public abstract void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class;
}

/// <summary>
/// Put by generated code on each <c>XxxBase</c> class: names the static class holding the
/// generic <c>BindService&lt;TService&gt;(ServiceBinderBase, Func&lt;ServerCallContext, TService&gt;)</c>
/// method and the service's <c>Descriptor</c>, so <c>MapGrpcService&lt;T&gt;()</c> can find both.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class BindServiceMethodAttribute : Attribute
{
    public BindServiceMethodAttribute(Type bindType, string bindMethodName)
    {
        BindType = bindType ?? throw new ArgumentNullException(nameof(bindType));
        BindMethodName = bindMethodName ?? throw new ArgumentNullException(nameof(bindMethodName));
    }

    public Type BindType { get; }

    public string BindMethodName { get; }
}
