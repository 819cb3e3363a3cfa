using Google.Protobuf;
using Grpc.Testing;
using Grpc.Core;

namespace Interop;

/// <summary>A case's assertion did not hold; the message says what was observed instead.</summary>
internal sealed class InteropCaseFailedException(string message) : Exception(message);

/// <summary>The interop cases from the gRPC project's interop test descriptions, on Grpc.Net.Client.</summary>
internal sealed class InteropCases(TestService.TestServiceClient client, UnimplementedService.UnimplementedServiceClient unimplementedClient, ResponseFlagRecorder responseFlags)
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoInitialValue = "test_initial_metadata_value";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";
    private const string RequestCompressionKey = "grpc-internal-encoding-request";
    private const string SpecialStatusMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001F608\t\n";

    // Generous: the cases run on a loaded 2-core machine, and a hung case must still end.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private static readonly byte[] EchoTrailingValue = [0xab, 0xab, 0xab];

    public static readonly IReadOnlyList<string> Names =
    [
        "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
        "client_streaming", "client_compressed_streaming", "server_streaming", "server_compressed_streaming",
        "ping_pong", "empty_stream", "cancel_after_begin", "cancel_after_first_response",
        "timeout_on_sleeping_server", "custom_metadata", "status_code_and_message", "special_status_message",
        "unimplemented_method", "unimplemented_service",
    ];

    public Task RunAsync(string name) => name switch
    {
        "empty_unary" => EmptyUnaryAsync(),
        "large_unary" => LargeUnaryAsync(),
        "client_compressed_unary" => ClientCompressedUnaryAsync(),
        "server_compressed_unary" => ServerCompressedUnaryAsync(),
        "client_streaming" => ClientStreamingAsync(),
        "client_compressed_streaming" => ClientCompressedStreamingAsync(),
        "server_streaming" => ServerStreamingAsync(),
        "server_compressed_streaming" => ServerCompressedStreamingAsync(),
        "ping_pong" => PingPongAsync(),
        "empty_stream" => EmptyStreamAsync(),
        "cancel_after_begin" => CancelAfterBeginAsync(),
        "cancel_after_first_response" => CancelAfterFirstResponseAsync(),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(),
        "custom_metadata" => CustomMetadataAsync(),
        "status_code_and_message" => StatusCodeAndMessageAsync(),
        "special_status_message" => SpecialStatusMessageAsync(),
        "unimplemented_method" => UnimplementedMethodAsync(),
        "unimplemented_service" => UnimplementedServiceAsync(),
        _ => throw new ArgumentException($"Unknown test case '{name}'.", nameof(name)),
    };

    private static DateTime Deadline => DateTime.UtcNow + CallTimeout;

    private async Task EmptyUnaryAsync()
    {
        var response = await client.EmptyCallAsync(new Empty(), deadline: Deadline);
        Expect(response is not null, "the response is null");
    }

    private async Task LargeUnaryAsync()
    {
        var response = await client.UnaryCallAsync(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, deadline: Deadline);
        ExpectZeros(response.Payload, 314159, "response");
    }

    private async Task ClientCompressedUnaryAsync()
    {
        static SimpleRequest Request(bool expectCompressed) => new()
        {
            ExpectCompressed = new BoolValue { Value = expectCompressed },
            ResponseSize = 314159,
            Payload = Zeros(271828),
        };

        await ExpectStatusAsync(
            async () => await client.UnaryCallAsync(Request(true), deadline: Deadline),
            StatusCode.InvalidArgument,
            "probe: an uncompressed request marked expect_compressed");

        var compressed = await client.UnaryCallAsync(Request(true), CompressedCall());
        ExpectZeros(compressed.Payload, 314159, "compressed request's response");

        var uncompressed = await client.UnaryCallAsync(Request(false), deadline: Deadline);
        ExpectZeros(uncompressed.Payload, 314159, "uncompressed request's response");
    }

    private async Task ServerCompressedUnaryAsync()
    {
        foreach (var compressed in new[] { true, false })
        {
            var request = new SimpleRequest
            {
                ResponseCompressed = new BoolValue { Value = compressed },
                ResponseSize = 314159,
                Payload = Zeros(271828),
            };
            var response = await client.UnaryCallAsync(request, deadline: Deadline);
            ExpectZeros(response.Payload, 314159, $"response (response_compressed={compressed})");
            var flags = responseFlags.LastCallFlags;
            Expect(flags.Count == 1 && flags[0] == compressed, $"response_compressed={compressed} but the response message flags were [{string.Join(", ", flags)}]");
        }
    }

    private async Task ClientStreamingAsync()
    {
        using var call = client.StreamingInputCall(deadline: Deadline);
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Expect(response.AggregatedPayloadSize == 74922, $"aggregated_payload_size {response.AggregatedPayloadSize}, expected 74922");
    }

    private async Task ClientCompressedStreamingAsync()
    {
        static StreamingInputCallRequest Request(bool expectCompressed, int size) => new()
        {
            ExpectCompressed = new BoolValue { Value = expectCompressed },
            Payload = Zeros(size),
        };

        using (var probe = client.StreamingInputCall(deadline: Deadline))
        {
            await WriteIgnoringEndedCallAsync(() => probe.RequestStream.WriteAsync(Request(true, 27182)));
            await WriteIgnoringEndedCallAsync(probe.RequestStream.CompleteAsync);
            await ExpectStatusAsync(async () => await probe.ResponseAsync, StatusCode.InvalidArgument, "probe: an uncompressed message marked expect_compressed");
        }

        using var call = client.StreamingInputCall(CompressedCall());
        await call.RequestStream.WriteAsync(Request(true, 27182));
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(Request(false, 45904));
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Expect(response.AggregatedPayloadSize == 73086, $"aggregated_payload_size {response.AggregatedPayloadSize}, expected 73086");
    }

    private async Task ServerStreamingAsync()
    {
        int[] sizes = [31415, 9, 2653, 58979];
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(size => new ResponseParameters { Size = size }));
        using var call = client.StreamingOutputCall(request, deadline: Deadline);
        var responses = await call.ResponseStream.ReadAllAsync().ToListAsync();
        ExpectSizes(responses, sizes);
    }

    private async Task ServerCompressedStreamingAsync()
    {
        (bool Compressed, int Size)[] plan = [(true, 31415), (false, 92653)];
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(plan.Select(p => new ResponseParameters { Size = p.Size, Compressed = new BoolValue { Value = p.Compressed } }));
        using var call = client.StreamingOutputCall(request, deadline: Deadline);
        var responses = await call.ResponseStream.ReadAllAsync().ToListAsync();
        ExpectSizes(responses, plan.Select(p => p.Size).ToArray());
        var flags = responseFlags.LastCallFlags;
        Expect(
            flags.SequenceEqual(plan.Select(p => p.Compressed)),
            $"response message compressed flags were [{string.Join(", ", flags)}], expected [{string.Join(", ", plan.Select(p => p.Compressed))}]");
    }

    private async Task PingPongAsync()
    {
        (int ResponseSize, int RequestSize)[] steps = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)];
        using var call = client.FullDuplexCall(deadline: Deadline);
        for (var i = 0; i < steps.Length; i++)
        {
            await call.RequestStream.WriteAsync(StreamRequest(steps[i].ResponseSize, steps[i].RequestSize));
            Expect(await call.ResponseStream.MoveNext(CancellationToken.None), $"the stream ended before response {i}");
            ExpectZeros(call.ResponseStream.Current.Payload, steps[i].ResponseSize, $"response {i}");
        }

        await call.RequestStream.CompleteAsync();
        Expect(!await call.ResponseStream.MoveNext(CancellationToken.None), "the server sent more than four responses");
    }

    private async Task EmptyStreamAsync()
    {
        using var call = client.FullDuplexCall(deadline: Deadline);
        await call.RequestStream.CompleteAsync();
        Expect(!await call.ResponseStream.MoveNext(CancellationToken.None), "the server sent a response to an empty stream");
    }

    private async Task CancelAfterBeginAsync()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = client.StreamingInputCall(deadline: Deadline, cancellationToken: cancellation.Token);
        await cancellation.CancelAsync();
        await ExpectStatusAsync(async () => await call.ResponseAsync, StatusCode.Cancelled, "a call cancelled after it began");
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = client.FullDuplexCall(deadline: Deadline, cancellationToken: cancellation.Token);
        await call.RequestStream.WriteAsync(StreamRequest(31415, 27182));
        Expect(await call.ResponseStream.MoveNext(CancellationToken.None), "the stream ended before the first response");
        ExpectZeros(call.ResponseStream.Current.Payload, 31415, "first response");
        await cancellation.CancelAsync();
        await ExpectStatusAsync(() => call.ResponseStream.MoveNext(CancellationToken.None), StatusCode.Cancelled, "reading after cancellation");
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        using var call = client.FullDuplexCall(deadline: DateTime.UtcNow.AddMilliseconds(1));
        // The deadline may pass before the request is even written; the read below decides.
        await WriteIgnoringEndedCallAsync(() => call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) }));
        await ExpectStatusAsync(() => call.ResponseStream.MoveNext(CancellationToken.None), StatusCode.DeadlineExceeded, "a call past its 1 ms deadline");
    }

    private async Task CustomMetadataAsync()
    {
        Metadata Headers() => new() { { EchoInitialKey, EchoInitialValue }, { EchoTrailingKey, EchoTrailingValue } };

        void CheckEcho(Metadata responseHeaders, Metadata trailers, string what)
        {
            Expect(responseHeaders.GetValue(EchoInitialKey) == EchoInitialValue, $"{what}: response headers lack {EchoInitialKey}={EchoInitialValue}");
            var trailing = trailers.GetValueBytes(EchoTrailingKey);
            Expect(trailing is not null && trailing.SequenceEqual(EchoTrailingValue), $"{what}: trailers lack {EchoTrailingKey}=0xababab");
        }

        using (var unary = client.UnaryCallAsync(new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, Headers(), Deadline))
        {
            var response = await unary.ResponseAsync;
            ExpectZeros(response.Payload, 314159, "unary response");
            CheckEcho(await unary.ResponseHeadersAsync, unary.GetTrailers(), "UnaryCall");
        }

        using var duplex = client.FullDuplexCall(Headers(), Deadline);
        await duplex.RequestStream.WriteAsync(StreamRequest(314159, 271828));
        await duplex.RequestStream.CompleteAsync();
        var responses = await duplex.ResponseStream.ReadAllAsync().ToListAsync();
        ExpectSizes(responses, [314159]);
        CheckEcho(await duplex.ResponseHeadersAsync, duplex.GetTrailers(), "FullDuplexCall");
    }

    private async Task StatusCodeAndMessageAsync()
    {
        const string message = "test status message";
        await ExpectEchoedStatusOnUnaryAsync(message);

        using var duplex = client.FullDuplexCall(deadline: Deadline);
        await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } });
        await WriteIgnoringEndedCallAsync(duplex.RequestStream.CompleteAsync);
        var failure = await ExpectStatusAsync(() => duplex.ResponseStream.MoveNext(CancellationToken.None), StatusCode.Unknown, "FullDuplexCall with response_status");
        Expect(failure.Status.Detail == message, $"FullDuplexCall status message {Quote(failure.Status.Detail)}, expected {Quote(message)}");
    }

    private Task SpecialStatusMessageAsync() => ExpectEchoedStatusOnUnaryAsync(SpecialStatusMessage);

    private async Task UnimplementedMethodAsync() =>
        await ExpectStatusAsync(async () => await client.UnimplementedCallAsync(new Empty(), deadline: Deadline), StatusCode.Unimplemented, "TestService/UnimplementedCall");

    private async Task UnimplementedServiceAsync() =>
        await ExpectStatusAsync(async () => await unimplementedClient.UnimplementedCallAsync(new Empty(), deadline: Deadline), StatusCode.Unimplemented, "UnimplementedService/UnimplementedCall");

    private async Task ExpectEchoedStatusOnUnaryAsync(string message)
    {
        var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } };
        var failure = await ExpectStatusAsync(async () => await client.UnaryCallAsync(request, deadline: Deadline), StatusCode.Unknown, "UnaryCall with response_status");
        Expect(failure.Status.Detail == message, $"UnaryCall status message {Quote(failure.Status.Detail)}, expected {Quote(message)}");
    }

    private static CallOptions CompressedCall() =>
        new(headers: new Metadata { { RequestCompressionKey, "gzip" } }, deadline: Deadline);

    private static StreamingOutputCallRequest StreamRequest(int responseSize, int requestSize)
    {
        var request = new StreamingOutputCallRequest { Payload = Zeros(requestSize) };
        request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
        return request;
    }

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InteropCaseFailedException(failure);
        }
    }

    private static void ExpectZeros(Payload payload, int size, string what)
    {
        Expect(payload is not null, $"{what}: no payload");
        Expect(payload!.Body.Length == size, $"{what}: payload is {payload.Body.Length} bytes, expected {size}");
        Expect(payload.Body.Span.IndexOfAnyExcept((byte)0) < 0, $"{what}: payload body is not all zeros");
    }

    private static void ExpectSizes(List<StreamingOutputCallResponse> responses, int[] sizes)
    {
        Expect(responses.Count == sizes.Length, $"{responses.Count} responses, expected {sizes.Length}");
        for (var i = 0; i < sizes.Length; i++)
        {
            ExpectZeros(responses[i].Payload, sizes[i], $"response {i}");
        }
    }

    private static async Task<RpcException> ExpectStatusAsync(Func<Task> call, StatusCode expected, string what)
    {
        try
        {
            await call();
        }
        catch (RpcException failure)
        {
            Expect(failure.StatusCode == expected, $"{what}: status {failure.StatusCode} ({Quote(failure.Status.Detail)}), expected {expected}");
            return failure;
        }

        throw new InteropCaseFailedException($"{what}: succeeded, expected status {expected}");
    }

    /// <summary>
    /// Writing to a call the server has already finished may fail; the case asserts on the call's
    /// status instead, which is what the interop description specifies.
    /// </summary>
    private static async Task WriteIgnoringEndedCallAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
        }
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
