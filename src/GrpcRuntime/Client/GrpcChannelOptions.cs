using GrpcRuntime.Compression;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Client;

/// <summary>Settings of a <see cref="GrpcChannel"/>; read once when the channel is created.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>The default receive limit, as in every other gRPC implementation.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// A handler to send requests with instead of the channel's own SocketsHttpHandler. It must speak
    /// HTTP/2 to the server (h2c or TLS with ALPN).
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>An HttpClient to send requests with; takes precedence over <see cref="HttpHandler"/>.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Whether disposing the channel disposes an injected <see cref="HttpHandler"/> or <see cref="HttpClient"/>.</summary>
    public bool DisposeHttpClient { get; set; }

    /// <summary>Largest response message accepted; null means unlimited.</summary>
    public int? MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null means unlimited.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Encodings the channel can compress and decompress with; null means gzip only. The channel
    /// advertises them in <c>grpc-accept-encoding</c>.
    /// </summary>
    public IList<ICompressionProvider>? CompressionProviders { get; set; }

    /// <summary>
    /// When true, a call cancelled through its CancellationToken throws OperationCanceledException
    /// instead of RpcException with status CANCELLED.
    /// </summary>
    public bool ThrowOperationCanceledOnCancellation { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Retries of calls failing with a retryable status; null disables retries.</summary>
    public RetryPolicy? RetryPolicy { get; set; }

    /// <summary>The clock deadlines and retry backoff are measured with.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How often an idle HTTP/2 connection is pinged to detect a dead peer.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long establishing a connection may take before the call fails with UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an unused pooled connection is kept open.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
