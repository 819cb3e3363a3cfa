using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// The HttpClient YARP forwards calls with, one per cluster. Only what a proxy of gRPC calls needs: several HTTP/2
/// connections per service once one is full of streams, nothing that rewrites the exchange (no decompression — gRPC
/// compresses per message and the body passes through untouched —, no cookies, no proxy, no redirects), W3C trace
/// headers so the service's spans join the caller's trace, and keep-alive pings so a service that vanished without
/// closing its connections is noticed by long streams.
/// </summary>
public sealed class ForwarderClients : ForwarderHttpClientFactory
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        ArgumentNullException.ThrowIfNull(handler);
        handler.EnableMultipleHttp2Connections = true;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.UseCookies = false;
        handler.UseProxy = false;
        handler.AllowAutoRedirect = false;
        handler.ConnectTimeout = ConnectTimeout;
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
    }
}
