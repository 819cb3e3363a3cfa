using System.Diagnostics;
using System.Globalization;
using System.Net;
using GrpcRuntime.Compression;
using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace GrpcRuntime.Server.Internal;

/// <summary>The call context of one server call, living on the call's HttpContext.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The call's token sources are disposed by EndCallAsync, which every call path runs.")]
internal sealed class HttpContextServerCallContext : ServerCallContext, IServerCallContextFeature
{
    /// <summary>
    /// A response header a handler may set to ask for a response encoding on this call; it is
    /// consumed by the server, never sent (the same convention as other .NET gRPC servers).
    /// </summary>
    internal const string EncodingRequestHeader = "grpc-internal-encoding-request";

    private readonly HttpContext httpContext;
    private readonly IMethod method;
    private readonly ServiceMethodOptions options;
    private readonly ServerRuntime runtime;

    private DateTime deadline = DateTime.MaxValue;
    private CancellationTokenSource? deadlineSource;
    private CancellationTokenSource? callSource;
    private Metadata? requestHeaders;
    private Metadata? responseTrailers;
    private Dictionary<object, object>? userState;
    private string? peer;
    private Status status = Status.DefaultSuccess;
    private Activity? activity;
    private long startTimestamp;
    private bool responseHeadersPrepared;
    private bool responseHeadersSent;
    private bool messageWritten;
    private bool completed;
    private int activeWriteOrRead;
    private List<object>? ownedObjects;

    public HttpContextServerCallContext(HttpContext httpContext, IMethod method, ServiceMethodOptions options, ServerRuntime runtime)
    {
        this.httpContext = httpContext;
        this.method = method;
        this.options = options;
        this.runtime = runtime;
    }

    public override string Method => method.FullName;

    public override string Host => httpContext.Request.Host.Value ?? string.Empty;

    public override string Peer => peer ??= FormatPeer(httpContext.Connection.RemoteIpAddress, httpContext.Connection.RemotePort);

    public override DateTime Deadline => deadline;

    public override Metadata RequestHeaders => requestHeaders ??= BuildRequestHeaders(httpContext.Request.Headers);

    public override CancellationToken CancellationToken => (callSource ??= CreateCallSource()).Token;

    public override Metadata ResponseTrailers => responseTrailers ??= [];

    public override Status Status
    {
        get => status;
        set => status = value;
    }

    public override WriteOptions? WriteOptions { get; set; }

    public override IDictionary<object, object> UserState => userState ??= [];

    ServerCallContext IServerCallContextFeature.ServerCallContext => this;

    public ICompressionProvider? RequestDecompressor { get; private set; }

    public ICompressionProvider? ResponseCompressor { get; private set; }

    public ServiceMethodOptions Options => options;

    /// <summary>The token runtime reads and writes use: none unless the call needs one, because Kestrel ends the body on abort anyway.</summary>
    public CancellationToken RuntimeToken => callSource?.Token ?? default;

    public bool DeadlineExceeded => deadlineSource is { IsCancellationRequested: true };

    public override HttpContext GetHttpContext() => httpContext;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (responseHeadersSent || httpContext.Response.HasStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        }

        ThrowIfCompleted();
        foreach (var entry in responseHeaders)
        {
            if (entry.Key == EncodingRequestHeader)
            {
                ChooseResponseEncoding(entry.Value);
                continue;
            }

            AppendHeader(httpContext.Response.Headers, entry);
        }

