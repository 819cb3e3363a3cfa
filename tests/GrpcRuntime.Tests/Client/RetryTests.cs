using GrpcRuntime.Client;
using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.Tests.Client;

public class RetryTests
{
    private static GrpcChannelOptions WithRetries(int maxAttempts = 4) => new()
    {
        RetryPolicy = new RetryPolicy
        {
            MaxAttempts = maxAttempts,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
            BackoffMultiplier = 2,
        },
    };

    [Fact]
    public async Task Unavailable_trailers_only_answers_are_retried_until_one_succeeds()
    {
        var attempts = new List<string?>();
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            int attempt;
            lock (attempts)
            {
                attempts.Add(context.Request.Headers["grpc-previous-rpc-attempts"].FirstOrDefault());
                attempt = attempts.Count;
            }

            if (attempt < 3)
            {
                RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable, "warming%20up");
                return;
            }

            var request = await RawGrpc.ReadMessageAsync(context.Request);
            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "third time: " + request);
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        var response = await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "hi").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal("third time: hi", response);
        Assert.Equal([null, "1", "2"], attempts);
    }

    [Fact]
    public async Task Stream_refused_before_any_response_is_retried()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(0x7);
                return;
            }

            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, "second");
            RawGrpc.SetStatus(context, 0);
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        Assert.Equal("second", await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Retries_stop_at_max_attempts_with_the_last_status()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable, "down");
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries(maxAttempts: 3));

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Statuses_outside_the_retryable_set_are_not_retried()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.TrailersOnly(context, (int)StatusCode.InvalidArgument);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task A_call_whose_response_headers_arrived_is_committed_and_not_retried()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.StartResponse(context);
            await context.Response.Body.FlushAsync();
            RawGrpc.SetStatus(context, (int)StatusCode.Unavailable);
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "x");
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Negative_server_pushback_stops_retrying()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable);
            context.Response.Headers["grpc-retry-pushback-ms"] = "-1";
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Client_streaming_calls_are_never_retried()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address, WithRetries());

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Deadline_bounds_the_retries()
    {
        var attempts = 0;
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            Interlocked.Increment(ref attempts);
            RawGrpc.TrailersOnly(context, (int)StatusCode.Unavailable);
            return Task.CompletedTask;
        });
        var options = WithRetries(maxAttempts: 1000);
        options.RetryPolicy!.InitialBackoff = TimeSpan.FromMilliseconds(200);
        options.RetryPolicy.MaxBackoff = TimeSpan.FromMilliseconds(200);
        using var channel = GrpcChannel.ForAddress(server.Address, options);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(600)), "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(Volatile.Read(ref attempts) < 1000, "the deadline, not MaxAttempts, must have ended the call");
    }

    [Fact]
    public void Backoff_ceiling_grows_exponentially_up_to_the_maximum()
    {
        var policy = new RetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500), BackoffMultiplier = 2 };

        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.BackoffCeiling(1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.BackoffCeiling(2));
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.BackoffCeiling(3));
        Assert.Equal(TimeSpan.FromMilliseconds(500), policy.BackoffCeiling(4));
    }
}
