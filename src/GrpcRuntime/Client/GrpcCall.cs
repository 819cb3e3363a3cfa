using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using GrpcRuntime.Compression;
using GrpcRuntime.Internal;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Client;

/// <summary>
/// One client call: a single HTTP/2 request whose outcome (status and trailers) is decided exactly
/// once, by whichever happens first — the server's status, a transport failure, the deadline, the
/// caller's cancellation or disposal.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : IDisposable
    where TRequest : class
    where TResponse : class
{
    private readonly GrpcChannel channel;
    private readonly Method<TRequest, TResponse> method;
    private readonly string? host;
    private readonly ILogger logger;
    private readonly CancellationTokenSource callCts = new();
    private readonly TaskCompletionSource<Metadata> responseHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DateTime? deadline;
    private readonly string? requestEncoding;
    private readonly ICompressionProvider? requestCompressor;
    private readonly long startTimestamp;
    private readonly Lock sync = new();

    private CallOutcome? outcome;
    private Activity? activity;
    private CancellationTokenRegistration userCancellation;
    private CancellationTokenRegistration propagatedCancellation;
    private ITimer? deadlineTimer;
    private volatile bool deadlineReached;
    private volatile bool cancelledByCaller;
    private Task<HttpResponseMessage?>? sendTask;
    private HttpResponseMessage? httpResponse;
    private PipeReader? responseReader;
    private ICompressionProvider? responseDecompressor;
    private StreamingRequestContent? streamingContent;
    private PipeWriter? requestWriter;
    private bool writeInProgress;
    private bool requestCompleted;
    private Task? unaryResponseTask;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        this.channel = channel;
        this.method = method;
        this.host = host;
        Options = options;
        logger = channel.Logger;
        startTimestamp = channel.TimeProvider.GetTimestamp();
        deadline = EffectiveDeadline(options);

        requestEncoding = options.Headers?.GetValue(ClientHeaders.RequestEncodingKey);
        if (requestEncoding is not null && requestEncoding != "identity")
        {
            if (!channel.CompressionProviders.TryGetValue(requestEncoding, out requestCompressor))
            {
                throw new InvalidOperationException($"Could not find a compression provider for '{requestEncoding}'.");
            }
        }
        else
        {
            requestEncoding = null;
        }
    }

    public CallOptions Options { get; }

    public Task<Metadata> ResponseHeadersAsync => responseHeaders.Task;

    public Task<TResponse> StartUnary(TRequest request)
    {
        var task = RunUnaryAsync(request);
        unaryResponseTask = task;
        return task;
    }

    public void StartServerStreaming(TRequest request)
    {
        sendTask = StartBufferedAsync(request, expectsSingleResponse: false);
    }

    public Task<TResponse> StartClientStreaming()
    {
        StartStreamingRequest();
        var task = ReadSingleResponseAsync();
        unaryResponseTask = task;
        return task;
    }

    public void StartDuplexStreaming() => StartStreamingRequest();

    public Status GetStatus()
    {
        return Volatile.Read(ref outcome)?.Status
            ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");
    }

    public Metadata GetTrailers()
    {
        return Volatile.Read(ref outcome)?.Trailers
            ?? throw new InvalidOperationException("Can't get the call trailers because the call has not completed.");
    }

    public void Dispose()
    {
        Finish(new Status(StatusCode.Cancelled, "gRPC call disposed."), null);
        deadlineTimer?.Dispose();
        httpResponse?.Dispose();
    }

    public Task WriteRequestMessageAsync(TRequest message, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        lock (sync)
        {
            var finished = outcome;
            if (finished is not null)
            {
                return Task.FromException(finished.Status.StatusCode == StatusCode.OK
                    ? new InvalidOperationException("Can't write the message because the call is complete.")
                    : CreateFailureException(finished));
            }

            if (requestCompleted)
            {
                return Task.FromException(new InvalidOperationException("Can't write the message because the request stream is complete."));
            }

            if (writeInProgress)
            {
                return Task.FromException(new InvalidOperationException("Can't write the message because the previous write is in progress."));
            }

            writeInProgress = true;
        }

        // Started outside the lock: the write may run into the HTTP stack synchronously.
        return WriteCoreAsync(message, writeOptions, cancellationToken);
    }

    public async Task CompleteRequestAsync()
    {
        lock (sync)
        {
            if (requestCompleted)
            {
                return;
            }

            if (writeInProgress)
            {
                throw new InvalidOperationException("Can't complete the request stream because the previous write is in progress.");
            }

            requestCompleted = true;
        }

        if (Volatile.Read(ref outcome) is not null)
        {
            return;
        }

        try
        {
            if (requestWriter is not null)
            {
                // Messages written with BufferHint may still sit in the writer.
                await requestWriter.FlushAsync(callCts.Token);
                await requestWriter.CompleteAsync();
            }
        }
        catch (Exception ex) when (IsTransportOrCancellation(ex))
        {
            throw await WriteFailureAsync(ex);
        }

        streamingContent!.Complete();
    }

    /// <summary>Reads the next message of a streaming response; (false, null) after an OK status.</summary>
    public async Task<(bool HasMessage, TResponse? Message)> ReadNextResponseAsync(CancellationToken cancellationToken)
    {
        var response = await sendTask!;
        if (response is null || Volatile.Read(ref outcome) is not null)
        {
            return ThrowUnlessOk();
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByCaller(), this)
            : default;
        try
        {
            var (hasMessage, message) = await ReadMessageAsync(response);
            if (hasMessage)
            {
                if (Volatile.Read(ref outcome) is { } finished && finished.Status.StatusCode != StatusCode.OK)
                {
                    throw CreateFailureException(finished);
                }

                return (true, message);
            }

            FinishFromTrailers(response, receivedMessages: -1);
        }
        catch (Exception ex) when (ex is not RpcException || Volatile.Read(ref outcome) is null)
        {
            Finish(StatusFromException(ex), null);
        }

        return ThrowUnlessOk();
    }

    private (bool, TResponse?) ThrowUnlessOk()
    {
        var finished = Volatile.Read(ref outcome)!;
        if (finished.Status.StatusCode == StatusCode.OK)
        {
            return (false, null);
        }

        throw CreateFailureException(finished);
    }

    private async Task<TResponse> RunUnaryAsync(TRequest request)
    {
        sendTask = StartBufferedAsync(request, expectsSingleResponse: true);
        return await ReadSingleResponseAsync();
    }

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        var response = await sendTask!;
        if (response is not null && Volatile.Read(ref outcome) is null)
        {
            try
            {
                var (hasMessage, message) = await ReadMessageAsync(response);
                if (hasMessage)
                {
                    var (hasAnother, _) = await ReadMessageAsync(response);
                    if (hasAnother)
                    {
                        Finish(new Status(StatusCode.Internal, "Failed to read the response: the server sent more than one message for a single-response call."), null);
                    }
                }

                FinishFromTrailers(response, hasMessage ? 1 : 0);
                var finished = Volatile.Read(ref outcome)!;
                if (finished.Status.StatusCode == StatusCode.OK)
                {
                    return message;
                }
            }
            catch (Exception ex) when (ex is not RpcException || Volatile.Read(ref outcome) is null)
            {
                Finish(StatusFromException(ex), null);
            }
        }

        throw CreateFailureException(Volatile.Read(ref outcome)!);
    }

    private async Task<HttpResponseMessage?> StartBufferedAsync(TRequest request, bool expectsSingleResponse)
    {
        if (!BeginCall())
        {
            return null;
        }

        ReadOnlyMemory<byte> framedRequest;
        try
        {
            var buffer = new ArrayBufferWriter<byte>();
            var compressor = Options.WriteOptions is { } writeOptions && writeOptions.Flags.HasFlag(WriteFlags.NoCompress) ? null : requestCompressor;
            MessageFraming.WriteMessage(buffer, request, method.RequestMarshaller, channel.MaxSendMessageSize, compressor, compressionLevel: null);
            framedRequest = buffer.WrittenMemory;
        }
        catch (Exception ex)
        {
            Finish(StatusFromException(ex), null);
            return null;
        }

        var retryPolicy = channel.RetryPolicy;
        return await SendAsync(
            () =>
            {
                var content = new ReadOnlyMemoryContent(framedRequest);
                content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
                return content;
            },
            retryPolicy is { MaxAttempts: > 1 } ? retryPolicy : null,
            expectsSingleResponse);
    }

    private void StartStreamingRequest()
    {
        streamingContent = new StreamingRequestContent();
        sendTask = StartStreamingAsync(method.Type == MethodType.ClientStreaming);

        // Async so that the span BeginCall makes current stays inside this call's flow.
        async Task<HttpResponseMessage?> StartStreamingAsync(bool expectsSingleResponse)
        {
            return BeginCall() ? await SendAsync(() => streamingContent!, retryPolicy: null, expectsSingleResponse) : null;
        }
    }

    /// <summary>Starts the span, the metrics and the deadline; false when the call already failed.</summary>
    private bool BeginCall()
    {
        activity = ClientDiagnostics.StartActivity(method, channel.Address);
        ClientDiagnostics.RecordStarted(method);
        ClientLog.CallStarting(logger, method.FullName, channel.Address);

        if (deadline is { } due)
        {
            var remaining = due - channel.TimeProvider.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                deadlineReached = true;
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline exceeded before the call started."), null);
                return false;
            }

            // Timers cannot wait longer than about 49 days; such a deadline is effectively none.
            if (remaining.TotalMilliseconds < uint.MaxValue - 1)
            {
                deadlineTimer = channel.TimeProvider.CreateTimer(static state => ((GrpcCall<TRequest, TResponse>)state!).OnDeadline(), this, remaining, Timeout.InfiniteTimeSpan);
            }
        }

        if (Options.CancellationToken.CanBeCanceled)
        {
            userCancellation = Options.CancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByCaller(), this);
        }

        if (Options.PropagationToken is { CancellationToken.CanBeCanceled: true } propagation)
        {
            propagatedCancellation = propagation.CancellationToken.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).Finish(new Status(StatusCode.Cancelled, "The parent call was cancelled."), null), this);
        }

        return Volatile.Read(ref outcome) is null;
    }

    private async Task<HttpResponseMessage?> SendAsync(Func<HttpContent> createContent, RetryPolicy? retryPolicy, bool expectsSingleResponse)
    {
        var attempt = 0;
        var backoffRetry = 0;
        while (true)
        {
            attempt++;
            var request = CreateRequest(createContent(), attempt);
            HttpResponseMessage response;
            try
            {
                response = await channel.SendAsync(request, callCts.Token);
            }
            catch (Exception ex)
            {
                if (Volatile.Read(ref outcome) is not null)
                {
                    return null;
                }

                ClientLog.TransportFailure(logger, method.FullName, ex);
                var failure = StatusFromException(ex);
                if (await ShouldRetryAsync(retryPolicy, attempt, failure.StatusCode, pushback: null, () => ++backoffRetry))
                {
                    continue;
                }

                Finish(failure, null);
                return null;
            }

            var headerStatus = ReadHeaderStatus(response, out var isTrailersOnly);
            if (headerStatus is { } status)
            {
                var pushback = isTrailersOnly ? ClientHeaders.ReadRetryPushback(response.Headers) : null;
                if (status.StatusCode != StatusCode.OK && await ShouldRetryAsync(retryPolicy, attempt, status.StatusCode, pushback, () => ++backoffRetry))
                {
                    response.Dispose();
                    if (pushback is not null)
                    {
                        backoffRetry = 0;
                    }

                    continue;
                }

                Metadata? trailers = null;
                if (isTrailersOnly)
                {
                    trailers = ClientHeaders.ToMetadata(response.Headers);
                    responseHeaders.TrySetResult(trailers);
                    if (status.StatusCode == StatusCode.OK && expectsSingleResponse)
                    {
                        status = new Status(StatusCode.Internal, "Failed to read the response: the server ended the call without a message.");
                    }
                }

                Finish(status, trailers);
                response.Dispose();
                return null;
            }

            lock (sync)
            {
                if (outcome is null)
                {
                    httpResponse = response;
                }
            }

            if (httpResponse != response)
            {
                response.Dispose();
                return null;
            }

            if (response.Headers.NonValidated.TryGetValues(ClientHeaders.GrpcEncoding, out var encodingValues))
            {
                var encoding = encodingValues.ToString();
                if (encoding != "identity")
                {
                    // An unsupported encoding stays null: a compressed message then fails as INTERNAL.
                    channel.CompressionProviders.TryGetValue(encoding, out responseDecompressor);
                }
            }

            responseHeaders.TrySetResult(ClientHeaders.ToMetadata(response.Headers));
            return response;
        }
    }

    private async Task<bool> ShouldRetryAsync(RetryPolicy? retryPolicy, int attempt, StatusCode statusCode, TimeSpan? pushback, Func<int> nextBackoffRetry)
    {
        if (retryPolicy is null || attempt >= retryPolicy.MaxAttempts || !retryPolicy.RetryableStatusCodes.Contains(statusCode) || pushback < TimeSpan.Zero)
        {
            return false;
        }

        var delay = pushback ?? JitteredDelay(retryPolicy.BackoffCeiling(nextBackoffRetry()));
        ClientLog.RetryScheduled(logger, method.FullName, attempt, statusCode, delay.TotalMilliseconds);
        try
        {
            await Task.Delay(delay, channel.TimeProvider, callCts.Token);
        }
        catch (OperationCanceledException)
        {
            // The deadline or the caller ended the call while waiting; its outcome is already set.
            return false;
        }

        return Volatile.Read(ref outcome) is null;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394", Justification = "Backoff jitter only spreads retries; it needs no unpredictability.")]
    private static TimeSpan JitteredDelay(TimeSpan ceiling) => ceiling * Random.Shared.NextDouble();

    private HttpRequestMessage CreateRequest(HttpContent content, int attempt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, channel.GetMethodUri(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        if (host is not null)
        {
            headers.Host = host;
        }

        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("user-agent", GrpcChannel.UserAgent);
        headers.TryAddWithoutValidation(ClientHeaders.GrpcAcceptEncoding, channel.AcceptEncoding);
        if (requestEncoding is not null)
        {
            headers.TryAddWithoutValidation(ClientHeaders.GrpcEncoding, requestEncoding);
        }

        if (deadline is { } due)
        {
            var remaining = due - channel.TimeProvider.GetUtcNow().UtcDateTime;
            var timeout = remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1);
            headers.TryAddWithoutValidation(ClientHeaders.GrpcTimeout, GrpcProtocol.EncodeTimeout(timeout));
        }

        if (attempt > 1)
        {
            headers.TryAddWithoutValidation(ClientHeaders.PreviousAttempts, (attempt - 1).ToString(CultureInfo.InvariantCulture));
        }

        ClientHeaders.AddMetadata(headers, Options.Headers);
        ClientDiagnostics.InjectTraceContext(activity, headers);
        return request;
    }

    /// <summary>
    /// The status a response announces in its headers: a Trailers-Only status, or one derived from a
    /// non-gRPC answer. Null for a normal gRPC response whose status comes in the trailers.
    /// </summary>
    private static Status? ReadHeaderStatus(HttpResponseMessage response, out bool isTrailersOnly)
    {
        isTrailersOnly = false;
        if (ClientHeaders.ReadStatus(response.Headers) is { } status)
        {
            isTrailersOnly = true;
            return status;
        }

        var httpStatus = (int)response.StatusCode;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Status(GrpcProtocol.MapHttpStatusToGrpc(httpStatus), $"Bad gRPC response. HTTP status code: {httpStatus}.");
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("content-type", out var values) ? values.ToString() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return new Status(StatusCode.Unknown, $"Bad gRPC response. Invalid content-type value: '{contentType}'.");
        }

        return null;
    }

    private async ValueTask<(bool HasMessage, TResponse Message)> ReadMessageAsync(HttpResponseMessage response)
    {
        if (responseReader is null)
        {
            var stream = await response.Content.ReadAsStreamAsync(callCts.Token);
            responseReader = PipeReader.Create(stream);
        }

        return await MessageFraming.ReadMessageAsync(responseReader, method.ResponseMarshaller, channel.MaxReceiveMessageSize, responseDecompressor, callCts.Token);
    }

    /// <summary>Ends the call with the status in the trailers, read after the body's end.</summary>
    private void FinishFromTrailers(HttpResponseMessage response, int receivedMessages)
    {
        var trailers = ClientHeaders.ToMetadata(response.TrailingHeaders);
        var status = ClientHeaders.ReadStatus(response.TrailingHeaders)
            ?? new Status(StatusCode.Internal, "Bad gRPC response. The response ended without a grpc-status trailer.");
        if (status.StatusCode == StatusCode.OK && receivedMessages == 0)
        {
            status = new Status(StatusCode.Internal, "Failed to read the response: the server ended the call without a message.");
        }

        responseReader?.Complete();
        Finish(status, trailers);
    }

    private async Task WriteCoreAsync(TRequest message, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByCaller(), this)
            : default;
        try
        {
            var stream = await streamingContent!.RequestStream.WaitAsync(callCts.Token);
            requestWriter ??= PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var flags = writeOptions?.Flags ?? WriteFlags.None;
            var compressor = flags.HasFlag(WriteFlags.NoCompress) ? null : requestCompressor;
            await MessageFraming.WriteMessageAsync(requestWriter, message, method.RequestMarshaller, channel.MaxSendMessageSize, compressor, flush: !flags.HasFlag(WriteFlags.BufferHint), callCts.Token);
        }
        catch (RpcException ex) when (Volatile.Read(ref outcome) is null)
        {
            // A message over the send limit (or unserializable) fails the whole call, as it would the server's.
            Finish(ex.Status, null);
            throw CreateFailureException(Volatile.Read(ref outcome)!);
        }
        catch (Exception ex) when (IsTransportOrCancellation(ex))
        {
            throw await WriteFailureAsync(ex);
        }
        finally
        {
            lock (sync)
            {
                writeInProgress = false;
            }
        }
    }

    /// <summary>
    /// A write failed because the stream is gone; the server's own status, when it sent one, explains
    /// why better than the write error does.
    /// </summary>
    private async Task<Exception> WriteFailureAsync(Exception writeError)
    {
        if (Volatile.Read(ref outcome) is null)
        {
            try
            {
                await sendTask!.WaitAsync(callCts.Token);
                if (unaryResponseTask is not null)
                {
                    await unaryResponseTask.WaitAsync(callCts.Token);
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException)
            {
                // The outcome is what matters here, not the exception that carried it.
            }
        }

        var finished = Volatile.Read(ref outcome);
        if (finished is null)
        {
            // The response is still being streamed to the reader, who will see the real status.
            return new RpcException(StatusFromException(writeError));
        }

        return finished.Status.StatusCode == StatusCode.OK
            ? new InvalidOperationException("Can't write the message because the call is complete.")
            : CreateFailureException(finished);
    }

    private static bool IsTransportOrCancellation(Exception ex) =>
        ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException;

    private void OnDeadline()
    {
        deadlineReached = true;
        ClientLog.DeadlineExceeded(logger, method.FullName);
        Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
    }

    private void CancelByCaller()
    {
        cancelledByCaller = true;
        Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), null);
    }

    /// <summary>Sets the outcome if none is set yet, then releases everything the call holds.</summary>
    private void Finish(Status status, Metadata? trailers)
    {
        var finished = new CallOutcome(status, trailers ?? []);
        lock (sync)
        {
            if (outcome is not null)
            {
                return;
            }

            Volatile.Write(ref outcome, finished);
        }

        deadlineTimer?.Dispose();
        userCancellation.Unregister();
        propagatedCancellation.Unregister();

        if (status.StatusCode == StatusCode.OK)
        {
            streamingContent?.Complete();
        }
        else
        {
            // Cancelling the HTTP request and disposing the response reset the HTTP/2 stream, which
            // is how the server learns that this call is over.
            streamingContent?.Abort();
            try
            {
                callCts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Disposed concurrently: the request is already gone.
            }

            if (responseHeaders.TrySetException(CreateFailureException(finished)))
            {
                // Nobody has to observe the headers of a failed call.
                _ = responseHeaders.Task.Exception;
            }
        }

        lock (sync)
        {
            httpResponse?.Dispose();
        }

        ClientLog.CallFinished(logger, method.FullName, status.StatusCode, status.Detail);
        ClientDiagnostics.RecordCompleted(method, status.StatusCode, channel.TimeProvider.GetElapsedTime(startTimestamp));
        ClientDiagnostics.StopActivity(activity, status);
    }

    private Exception CreateFailureException(CallOutcome finished)
    {
        if (finished.Status.StatusCode == StatusCode.Cancelled && cancelledByCaller && channel.ThrowOperationCanceledOnCancellation)
        {
            return new OperationCanceledException(finished.Status.Detail, Options.CancellationToken);
        }

        return new RpcException(finished.Status, finished.Trailers);
    }

    private Status StatusFromException(Exception ex)
    {
        if (Volatile.Read(ref outcome) is { } finished)
        {
            return finished.Status;
        }

        if (ex is RpcException rpc)
        {
            return rpc.Status;
        }

        if (ex is OperationCanceledException)
        {
            if (deadlineReached)
            {
                return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded", ex);
            }

            // Cancelled without the call being cancelled: a transport timeout (connect timeout,
            // HttpClient.Timeout), which says the server could not be reached in time.
            return callCts.IsCancellationRequested
                ? new Status(StatusCode.Cancelled, "Call canceled.", ex)
                : new Status(StatusCode.Unavailable, $"Error talking to the server: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException protocolError)
            {
                return new Status(GrpcProtocol.MapHttp2ErrorCodeToGrpc(protocolError.ErrorCode), $"HTTP/2 stream reset with error code {protocolError.ErrorCode}: {protocolError.Message}", ex);
            }
        }

        if (ex is HttpRequestException or IOException)
        {
            return new Status(StatusCode.Unavailable, $"Error talking to the server: {ex.GetType().Name}: {ex.Message}", ex);
        }

        return new Status(StatusCode.Internal, $"Error in the gRPC call: {ex.GetType().Name}: {ex.Message}", ex);
    }

    private static DateTime? EffectiveDeadline(CallOptions options)
    {
        var own = Normalize(options.Deadline);
        var propagated = Normalize(options.PropagationToken?.Deadline);
        return (own, propagated) switch
        {
            (null, var p) => p,
            (var o, null) => o,
            ({ } o, { } p) => o < p ? o : p,
        };

        static DateTime? Normalize(DateTime? value)
        {
            if (value is not { } v || v == DateTime.MaxValue)
            {
                return null;
            }

            return v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc);
        }
    }

    private sealed record CallOutcome(Status Status, Metadata Trailers);
}
