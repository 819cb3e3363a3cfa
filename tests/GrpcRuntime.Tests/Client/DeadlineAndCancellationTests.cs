using GrpcRuntime.Client;
using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Tests.Client;

public class DeadlineAndCancellationTests
{
    /// <summary>Deadlines long enough that the request reaches the server even on a loaded machine.</summary>
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(2);

    /// <summary>A handler that never answers and reports when the request arrived and when the client reset its stream.</summary>
    private static RequestDelegate HangUntilAborted(TaskCompletionSource aborted, TaskCompletionSource<string?>? timeoutHeader = null, TaskCompletionSource? started = null) => async context =>
    {
        timeoutHeader?.TrySetResult(context.Request.Headers["grpc-timeout"].FirstOrDefault());
        started?.TrySetResult();

        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            aborted.TrySetResult();
        }
    };

    [Fact]
    public async Task Deadline_fails_the_call_locally_with_deadline_exceeded_and_resets_the_stream()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeoutHeader = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(HangUntilAborted(aborted, timeoutHeader));
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow + ShortDeadline), "x");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
        await aborted.Task.WaitAsync(TestMethods.Patience);
        var header = await timeoutHeader.Task.WaitAsync(TestMethods.Patience);
        Assert.True(GrpcProtocol.TryParseTimeout(header, out var timeout));
        Assert.InRange(timeout, TimeSpan.FromTicks(1), ShortDeadline);
    }

    [Fact]
    public async Task Deadline_already_passed_fails_without_contacting_the_server()
    {
        var requests = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref requests);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(-1)), "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    [Fact]
    public async Task Deadline_ends_a_server_stream_that_the_caller_is_not_reading()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "first");
            await HangUntilAborted(aborted)(context);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, new CallOptions(deadline: DateTime.UtcNow + ShortDeadline), "x");
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        await aborted.Task.WaitAsync(TestMethods.Patience);

        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancelling_the_token_fails_the_call_with_cancelled_and_resets_the_stream()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(HangUntilAborted(aborted, started: started));
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var cts = new CancellationTokenSource();

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(cancellationToken: cts.Token), "x");
        await started.Task.WaitAsync(TestMethods.Patience);
        cts.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await aborted.Task.WaitAsync(TestMethods.Patience);
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException_when_the_channel_asks_for_it()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(HangUntilAborted(aborted, started: started));
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { ThrowOperationCanceledOnCancellation = true });
        using var cts = new CancellationTokenSource();

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(cancellationToken: cts.Token), "x");
        await started.Task.WaitAsync(TestMethods.Patience);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_read_cancels_the_streaming_call()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            RawGrpc.StartResponse(context);
            await context.Response.Body.FlushAsync();
            await HangUntilAborted(aborted)(context);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var cts = new CancellationTokenSource();

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "x");
        await call.ResponseHeadersAsync.WaitAsync(TestMethods.Patience);
        cts.CancelAfter(100);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token).WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await aborted.Task.WaitAsync(TestMethods.Patience);
    }

    [Fact]
    public async Task Disposing_an_unfinished_call_cancels_it_and_resets_the_stream()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            started.TrySetResult();
            await HangUntilAborted(aborted)(context);
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);
        await started.Task.WaitAsync(TestMethods.Patience);
        call.Dispose();

        await aborted.Task.WaitAsync(TestMethods.Patience);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Propagated_deadline_wins_when_it_is_sooner_than_the_call_deadline()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeoutHeader = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(HangUntilAborted(aborted, timeoutHeader));
        using var channel = GrpcChannel.ForAddress(server.Address);
        var parent = new ContextPropagationToken(DateTime.UtcNow + ShortDeadline, CancellationToken.None);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow.AddHours(1), propagationToken: parent), "x");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(GrpcProtocol.TryParseTimeout(await timeoutHeader.Task.WaitAsync(TestMethods.Patience), out var timeout));
        Assert.True(timeout <= ShortDeadline, $"grpc-timeout {timeout} should carry the parent's remaining time");
    }

    [Fact]
    public async Task Cancellation_of_the_parent_call_cancels_the_propagated_call()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawGrpcServer.StartAsync(HangUntilAborted(aborted, started: started));
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var parentCancellation = new CancellationTokenSource();
        var parent = new ContextPropagationToken(DateTime.MaxValue, parentCancellation.Token);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(propagationToken: parent), "x");
        await started.Task.WaitAsync(TestMethods.Patience);
        parentCancellation.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await aborted.Task.WaitAsync(TestMethods.Patience);
    }
}
