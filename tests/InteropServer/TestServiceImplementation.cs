using Google.Protobuf;
using Grpc.Testing;
using Grpc.Core;

namespace Interop;

/// <summary>grpc.testing.TestService as the interop test descriptions define the server side.</summary>
internal sealed class TestServiceImplementation : TestService.TestServiceBase
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    /// <summary>The response-headers key through which a handler picks the response compression.</summary>
    private const string ResponseCompressionKey = "grpc-internal-encoding-request";

    public override async Task<Empty> EmptyCall(Empty request, ServerCallContext context)
    {
        await EchoMetadataAsync(context, compress: false);
        return new Empty();
    }

    public override async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        EnsureCompressedIfExpected(request.ExpectCompressed, context, messageIndex: 0);
        EnsureSupportedPayloadType(request.ResponseType);
        var compress = request.ResponseCompressed?.Value == true;
        await EchoMetadataAsync(context, compress);
        if (!compress)
        {
            context.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        }

        ThrowIfStatusRequested(request.ResponseStatus);
        return new SimpleResponse { Payload = Zeros(request.ResponseSize) };
    }

    public override async Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context)
    {
        // A value that differs on every call shows whether a caching proxy answered instead.
        await context.WriteResponseHeadersAsync(new Metadata { { "cache-control", "max-age=60, public" } });
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        return new SimpleResponse { Payload = new Payload { Body = ByteString.CopyFromUtf8(now.ToString(System.Globalization.CultureInfo.InvariantCulture)) } };
    }

    public override async Task StreamingOutputCall(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        EnsureSupportedPayloadType(request.ResponseType);
        await EchoMetadataAsync(context, compress: request.ResponseParameters.Any(p => p.Compressed?.Value == true));
        ThrowIfStatusRequested(request.ResponseStatus);
        await RespondAsync(request, responseStream, context);
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(IAsyncStreamReader<StreamingInputCallRequest> requestStream, ServerCallContext context)
    {
        var total = 0;
        var index = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            EnsureCompressedIfExpected(requestStream.Current.ExpectCompressed, context, index++);
            total += requestStream.Current.Payload?.Body.Length ?? 0;
        }

        await EchoMetadataAsync(context, compress: false);
        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public override async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        // Response headers (and with them the call's compression) go out before the first
        // request's parameters are known: offer gzip and switch it off per message.
        await EchoMetadataAsync(context, compress: true);
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            ThrowIfStatusRequested(request.ResponseStatus);
            EnsureSupportedPayloadType(request.ResponseType);
            await RespondAsync(request, responseStream, context);
        }
    }

    public override async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requestStream, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        var buffered = new List<StreamingOutputCallRequest>();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            buffered.Add(requestStream.Current);
        }

        await EchoMetadataAsync(context, compress: buffered.SelectMany(r => r.ResponseParameters).Any(p => p.Compressed?.Value == true));
        foreach (var request in buffered)
        {
            ThrowIfStatusRequested(request.ResponseStatus);
            EnsureSupportedPayloadType(request.ResponseType);
            await RespondAsync(request, responseStream, context);
        }
    }

    private static async Task RespondAsync(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken);
            }

            responseStream.WriteOptions = parameters.Compressed?.Value == true ? WriteOptions.Default : new WriteOptions(WriteFlags.NoCompress);
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(parameters.Size) }, context.CancellationToken);
        }
    }

    /// <summary>Sends the response headers: the echoed initial metadata and, if asked, gzip as the response encoding.</summary>
    private static async Task EchoMetadataAsync(ServerCallContext context, bool compress)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key == EchoInitialKey)
            {
                headers.Add(entry);
            }
            else if (entry.Key == EchoTrailingKey)
            {
                context.ResponseTrailers.Add(entry);
            }
        }

        if (compress)
        {
            headers.Add(ResponseCompressionKey, "gzip");
        }

        if (headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(headers);
        }
    }

    private static void EnsureCompressedIfExpected(BoolValue? expectCompressed, ServerCallContext context, int messageIndex)
    {
        if (expectCompressed?.Value == true && !ReceivedMessageFlags.Of(context.GetHttpContext()).WasCompressed(messageIndex))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"request message {messageIndex} was expected to arrive compressed"));
        }
    }

    private static void EnsureSupportedPayloadType(PayloadType type)
    {
        if (type != PayloadType.Compressable)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"unsupported payload type {type}"));
        }
    }

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is not null && status.Code != 0)
        {
            throw new RpcException(new Status((StatusCode)status.Code, status.Message));
        }
    }

    private static Payload Zeros(int size) => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };
}