        PrepareResponseHeaders();
        responseHeadersSent = true;
        return httpContext.Response.BodyWriter.FlushAsync(RuntimeToken).AsTask();
    }

    /// <summary>
    /// Prepares the call; on false the call was already answered (Trailers-Only) and the handler must not run.
    /// </summary>
    public bool TryStart()
    {
        startTimestamp = Stopwatch.GetTimestamp();
        StartTelemetry();
        httpContext.Features.Set<IServerCallContextFeature>(this);

        var request = httpContext.Request;
        var response = httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;

        var maxBodySize = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxBodySize is { IsReadOnly: false })
        {
            // Our own per-message limit applies; a long stream may exceed any body-wide limit.
            maxBodySize.MaxRequestBodySize = null;
        }

        if (runtime.Stopping.IsCancellationRequested)
        {
            return Reject(new Status(StatusCode.Unavailable, "The server is shutting down."));
        }

        var headers = request.Headers;
        var encoding = headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0 && !StringValues.IsNullOrEmpty(encoding) && encoding.ToString() is var encodingName && encodingName != GrpcProtocol.IdentityEncoding)
        {
            RequestDecompressor = options.FindProvider(encodingName);
            if (RequestDecompressor is null)
            {
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = options.AcceptEncoding;
                return Reject(new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encodingName}'. Supported encodings: {options.AcceptEncoding}"));
            }
        }

        if (options.ResponseCompressionAlgorithm is { } algorithm)
        {
            ChooseResponseEncoding(algorithm);
        }

        var timeoutHeader = headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0 && GrpcProtocol.TryParseTimeout(timeoutHeader.ToString(), out var timeout))
        {
            if (timeout <= TimeSpan.Zero)
            {
                return Reject(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }

            StartDeadline(timeout);
        }

        return true;
    }

    /// <summary>Writes a message of a unary or client-streaming response without flushing, so Kestrel sends headers, message and trailers together.</summary>
    public void WriteSingleResponse<TResponse>(TResponse response, Marshaller<TResponse> marshaller)
    {
        ThrowIfCompleted();
        PrepareResponseHeaders();
        MessageFraming.WriteMessage(httpContext.Response.BodyWriter, response, marshaller, options.MaxSendMessageSize, SelectCompressor(WriteOptions), options.ResponseCompressionLevel);
        messageWritten = true;
    }

    public async Task WriteStreamMessageAsync<TResponse>(TResponse message, Marshaller<TResponse> marshaller, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        ThrowIfCompleted();
        if (Interlocked.Exchange(ref activeWriteOrRead, 1) == 1)
        {
            throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
        }

        try
        {
            var token = RuntimeToken;
            token.ThrowIfCancellationRequested();
            cancellationToken.ThrowIfCancellationRequested();
            PrepareResponseHeaders();
            var writer = httpContext.Response.BodyWriter;
            MessageFraming.WriteMessage(writer, message, marshaller, options.MaxSendMessageSize, SelectCompressor(writeOptions ?? WriteOptions), options.ResponseCompressionLevel);
            messageWritten = true;
            if (writeOptions is null || (writeOptions.Flags & WriteFlags.BufferHint) == 0)
            {
                using var linked = cancellationToken.CanBeCanceled && token.CanBeCanceled
                    ? CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken)
                    : null;
                await writer.FlushAsync(linked?.Token ?? (token.CanBeCanceled ? token : cancellationToken));
            }
        }
        finally
        {
            Volatile.Write(ref activeWriteOrRead, 0);
        }
    }

    /// <summary>Turns a failure of the handler (or of the runtime around it) into the call's status.</summary>
    public void SetError(Exception exception)
    {
        if (DeadlineExceeded)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            return;
        }

        if (exception is RpcException rpcException)
        {
            status = rpcException.Status;
            if (rpcException.Trailers.Count > 0)
            {
                foreach (var entry in rpcException.Trailers)
                {
                    ResponseTrailers.Add(entry);
                }
            }

            return;
        }

        if (exception is OperationCanceledException && runtime.Stopping.IsCancellationRequested)
        {
            status = new Status(StatusCode.Unavailable, "The server is shutting down.");
            return;
        }

        if (exception is OperationCanceledException or IOException && httpContext.RequestAborted.IsCancellationRequested)
        {
            status = new Status(StatusCode.Cancelled, "The client cancelled the call.");
            return;
        }

        ServerLog.HandlerError(runtime.Logger, method.FullName, exception);
        var detail = options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        status = new Status(StatusCode.Unknown, detail, exception);
    }

    /// <summary>Sends the status (in trailers, or Trailers-Only when nothing was sent) and releases the call's resources.</summary>
    public ValueTask EndCallAsync()
    {
        if (!completed)
        {
            completed = true;
            if (DeadlineExceeded && status.StatusCode == StatusCode.OK)
            {
                status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }

            WriteStatus();
        }

        StopTelemetry();
        callSource?.Dispose();
        deadlineSource?.Dispose();
        return ownedObjects is null ? default : DisposeOwnedAsync();
    }

    /// <summary>Registers an object created for this call (a service or interceptor instance) to dispose at its end.</summary>
    public void AddOwnedObject(object instance)
    {
        if (instance is IDisposable or IAsyncDisposable)
        {
            (ownedObjects ??= []).Add(instance);
        }
    }

    public void EnterRead()
    {
        ThrowIfCompleted();
    }

    private bool Reject(Status rejection)
    {
        ServerLog.CallRejected(runtime.Logger, method.FullName, rejection.StatusCode, rejection.Detail);
        status = rejection;
        return false;
    }

    private void WriteStatus()
    {
        // No aborted-request check here: headers set on an aborted stream are simply dropped, and
        // asking Kestrel for RequestAborted would cost every call a token source.
        var response = httpContext.Response;
        try
        {
            var trailersOnly = !messageWritten && !responseHeadersSent && !response.HasStarted;
            var target = trailersOnly ? response.Headers : TrailersOf(response);
            target[GrpcProtocol.StatusTrailer] = GrpcProtocol.StatusCodeToString(status.StatusCode);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                target[GrpcProtocol.MessageTrailer] = GrpcProtocol.PercentEncodeMessage(status.Detail);
            }

            if (responseTrailers is { Count: > 0 })
            {
                foreach (var entry in responseTrailers)
                {
                    AppendHeader(target, entry);
                }
            }
        }
        catch (InvalidOperationException ex)
        {
            ServerLog.StatusWriteFailed(runtime.Logger, method.FullName, ex);
        }
    }

    private static IHeaderDictionary TrailersOf(HttpResponse response)
    {
        var feature = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>();
        return feature?.Trailers ?? throw new InvalidOperationException("The transport does not support response trailers; gRPC needs HTTP/2.");
    }

    private void PrepareResponseHeaders()
    {
        if (responseHeadersPrepared)
        {
            return;
        }

        responseHeadersPrepared = true;
        var headers = httpContext.Response.Headers;
        if (ResponseCompressor is not null)
        {
            headers[GrpcProtocol.EncodingHeader] = ResponseCompressor.EncodingName;
            headers[GrpcProtocol.AcceptEncodingHeader] = options.AcceptEncoding;
        }
    }

    private ICompressionProvider? SelectCompressor(WriteOptions? writeOptions) =>
        ResponseCompressor is not null && (writeOptions is null || (writeOptions.Flags & WriteFlags.NoCompress) == 0) ? ResponseCompressor : null;

    private void ChooseResponseEncoding(string encodingName)
    {
        if (responseHeadersPrepared)
        {
            return;
        }

        if (encodingName == GrpcProtocol.IdentityEncoding)
        {
            ResponseCompressor = null;
            return;
        }

        var provider = options.FindProvider(encodingName);
        if (provider is not null && ClientAccepts(provider.EncodingName))
        {
            ResponseCompressor = provider;
        }
    }

    private bool ClientAccepts(string encodingName)
    {
        foreach (var value in httpContext.Request.Headers[GrpcProtocol.AcceptEncodingHeader])
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan()[range].Trim().Equals(encodingName, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void StartDeadline(TimeSpan timeout)
    {
        var now = runtime.TimeProvider.GetUtcNow().UtcDateTime;
        deadline = timeout < DateTime.MaxValue - now ? now + timeout : DateTime.MaxValue;

        // CancellationTokenSource timers top out at ~49 days; a longer deadline never fires in practice.
        if (timeout.TotalMilliseconds < uint.MaxValue - 1)
        {
            deadlineSource = new CancellationTokenSource(timeout, runtime.TimeProvider);
            callSource = CreateCallSource();
        }
    }

    private CancellationTokenSource CreateCallSource()
    {
        var aborted = httpContext.RequestAborted;
        return deadlineSource is null
            ? CancellationTokenSource.CreateLinkedTokenSource(aborted, runtime.Stopping)
            : CancellationTokenSource.CreateLinkedTokenSource(aborted, runtime.Stopping, deadlineSource.Token);
    }

    private void ThrowIfCompleted()
    {
        if (completed)
        {
            throw new InvalidOperationException("The call is already complete.");
        }
    }

    private async ValueTask DisposeOwnedAsync()
    {
        foreach (var owned in ownedObjects!)
        {
            if (owned is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                ((IDisposable)owned).Dispose();
            }
        }
    }

    private void StartTelemetry()
    {
        if (ServerInstruments.CallsStarted.Enabled)
        {
            ServerInstruments.CallsStarted.Add(1, MethodTags());
        }

        if (!GrpcDiagnostics.ActivitySource.HasListeners())
        {
            return;
        }

        // ASP.NET Core's hosting activity has already continued the caller's traceparent when anyone
        // listens to it; otherwise read the W3C headers here so the trace still continues.
        var parent = Activity.Current;
        ActivityContext parentContext = default;
        if (parent is null)
        {
            var headers = httpContext.Request.Headers;
            var traceParent = headers["traceparent"];
            if (traceParent.Count > 0)
            {
                _ = ActivityContext.TryParse(traceParent.ToString(), headers["tracestate"].ToString(), isRemote: true, out parentContext);
            }
        }

        activity = parent is null
            ? GrpcDiagnostics.ActivitySource.StartActivity(method.ServiceName + "/" + method.Name, ActivityKind.Server, parentContext)
            : GrpcDiagnostics.ActivitySource.StartActivity(method.ServiceName + "/" + method.Name, ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", method.ServiceName);
            activity.SetTag("rpc.method", method.Name);
            var host = httpContext.Request.Host;
            activity.SetTag("server.address", host.Host);
            activity.SetTag("server.port", host.Port ?? httpContext.Connection.LocalPort);
        }
    }

    private void StopTelemetry()
    {
        var code = (int)status.StatusCode;
        if (activity is not null)
        {
            activity.SetTag("rpc.grpc.status_code", code);
            if (status.StatusCode != StatusCode.OK)
            {
                activity.SetStatus(ActivityStatusCode.Error, status.Detail);
            }

            activity.Dispose();
            activity = null;
        }

        if (ServerInstruments.CallsCompleted.Enabled || ServerInstruments.CallDuration.Enabled)
        {
            var tags = MethodTags();
            tags.Add("rpc.grpc.status_code", code);
            ServerInstruments.CallsCompleted.Add(1, tags);
            ServerInstruments.CallDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        }
    }

    private TagList MethodTags() => new()
    {
        { "rpc.system", "grpc" },
        { "rpc.service", method.ServiceName },
        { "rpc.method", method.Name },
    };

    private static void AppendHeader(IHeaderDictionary headers, Metadata.Entry entry)
    {
        var value = entry.IsBinary ? GrpcProtocol.EncodeBinaryHeader(entry.ValueBytes) : entry.Value;
        headers.Append(entry.Key, value);
    }

    private static Metadata BuildRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            var binary = key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal);
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                try
                {
                    if (binary)
                    {
                        // Several binary values may arrive folded into one header, comma-separated.
                        foreach (var range in value.AsSpan().Split(','))
                        {
                            metadata.Add(key, GrpcProtocol.DecodeBinaryHeader(value[range]));
                        }
                    }
                    else
                    {
                        metadata.Add(key, value);
                    }
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException)
                {
                    // A header a gRPC peer could not have sent (bad base64, non-printable text) is not
                    // metadata; dropping it is kinder than failing the whole call.
                }
            }
        }

        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? "ipv6:[" + address.ToString() + "]:" + port.ToString(CultureInfo.InvariantCulture)
            : "ipv4:" + address.ToString() + ":" + port.ToString(CultureInfo.InvariantCulture);
    }
}
