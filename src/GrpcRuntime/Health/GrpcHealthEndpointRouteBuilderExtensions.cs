using GrpcRuntime.Health;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps grpc.health.v1.Health.</summary>
public static class GrpcHealthEndpointRouteBuilderExtensions
{
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.MapGrpcService<HealthServiceImpl>();
    }
}
