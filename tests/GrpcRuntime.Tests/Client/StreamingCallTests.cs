using GrpcRuntime.Client;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Tests.Client;

public class StreamingCallTests
{
    [Fact]
    public async Task Server_streaming_yields_every_message_then_ends_with_ok()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            var request = await RawGrpc.ReadMessageAsync(context.Request);
            RawGrpc.StartResponse(context);
            for (var i = 0; i < 3; i++)
            {
                await RawGrpc.WriteMessageAsync(context, $"{request}-{i}");
            }

            RawGrpc.SetStatus(context, 0);
            context.Response.AppendTrailer("x-count", "3");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "m");
        var received = new List<string>();
        await foreach (var message in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            received.Add(message);
        }

        Assert.Equal(["m-0", "m-1", "m-2"], received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("3", call.GetTrailers().GetValue("x-count"));
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Server_streaming_error_after_messages_surfaces_on_the_read_that_reaches_it()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "one");
            RawGrpc.SetStatus(context, (int)StatusCode.Aborted, "conflict");
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "m");
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal("one", call.ResponseStream.Current);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("conflict", error.Status.Detail);
    }

    [Fact]
    public async Task Client_streaming_sends_every_message_and_half_closes_on_complete()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            var messages = new List<string>();
            while (await RawGrpc.ReadMessageAsync(context.Request) is { } message)
            {
                messages.Add(message);
            }

            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, string.Join("+", messages));
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
        await call.RequestStream.WriteAsync("a");
        await call.RequestStream.WriteAsync("b");
        await call.RequestStream.WriteAsync(string.Empty);
        await call.RequestStream.WriteAsync("c");
        await call.RequestStream.CompleteAsync();

        Assert.Equal("a+b++c", await call.ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync("late"));
    }

    [Fact]
    public async Task Client_streaming_with_no_messages_completes()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            var count = 0;
            while (await RawGrpc.ReadMessageAsync(context.Request) is not null)
            {
                count++;
            }

            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
        await call.RequestStream.CompleteAsync();

        Assert.Equal("0", await call.ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Duplex_call_exchanges_messages_in_lockstep()
    {
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await context.Response.Body.FlushAsync();
            while (await RawGrpc.ReadMessageAsync(context.Request) is { } message)
            {
                await RawGrpc.WriteMessageAsync(context, "pong:" + message);
            }

            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);
        foreach (var ping in new[] { "1", "2", "3" })
        {
            await call.RequestStream.WriteAsync(ping);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
            Assert.Equal("pong:" + ping, call.ResponseStream.Current);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_failing_a_client_stream_early_reports_its_status_to_the_writer_and_the_response()
    {
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            RawGrpc.TrailersOnly(context, (int)StatusCode.PermissionDenied, "no");
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);

        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync("late").WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.PermissionDenied, writeError.StatusCode);
    }

    [Fact]
    public async Task Streaming_call_reaches_the_server_before_its_first_message()
    {
        // The HTTP/2 stack may hold request headers back until the body writes; this used to leave
        // the odd call unseen by the server, so many calls are started to catch it.
        var arrivals = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref arrivals);
            RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable);
            return Task.CompletedTask;
        });

        for (var i = 0; i < 200; i++)
        {
            using var channel = GrpcChannel.ForAddress(server.Address);
            using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        Assert.Equal(200, Volatile.Read(ref arrivals));
    }

    [Fact]
    public async Task A_write_while_another_is_pending_is_rejected()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            await release.Task;
            RawGrpc.TrailersOnly(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);

        // Larger than Kestrel's HTTP/2 stream and connection windows, and the server never reads:
        // the first write cannot finish until the call ends.
        var first = call.RequestStream.WriteAsync(new string('x', 3 * 1024 * 1024));
        var second = call.RequestStream.WriteAsync("y");

        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        Assert.False(first.IsCompleted);
        release.SetResult();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        await Assert.ThrowsAnyAsync<Exception>(() => first.WaitAsync(TestMethods.Patience));
    }
}
