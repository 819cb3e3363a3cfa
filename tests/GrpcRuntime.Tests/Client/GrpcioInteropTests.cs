using GrpcRuntime.Client;

namespace GrpcRuntime.Tests.Client;

/// <summary>Our client against a real grpcio server.</summary>
public class GrpcioInteropTests : IClassFixture<GrpcioPeer>, IDisposable
{
    private readonly GrpcChannel channel;
    private readonly CallInvoker invoker;

    public GrpcioInteropTests(GrpcioPeer peer)
    {
        channel = GrpcChannel.ForAddress(peer.Address);
        invoker = channel.CreateCallInvoker();
    }

    public void Dispose() => channel.Dispose();

    [Fact]
    public async Task Unary_round_trip()
    {
        Assert.Equal("echo:hello", await invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "hello").ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Large_messages_spanning_many_frames_round_trip()
    {
        var large = new string('q', 1024 * 1024);

        Assert.Equal("echo:" + large, await invoker.AsyncUnaryCall(TestMethods.Unary, null, default, large).ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Ascii_and_binary_metadata_and_the_deadline_reach_the_server_and_come_back()
    {
        var binary = new byte[] { 0, 1, 0xfe, 0xff, 0x80 };
        var headers = new Metadata { { "x-text", "value with spaces" }, { "x-blob-bin", binary } };

        using var call = invoker.AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(20)), "echo-metadata");
        var reply = await call.ResponseAsync.WaitAsync(TestMethods.Patience);
        var responseHeaders = await call.ResponseHeadersAsync;

        Assert.StartsWith("remaining-ms=", reply, StringComparison.Ordinal);
        Assert.InRange(int.Parse(reply["remaining-ms=".Length..], System.Globalization.CultureInfo.InvariantCulture), 1, 20_000);
        Assert.Equal("value with spaces", responseHeaders.GetValue("x-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-blob-bin"));
        Assert.Equal("value with spaces", call.GetTrailers().GetValue("x-text"));
        Assert.Equal(binary, call.GetTrailers().GetValueBytes("x-blob-bin"));
    }

    [Fact]
    public async Task Status_code_and_non_ascii_message_survive()
    {
        const string detail = "券已领完 — ünïcödé ✓ 100%";

        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "status:RESOURCE_EXHAUSTED:" + detail).ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
    }

    [Fact]
    public async Task Server_streaming()
    {
        using var call = invoker.AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "4");
        var items = new List<string>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience))
        {
            items.Add(call.ResponseStream.Current);
        }

        Assert.Equal(["item-0", "item-1", "item-2", "item-3"], items);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Empty_server_stream()
    {
        using var call = invoker.AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "0");

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming()
    {
        using var call = invoker.AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
        foreach (var part in new[] { "a", "bb", "ccc" })
        {
            await call.RequestStream.WriteAsync(part);
        }

        await call.RequestStream.CompleteAsync();

        Assert.Equal("a+bb+ccc", await call.ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Duplex_ping_pong()
    {
        using var call = invoker.AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
            Assert.Equal($"pong:{i}", call.ResponseStream.Current);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Deadline_on_a_sleeping_server_is_deadline_exceeded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)), "sleep:10").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_after_first_response_is_cancelled()
    {
        using var cts = new CancellationTokenSource();
        using var call = invoker.AsyncDuplexStreamingCall(TestMethods.Duplex, null, new CallOptions(cancellationToken: cts.Token));
        await call.RequestStream.WriteAsync("first");
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));

        cts.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Compressed_request_and_compressed_response()
    {
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        Assert.Equal("echo:squeeze", await invoker.AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(gzip), "squeeze").ResponseAsync.WaitAsync(TestMethods.Patience));
        var compressedReply = await invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "compress").ResponseAsync.WaitAsync(TestMethods.Patience);
        Assert.Equal(string.Concat(Enumerable.Repeat("compressed reply ", 100)), compressedReply);
    }

    [Fact]
    public async Task Unknown_method_is_unimplemented()
    {
        var missing = new Method<string, string>(MethodType.Unary, TestMethods.ServiceName, "Missing", TestMethods.StringMarshaller, TestMethods.StringMarshaller);

        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(missing, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unknown_service_is_unimplemented()
    {
        var missing = new Method<string, string>(MethodType.Unary, "test.v1.Nowhere", "Unary", TestMethods.StringMarshaller, TestMethods.StringMarshaller);

        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(missing, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }
}
