using Microsoft.Extensions.DependencyInjection;

namespace GrpcRuntime.Server;

/// <summary>Returned by <c>AddGrpc</c> to configure services further.</summary>
public interface IGrpcServerBuilder
{
    IServiceCollection Services { get; }
}

internal sealed class GrpcServerBuilder(IServiceCollection services) : IGrpcServerBuilder
{
    public IServiceCollection Services { get; } = services;
}
