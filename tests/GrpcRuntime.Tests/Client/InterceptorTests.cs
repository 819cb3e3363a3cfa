using GrpcRuntime.Client;
using GrpcRuntime.Interceptors;

namespace GrpcRuntime.Tests.Client;

public class InterceptorTests
{
    private sealed class RecordingInterceptor(string name, List<string> log) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            log.Add(name);
            var headers = context.Options.Headers ?? [];
            headers.Add("x-seen-by", name);
            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers)));
        }

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            log.Add(name + ":duplex");
            return continuation(context);
        }
    }

    private static Task<RawGrpcServer> StartEchoOfHeadersAsync(string header) => RawGrpcServer.StartAsync(async context =>
    {
        RawGrpc.StartResponse(context);
        // Repeated metadata may arrive as one comma-separated field; both forms mean the same.
        var values = context.Request.Headers[header].SelectMany(v => v!.Split(',', StringSplitOptions.TrimEntries));
        await RawGrpc.WriteMessageAsync(context, string.Join(",", values));
        RawGrpc.SetStatus(context, 0);
    });

    [Fact]
    public async Task First_interceptor_in_the_list_runs_first()
    {
        await using var server = await StartEchoOfHeadersAsync("x-seen-by");
        using var channel = GrpcChannel.ForAddress(server.Address);
        var log = new List<string>();

        var invoker = channel.CreateCallInvoker().Intercept(new RecordingInterceptor("outer", log), new RecordingInterceptor("inner", log));
        var seenBy = await invoker.AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal(["outer", "inner"], log);
        Assert.Equal("outer,inner", seenBy);
    }

    [Fact]
    public async Task Interceptors_see_streaming_calls_too()
    {
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            RawGrpc.TrailersOnly(context, 0);
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var log = new List<string>();

        using var call = channel.Intercept(new RecordingInterceptor("only", log)).AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));

        Assert.Equal(["only:duplex"], log);
    }

    [Fact]
    public async Task Metadata_function_adds_headers_without_changing_the_callers_metadata()
    {
        await using var server = await StartEchoOfHeadersAsync("authorization");
        using var channel = GrpcChannel.ForAddress(server.Address);
        var callerHeaders = new Metadata { { "x-other", "1" } };

        var invoker = channel.CreateCallInvoker().Intercept(metadata => metadata.Add("authorization", "Bearer abc"));
        var seen = await invoker.AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(callerHeaders), "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal("Bearer abc", seen);
        Assert.Single(callerHeaders);
    }
}
