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

    // A plain unary call touches only these fields; everything else lives in CallState, allocated
    // the first time a call needs any of it, so the common call costs one small object.
    private readonly HttpContext httpContext;
    private readonly ServerMethodContext methodContext;
    private CallState? state;
    private CallFlags flags;
    private int activeWriteOrRead;

    public HttpContextServerCallContext(HttpContext httpContext, ServerMethodContext methodContext)
    {
        this.httpContext = httpContext;
        this.methodContext = methodContext;
    }

    [Flags]
    private enum CallFlags
    {
        None = 0,
        ResponseHeadersPrepared = 1,
        ResponseHeadersSent = 2,
        MessageWritten = 4,
        Completed = 8,
    }

    public override string Method => methodContext.Method.FullName;

    public override string Host => httpContext.Request.Host.Value ?? string.Empty;

    public override string Peer => State.Peer ??= FormatPeer(httpContext.Connection.RemoteIpAddress, httpContext.Connection.RemotePort);

    public override DateTime Deadline => state?.Deadline ?? DateTime.MaxValue;

    public override Metadata RequestHeaders => State.RequestHeaders ??= BuildRequestHeaders(httpContext.Request.Headers);

    public override CancellationToken CancellationToken => (State.CallSource ??= CreateCallSource()).Token;

    public override Metadata ResponseTrailers => State.ResponseTrailers ??= [];

    public override Status Status
    {
        get => state is null ? Status.DefaultSuccess : state.Status;
        set => State.Status = value;
    }

    public override WriteOptions? WriteOptions
    {
        get => state?.WriteOptions;
        set
        {
            if (value is not null || state is not null)
            {
                State.WriteOptions = value;
            }
        }
    }

    public override IDictionary<object, object> UserState => State.UserState ??= [];

    ServerCallContext IServerCallContextFeature.ServerCallContext => this;

    public ICompressionProvider? RequestDecompressor => state?.RequestDecompressor;

    public ICompressionProvider? ResponseCompressor => state?.ResponseCompressor;

    public ServiceMethodOptions Options => methodContext.Options;

    /// <summary>The token runtime reads and writes use: none unless the call needs one, because Kestrel ends the body on abort anyway.</summary>
    public CancellationToken RuntimeToken => state?.CallSource?.Token ?? default;

    public bool DeadlineExceeded => state?.DeadlineSource is { IsCancellationRequested: true };

    /// <summary>The status code without copying the whole status, for the per-call success check.</summary>
    public StatusCode StatusCode => state?.Status.StatusCode ?? StatusCode.OK;

    private CallState State => state ??= new CallState();

    public override HttpContext GetHttpContext() => httpContext;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if ((flags & CallFlags.ResponseHeadersSent) != 0 || httpContext.Response.HasStarted)
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
        flags |= CallFlags.ResponseHeadersSent;
        return httpContext.Response.BodyWriter.FlushAsync(RuntimeToken).AsTask();
    }

    /// <summary>
    /// Prepares the call; on false the call was already answered (Trailers-Only) and the handler must not run.
    /// </summary>
    public bool TryStart()
    {
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

        if (methodContext.Runtime.Stopping.IsCancellationRequested)
        {
            return Reject(new Status(StatusCode.Unavailable, "The server is shutting down."));
        }

        var headers = request.Headers;
        var encoding = headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0 && !StringValues.IsNullOrEmpty(encoding) && encoding.ToString() is var encodingName && encodingName != GrpcProtocol.IdentityEncoding)
        {
            var decompressor = Options.FindProvider(encodingName);
            if (decompressor is null)
            {
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = Options.AcceptEncoding;
                return Reject(new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encodingName}'. Supported encodings: {Options.AcceptEncoding}"));
            }

            State.RequestDecompressor = decompressor;
        }

        if (Options.ResponseCompressionAlgorithm is { } algorithm)
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
        MessageFraming.WriteMessage(httpContext.Response.BodyWriter, response, marshaller, Options.MaxSendMessageSize, SelectCompressor(WriteOptions), Options.ResponseCompressionLevel);
        flags |= CallFlags.MessageWritten;
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
            MessageFraming.WriteMessage(writer, message, marshaller, Options.MaxSendMessageSize, SelectCompressor(writeOptions ?? WriteOptions), Options.ResponseCompressionLevel);
            flags |= CallFlags.MessageWritten;
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
            State.Status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            return;
        }

        if (exception is RpcException rpcException)
        {
            State.Status = rpcException.Status;
            if (rpcException.Trailers.Count > 0)
            {
                foreach (var entry in rpcException.Trailers)
                {
                    ResponseTrailers.Add(entry);
                }
            }

            return;
        }

        if (exception is OperationCanceledException && methodContext.Runtime.Stopping.IsCancellationRequested)
        {
            State.Status = new Status(StatusCode.Unavailable, "The server is shutting down.");
            return;
        }

        if (exception is OperationCanceledException or IOException && httpContext.RequestAborted.IsCancellationRequested)
        {
            State.Status = new Status(StatusCode.Cancelled, "The client cancelled the call.");
            return;
        }

        ServerLog.HandlerError(methodContext.Runtime.Logger, methodContext.Method.FullName, exception);
        var detail = Options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        State.Status = new Status(StatusCode.Unknown, detail, exception);
    }

    /// <summary>Sends the status (in trailers, or Trailers-Only when nothing was sent) and releases the call's resources.</summary>
    public ValueTask EndCallAsync()
    {
        if ((flags & CallFlags.Completed) == 0)
        {
            flags |= CallFlags.Completed;
            if (DeadlineExceeded && StatusCode == StatusCode.OK)
            {
                State.Status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }

            WriteStatus();
        }

        StopTelemetry();
        if (state is null)
        {
            return default;
        }

        state.CallSource?.Dispose();
        state.DeadlineSource?.Dispose();
        return state.OwnedObjects is null ? default : DisposeOwnedAsync(state.OwnedObjects);
    }

    /// <summary>Registers an object created for this call (a service or interceptor instance) to dispose at its end.</summary>
    public void AddOwnedObject(object instance)
    {
        if (instance is IDisposable or IAsyncDisposable)
        {
            (State.OwnedObjects ??= []).Add(instance);
        }
    }

    public void EnterRead()
    {
        ThrowIfCompleted();
    }

    private bool Reject(Status rejection)
    {
        ServerLog.CallRejected(methodContext.Runtime.Logger, methodContext.Method.FullName, rejection.StatusCode, rejection.Detail);
        State.Status = rejection;
        return false;
    }

    private void WriteStatus()
    {
        // No aborted-request check here: headers set on an aborted stream are simply dropped, and
        // asking Kestrel for RequestAborted would cost every call a token source.
        var response = httpContext.Response;
        try
        {
            var trailersOnly = (flags & (CallFlags.MessageWritten | CallFlags.ResponseHeadersSent)) == 0 && !response.HasStarted;
            var target = trailersOnly ? response.Headers : TrailersOf(response);
            if (state is null)
            {
                target[GrpcProtocol.StatusTrailer] = GrpcProtocol.StatusCodeToString(StatusCode.OK);
                return;
            }

            var status = state.Status;
            target[GrpcProtocol.StatusTrailer] = GrpcProtocol.StatusCodeToString(status.StatusCode);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                target[GrpcProtocol.MessageTrailer] = GrpcProtocol.PercentEncodeMessage(status.Detail);
            }

            if (state.ResponseTrailers is { Count: > 0 } responseTrailers)
            {
                foreach (var entry in responseTrailers)
                {
                    AppendHeader(target, entry);
                }
            }
        }
        catch (InvalidOperationException ex)
        {
            ServerLog.StatusWriteFailed(methodContext.Runtime.Logger, methodContext.Method.FullName, ex);
        }
    }

    private static IHeaderDictionary TrailersOf(HttpResponse response)
    {
        var feature = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>();
        return feature?.Trailers ?? throw new InvalidOperationException("The transport does not support response trailers; gRPC needs HTTP/2.");
    }

    private void PrepareResponseHeaders()
    {
        if ((flags & CallFlags.ResponseHeadersPrepared) != 0)
        {
            return;
        }

        flags |= CallFlags.ResponseHeadersPrepared;
        if (ResponseCompressor is { } compressor)
        {
            var headers = httpContext.Response.Headers;
            headers[GrpcProtocol.EncodingHeader] = compressor.EncodingName;
            headers[GrpcProtocol.AcceptEncodingHeader] = Options.AcceptEncoding;
        }
    }

    private ICompressionProvider? SelectCompressor(WriteOptions? writeOptions) =>
        ResponseCompressor is not null && (writeOptions is null || (writeOptions.Flags & WriteFlags.NoCompress) == 0) ? ResponseCompressor : null;

    private void ChooseResponseEncoding(string encodingName)
    {
        if ((flags & CallFlags.ResponseHeadersPrepared) != 0)
        {
            return;
        }

        if (encodingName == GrpcProtocol.IdentityEncoding)
        {
            if (state is not null)
            {
                state.ResponseCompressor = null;
            }

            return;
        }

        var provider = Options.FindProvider(encodingName);
        if (provider is not null && ClientAccepts(provider.EncodingName))
        {
            State.ResponseCompressor = provider;
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
        var runtime = methodContext.Runtime;
        var now = runtime.TimeProvider.GetUtcNow().UtcDateTime;
        var callState = State;
        callState.Deadline = timeout < DateTime.MaxValue - now ? now + timeout : DateTime.MaxValue;

        // CancellationTokenSource timers top out at ~49 days; a longer deadline never fires in practice.
        if (timeout.TotalMilliseconds < uint.MaxValue - 1)
        {
            callState.DeadlineSource = new CancellationTokenSource(timeout, runtime.TimeProvider);
            callState.CallSource = CreateCallSource();
        }
    }

    private CancellationTokenSource CreateCallSource()
    {
        var aborted = httpContext.RequestAborted;
        var stopping = methodContext.Runtime.Stopping;
        return state?.DeadlineSource is { } deadlineSource
            ? CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping, deadlineSource.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
    }

    private void ThrowIfCompleted()
    {
        if ((flags & CallFlags.Completed) != 0)
        {
            throw new InvalidOperationException("The call is already complete.");
        }
    }

    private static async ValueTask DisposeOwnedAsync(List<object> ownedObjects)
    {
        foreach (var owned in ownedObjects)
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
        var metricsEnabled = ServerInstruments.CallsStarted.Enabled || ServerInstruments.CallsCompleted.Enabled || ServerInstruments.CallDuration.Enabled;
        if (metricsEnabled)
        {
            State.StartTimestamp = Stopwatch.GetTimestamp();
            if (ServerInstruments.CallsStarted.Enabled)
            {
                ServerInstruments.CallsStarted.Add(1, MethodTags());
            }
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

        var activity = parent is null
            ? GrpcDiagnostics.ActivitySource.StartActivity(methodContext.ActivityName, ActivityKind.Server, parentContext)
            : GrpcDiagnostics.ActivitySource.StartActivity(methodContext.ActivityName, ActivityKind.Server);
        if (activity is null)
        {
            return;
        }

        State.Activity = activity;
        if (activity.IsAllDataRequested)
        {
            var method = methodContext.Method;
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
        if (state?.Activity is { } activity)
        {
            var status = state.Status;
            activity.SetTag("rpc.grpc.status_code", (int)status.StatusCode);
            if (status.StatusCode != StatusCode.OK)
            {
                activity.SetStatus(ActivityStatusCode.Error, status.Detail);
            }

            activity.Dispose();
            state.Activity = null;
        }

        if (ServerInstruments.CallsCompleted.Enabled || ServerInstruments.CallDuration.Enabled)
        {
            var tags = MethodTags();
            tags.Add("rpc.grpc.status_code", (int)StatusCode);
            ServerInstruments.CallsCompleted.Add(1, tags);

            // A listener that attached while the call ran has no start time to measure from.
            if (state is { StartTimestamp: not 0 } timed)
            {
                ServerInstruments.CallDuration.Record(Stopwatch.GetElapsedTime(timed.StartTimestamp).TotalSeconds, tags);
            }
        }
    }

    private TagList MethodTags() => new()
    {
        { "rpc.system", "grpc" },
        { "rpc.service", methodContext.Method.ServiceName },
        { "rpc.method", methodContext.Method.Name },
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

    /// <summary>The per-call state only some calls need: deadlines, metadata, compression, telemetry, owned objects, a non-OK status.</summary>
    private sealed class CallState
    {
        public Status Status { get; set; } = Status.DefaultSuccess;

        public DateTime Deadline { get; set; } = DateTime.MaxValue;

        public CancellationTokenSource? DeadlineSource { get; set; }

        public CancellationTokenSource? CallSource { get; set; }

        public Metadata? RequestHeaders { get; set; }

        public Metadata? ResponseTrailers { get; set; }

        public Dictionary<object, object>? UserState { get; set; }

        public string? Peer { get; set; }

        public WriteOptions? WriteOptions { get; set; }

        public ICompressionProvider? RequestDecompressor { get; set; }

        public ICompressionProvider? ResponseCompressor { get; set; }

        public Activity? Activity { get; set; }

        public long StartTimestamp { get; set; }

        public List<object>? OwnedObjects { get; set; }
    }
}
