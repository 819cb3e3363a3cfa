namespace GrpcRuntime;

public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>A method's identity without its message types.</summary>
public interface IMethod
{
    MethodType Type { get; }

    /// <summary>Fully-qualified service name, e.g. <c>claim.v1.ClaimService</c>.</summary>
    string ServiceName { get; }

    /// <summary>Unqualified method name, e.g. <c>Claim</c>.</summary>
    string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c>: <c>/{ServiceName}/{Name}</c>.</summary>
    string FullName { get; }
}

/// <summary>Describes one RPC; generated code creates one per method, so nobody writes a path by hand.</summary>
public sealed class Method<TRequest, TResponse> : IMethod
{
    public Method(MethodType type, string serviceName, string name, Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestMarshaller = requestMarshaller ?? throw new ArgumentNullException(nameof(requestMarshaller));
        ResponseMarshaller = responseMarshaller ?? throw new ArgumentNullException(nameof(responseMarshaller));
    }

    public MethodType Type { get; }

    public string ServiceName { get; }

    public string Name { get; }

    public string FullName { get; }

    public Marshaller<TRequest> RequestMarshaller { get; }

    public Marshaller<TResponse> ResponseMarshaller { get; }

    public override string ToString() => FullName;
}
