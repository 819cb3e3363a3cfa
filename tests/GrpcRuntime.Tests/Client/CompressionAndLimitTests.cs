using System.Text;
using GrpcRuntime.Client;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Tests.Client;

public class CompressionAndLimitTests
{
    [Fact]
    public async Task Gzip_compressed_response_is_decompressed()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            context.Response.Headers["grpc-encoding"] = "gzip";
            await RawGrpc.WriteMessageAsync(context, "squeezed reply", gzip: true);
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        Assert.Equal("squeezed reply", await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Request_compression_chosen_through_metadata_sends_gzip_frames_and_header()
    {
        string? encodingHeader = null;
        (bool Compressed, byte[] Payload)? frame = null;
        IHeaderDictionary? headers = null;
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            headers = context.Request.Headers;
            encodingHeader = context.Request.Headers["grpc-encoding"];
            frame = await RawGrpc.ReadFrameAsync(context.Request);
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "ok");
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var metadata = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(metadata), "compress me").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal("gzip", encodingHeader);
        Assert.True(frame!.Value.Compressed);
        Assert.Equal("compress me", Encoding.UTF8.GetString(RawGrpc.Gunzip(frame.Value.Payload)));
        Assert.False(headers!.ContainsKey("grpc-internal-encoding-request"));
    }

    [Fact]
    public async Task NoCompress_write_flag_sends_an_uncompressed_frame_on_a_compressing_stream()
    {
        var frames = new List<(bool Compressed, byte[] Payload)>();
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            while (await RawGrpc.ReadFrameAsync(context.Request) is { } frame)
            {
                frames.Add(frame);
            }

            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "ok");
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, new CallOptions(new Metadata { { "grpc-internal-encoding-request", "gzip" } }));
        await call.RequestStream.WriteAsync("packed");
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync("plain");
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal([true, false], frames.Select(f => f.Compressed));
        Assert.Equal("plain", Encoding.UTF8.GetString(frames[1].Payload));
    }

    [Fact]
    public async Task Response_over_the_receive_limit_is_resource_exhausted()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, new string('z', 2048));
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Default_receive_limit_is_four_mebibytes()
    {
        var size = 0;
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, new string('z', size));
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var invoker = channel.CreateCallInvoker();

        size = 4 * 1024 * 1024;
        Assert.Equal(size, (await invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience)).Length);
        size = 4 * 1024 * 1024 + 1;
        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_send_limit_fails_without_contacting_the_server()
    {
        var requests = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref requests);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxSendMessageSize = 10 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, new string('a', 11)).ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    [Fact]
    public async Task Compressed_response_without_a_known_encoding_is_internal()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            context.Response.Headers["grpc-encoding"] = "snappy";
            await RawGrpc.WriteMessageAsync(context, "?", gzip: true);
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }
}
