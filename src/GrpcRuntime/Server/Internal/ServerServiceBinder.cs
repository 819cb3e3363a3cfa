using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Server.Internal;

/// <summary>Collects the methods a generated BindService reports and turns each into a request delegate.</summary>
internal sealed class ServerServiceBinder(ServiceMethodOptions options, ServerRuntime runtime) : ServiceBinderBase
{
    public List<(IMethod Method, RequestDelegate Handler)> Methods { get; } = [];

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        Methods.Add((method, new UnaryServerCallHandler<TRequest, TResponse>(method, handler, options, runtime).HandleCallAsync));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        Methods.Add((method, new ClientStreamingServerCallHandler<TRequest, TResponse>(method, handler, options, runtime).HandleCallAsync));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        Methods.Add((method, new ServerStreamingServerCallHandler<TRequest, TResponse>(method, handler, options, runtime).HandleCallAsync));
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        Methods.Add((method, new DuplexStreamingServerCallHandler<TRequest, TResponse>(method, handler, options, runtime).HandleCallAsync));
    }
}
