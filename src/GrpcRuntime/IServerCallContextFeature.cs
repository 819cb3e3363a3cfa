namespace GrpcRuntime;

/// <summary>
/// Set by the server on the HttpContext of every gRPC call, so code that only has the HttpContext
/// (e.g. a client factory propagating deadlines) can reach the call's context.
/// </summary>
public interface IServerCallContextFeature
{
    ServerCallContext ServerCallContext { get; }
}
