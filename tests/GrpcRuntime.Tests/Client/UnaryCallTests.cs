using GrpcRuntime.Client;
using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Tests.Client;

public class UnaryCallTests
{
    [Fact]
    public async Task Unary_call_sends_grpc_request_headers_and_returns_the_response_with_headers_and_trailers()
    {
        IHeaderDictionary? seenHeaders = null;
        string? seenPath = null, seenMethod = null, seenProtocol = null, seenMessage = null;
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            seenHeaders = context.Request.Headers;
            seenPath = context.Request.Path;
            seenMethod = context.Request.Method;
            seenProtocol = context.Request.Protocol;
            seenMessage = await RawGrpc.ReadMessageAsync(context.Request);
            RawGrpc.StartResponse(context);
            context.Response.Headers["x-reply"] = "header-value";
            await RawGrpc.WriteMessageAsync(context, "echo:" + seenMessage);
            RawGrpc.SetStatus(context, 0);
            context.Response.AppendTrailer("x-trailer", "trailer-value");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var headers = new Metadata { { "x-text", "hello" }, { "x-data-bin", new byte[] { 0, 1, 2, 255 } } };

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(headers), "ping");
        var response = await call.ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal("echo:ping", response);
        Assert.Equal("POST", seenMethod);
        Assert.Equal("HTTP/2", seenProtocol);
        Assert.Equal("/test.v1.Echo/Unary", seenPath);
        Assert.Equal("application/grpc", seenHeaders!["content-type"].ToString());
        Assert.Equal("trailers", seenHeaders["te"].ToString());
        Assert.StartsWith("grpc-dotnet-runtime/", seenHeaders["user-agent"].ToString(), StringComparison.Ordinal);
        Assert.Contains("gzip", seenHeaders["grpc-accept-encoding"].ToString(), StringComparison.Ordinal);
        Assert.False(seenHeaders.ContainsKey("grpc-timeout"));
        Assert.Equal("hello", seenHeaders["x-text"].ToString());
        Assert.Equal("AAEC/w", seenHeaders["x-data-bin"].ToString());

        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("header-value", responseHeaders.GetValue("x-reply"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("trailer-value", call.GetTrailers().GetValue("x-trailer"));
        Assert.Null(call.GetTrailers().Get("grpc-status"));
    }

    [Fact]
    public async Task Trailers_only_response_fails_the_call_with_its_status_non_ascii_message_and_trailers()
    {
        const string detail = "余额不足: 100% ✓";
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            RawGrpc.TrailersOnly(context, (int)StatusCode.FailedPrecondition, GrpcProtocol.PercentEncodeMessage(detail));
            context.Response.Headers["x-reason-bin"] = GrpcProtocol.EncodeBinaryHeader([9, 8, 7]);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "ping");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal(new byte[] { 9, 8, 7 }, error.Trailers.GetValueBytes("x-reason-bin"));
        Assert.Equal(StatusCode.FailedPrecondition, call.GetStatus().StatusCode);
        Assert.Equal(new byte[] { 9, 8, 7 }, call.GetTrailers().GetValueBytes("x-reason-bin"));
    }

    [Fact]
    public async Task Status_in_trailers_after_headers_fails_the_call_with_that_status()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await context.Response.Body.FlushAsync();
            RawGrpc.SetStatus(context, (int)StatusCode.NotFound, "voucher%20missing");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("voucher missing", error.Status.Detail);
    }

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    public async Task Missing_grpc_status_is_mapped_from_the_http_status(int httpStatus, StatusCode expected)
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            context.Response.StatusCode = httpStatus;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("not grpc");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ok_response_without_grpc_content_type_is_unknown()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html/>");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
    }

    [Fact]
    public async Task Response_ending_without_grpc_status_trailer_is_internal()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "reply");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Unary_response_with_other_than_one_message_is_internal(int messageCount)
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await context.Response.Body.FlushAsync();
            for (var i = 0; i < messageCount; i++)
            {
                await RawGrpc.WriteMessageAsync(context, "reply" + i);
            }

            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Trailers_only_ok_for_a_unary_call_is_internal_because_no_message_came()
    {
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            RawGrpc.TrailersOnly(context, 0);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Theory]
    [InlineData(0x8, StatusCode.Cancelled)]
    [InlineData(0x2, StatusCode.Internal)]
    [InlineData(0x7, StatusCode.Unavailable)]
    [InlineData(0xb, StatusCode.ResourceExhausted)]
    public async Task Server_reset_of_the_stream_maps_the_http2_error_code(int errorCode, StatusCode expected)
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "partial");
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(errorCode);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task Reset_before_response_headers_maps_the_http2_error_code()
    {
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(0x7);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Unreachable_server_is_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Status_and_trailers_are_unavailable_until_the_call_completes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            await release.Task;
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "done");
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x");
        Assert.Throws<InvalidOperationException>(() => call.GetStatus());
        Assert.Throws<InvalidOperationException>(() => call.GetTrailers());
        release.SetResult();

        Assert.Equal("done", await call.ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Empty(call.GetTrailers());
    }

    [Fact]
    public async Task Calls_on_a_disposed_channel_throw_ObjectDisposedException()
    {
        var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");
        channel.Dispose();

        Assert.Throws<ObjectDisposedException>(() => channel.CreateCallInvoker());
        await Task.CompletedTask;
    }
}
