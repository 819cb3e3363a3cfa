using GrpcRuntime.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps gRPC server reflection, v1 and v1alpha, so grpcurl-style tools work against either.</summary>
public static class GrpcReflectionEndpointRouteBuilderExtensions
{
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ServiceProvider.GetService<ReflectionIndex>() is null)
        {
            throw new InvalidOperationException("Server reflection is not registered: call services.AddGrpcReflection() first.");
        }

        var v1 = builder.MapGrpcService<ReflectionServiceImpl>();
        var v1Alpha = builder.MapGrpcService<V1AlphaReflectionServiceImpl>();
        return new PairConventionBuilder(v1, v1Alpha);
    }

    private sealed class PairConventionBuilder(IEndpointConventionBuilder first, IEndpointConventionBuilder second) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            first.Add(convention);
            second.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            first.Finally(finallyConvention);
            second.Finally(finallyConvention);
        }
    }
}
