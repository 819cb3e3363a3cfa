using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Server.Internal;

/// <summary>HTTP-level checks that happen before a request is treated as a gRPC call.</summary>
internal static class GrpcRequestValidation
{
    public static bool IsValidGrpcRequest(HttpContext httpContext, ServerRuntime runtime)
    {
        var request = httpContext.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            Reject(httpContext, runtime, StatusCodes.Status426UpgradeRequired, $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2.");
            httpContext.Response.Headers.Upgrade = "h2c";
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            Reject(httpContext, runtime, StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not supported.");
            return false;
        }

        return true;
    }

    private static void Reject(HttpContext httpContext, ServerRuntime runtime, int httpStatus, string reason)
    {
        ServerLog.HttpRejected(runtime.Logger, httpContext.Request.Path.Value ?? string.Empty, httpStatus, reason);
        var response = httpContext.Response;
        response.StatusCode = httpStatus;

        // gRPC clients read these even on a non-200 answer, and report INTERNAL with our reason.
        response.Headers[GrpcProtocol.StatusTrailer] = GrpcProtocol.StatusCodeToString(StatusCode.Internal);
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcProtocol.PercentEncodeMessage(reason);
    }
}
