using System.Collections.Concurrent;
using System.Net;
using GrpcRuntime.Compression;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrpcRuntime.Client;

/// <summary>
/// A client connection to one gRPC server over HTTP/2. Thread-safe and meant to be long-lived:
/// create one per server address and share it; it pools and multiplexes connections.
/// </summary>
public sealed class GrpcChannel : ChannelBase, IDisposable
{
    private readonly HttpMessageInvoker invoker;
    private readonly bool disposeInvoker;
    private readonly GrpcChannelCallInvoker callInvoker;
    private readonly ConcurrentDictionary<string, Uri> methodUris = new(StringComparer.Ordinal);
    private int disposed;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
        : base(address.Authority)
    {
        Address = address;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        ThrowOperationCanceledOnCancellation = options.ThrowOperationCanceledOnCancellation;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger(typeof(GrpcChannel).FullName!);
        RetryPolicy = options.RetryPolicy;
        TimeProvider = options.TimeProvider ?? TimeProvider.System;

        var providers = options.CompressionProviders ?? [new GzipCompressionProvider()];
        CompressionProviders = providers.ToDictionary(p => p.EncodingName, StringComparer.Ordinal);
        AcceptEncoding = string.Join(",", ["identity", .. CompressionProviders.Keys]);

        if (options.HttpClient is not null)
        {
            invoker = options.HttpClient;
            disposeInvoker = options.DisposeHttpClient;
        }
        else if (options.HttpHandler is not null)
        {
            invoker = new HttpMessageInvoker(options.HttpHandler, options.DisposeHttpClient);
            disposeInvoker = true;
        }
        else
        {
            invoker = new HttpMessageInvoker(CreateDefaultHandler(options), disposeHandler: true);
            disposeInvoker = true;
        }

        callInvoker = new GrpcChannelCallInvoker(this);
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:5000</c>.</summary>
    public Uri Address { get; }

    internal static string UserAgent { get; } = "grpc-dotnet-runtime/" + (typeof(GrpcChannel).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    internal int? MaxReceiveMessageSize { get; }

    internal int? MaxSendMessageSize { get; }

    internal bool ThrowOperationCanceledOnCancellation { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Logger { get; }

    internal RetryPolicy? RetryPolicy { get; }

    internal TimeProvider TimeProvider { get; }

    internal Dictionary<string, ICompressionProvider> CompressionProviders { get; }

    internal string AcceptEncoding { get; }

    internal bool IsDisposed => Volatile.Read(ref disposed) != 0;

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return ForAddress(new Uri(address, UriKind.Absolute), options);
    }

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Address '{address}' must be an absolute http or https URI.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        options.RetryPolicy?.Validate();
        if (options.MaxReceiveMessageSize < 0 || options.MaxSendMessageSize < 0)
        {
            throw new ArgumentException("Message size limits cannot be negative.", nameof(options));
        }

        return new GrpcChannel(address, options);
    }

    public override CallInvoker CreateCallInvoker()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return callInvoker;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (disposeInvoker)
        {
            invoker.Dispose();
        }
    }

    /// <summary>Sends a request and completes as soon as the response headers arrive.</summary>
    internal Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        return invoker is HttpClient client
            ? client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            : invoker.SendAsync(request, cancellationToken);
    }

    internal Uri GetMethodUri(IMethod method) => methodUris.GetOrAdd(method.FullName, static (path, address) => new Uri(address, path), Address);

    private static SocketsHttpHandler CreateDefaultHandler(GrpcChannelOptions options)
    {
        return new SocketsHttpHandler
        {
            // One HTTP/2 connection caps concurrent streams (typically 100); more connections lift it.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,

            // gRPC to a service address never goes through an HTTP proxy from the environment.
            UseProxy = false,

            // The call injects trace context itself, from its own client activity.
            ActivityHeadersPropagator = null,
        };
    }
}
