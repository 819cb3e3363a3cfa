using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GrpcRuntime.Server.Internal;

/// <summary>Answers calls to services or methods nobody mapped with UNIMPLEMENTED, Trailers-Only.</summary>
internal sealed class UnimplementedCallHandler(GrpcServiceRegistry registry, ServerRuntime runtime)
{
    public const string ServiceParameter = "unimplementedService";
    public const string MethodParameter = "unimplementedMethod";

    public Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcRequestValidation.IsValidGrpcRequest(httpContext, runtime))
        {
            return Task.CompletedTask;
        }

        ServerLog.Unimplemented(runtime.Logger, httpContext.Request.Path.Value ?? string.Empty);
        var serviceName = httpContext.GetRouteValue(ServiceParameter) as string ?? string.Empty;
        var detail = registry.IsServiceKnown(serviceName) ? "Method is unimplemented." : "Service is unimplemented.";
        var response = httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusTrailer] = GrpcProtocol.StatusCodeToString(StatusCode.Unimplemented);
        response.Headers[GrpcProtocol.MessageTrailer] = detail;
        return Task.CompletedTask;
    }
}

/// <summary>Lets the catch-all route match only gRPC requests, so other POST endpoints keep their 404s.</summary>
internal sealed class GrpcUnimplementedConstraint : IRouteConstraint
{
    public const string Name = "grpcunimplemented";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        httpContext is not null && GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType);
}
