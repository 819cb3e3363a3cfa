namespace GrpcRuntime.Server;

/// <summary>Endpoint metadata naming the gRPC method an endpoint serves.</summary>
public sealed class GrpcMethodMetadata(IMethod method)
{
    public IMethod Method { get; } = method ?? throw new ArgumentNullException(nameof(method));
}
