using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// What a caller hears when the gateway cannot reach the owning service. YARP answers a bare HTTP 502 (the service
/// refused or dropped the connection, or timed out) or 503 (no address for it), which a gRPC client can only report as
/// a failed HTTP exchange; a gRPC caller gets UNAVAILABLE instead, the status channels already retry with the same
/// request id, in a trailers-only response (HTTP 200, grpc-status 14) with a message that names the service. HTTP
/// callers keep the 502/503, as a problem document (the status code pages middleware writes it).
/// </summary>
public static class UnreachableBackends
{
    public static IReverseProxyApplicationBuilder UseGrpcUnavailableForUnreachableBackends(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.Use(async (http, next) =>
        {
            await next(http);
            if (http.Response.HasStarted || !GrpcProtocol.IsGrpc(http.Request)
                || http.Features.Get<IForwarderErrorFeature>() is not { } failure || MessageFor(failure.Error) is not { } reason)
            {
                return;
            }

            var service = GrpcRoutes.ServiceOf(http.GetReverseProxyFeature().Cluster.Config.ClusterId);
            GrpcProtocol.WriteStatus(http.Response, Grpc.Core.StatusCode.Unavailable, $"the gateway cannot forward the call to the {service} service: {reason}; retry later with the same request id");
        });
        return proxy;
    }

    /// <summary>The failures that mean the service is not there; others (the caller went away, a broken body) keep YARP's answer.</summary>
    private static string? MessageFor(ForwarderError error) => error switch
    {
        ForwarderError.NoAvailableDestinations => "no instance of it is known",
        ForwarderError.Request or ForwarderError.RequestCreation => "it cannot be reached",
        ForwarderError.RequestTimedOut => "it did not answer in time",
        _ => null,
    };
}
