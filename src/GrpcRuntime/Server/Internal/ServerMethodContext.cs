namespace GrpcRuntime.Server.Internal;

/// <summary>What every call of one method shares, built once at mapping time so a call context needs one reference to it.</summary>
internal sealed class ServerMethodContext
{
    public ServerMethodContext(IMethod method, ServiceMethodOptions options, ServerRuntime runtime)
    {
        Method = method;
        Options = options;
        Runtime = runtime;
        ActivityName = method.ServiceName + "/" + method.Name;
    }

    public IMethod Method { get; }

    public ServiceMethodOptions Options { get; }

    public ServerRuntime Runtime { get; }

    /// <summary>The span name, <c>service/method</c>.</summary>
    public string ActivityName { get; }
}
