using GrpcRuntime.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcRuntime.Tests.Server;

public sealed class RecordingInterceptor(CallProbe probe, string name) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        lock (probe.Events)
        {
            probe.Events.Add(name + ":before");
        }

        context.UserState["interceptor"] = name;
        var response = await continuation(request, context);
        lock (probe.Events)
        {
            probe.Events.Add(name + ":after");
        }

        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        lock (probe.Events)
        {
            probe.Events.Add(name + ":stream");
        }

        await continuation(request, responseStream, context);
    }
}

public sealed class DenyingInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        throw new RpcException(new Status(StatusCode.PermissionDenied, "denied by interceptor"));
}

public sealed class SingletonInterceptor(CallProbe probe) : Interceptor
{
    public int Calls;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Interlocked.Increment(ref Calls);
        lock (probe.Events)
        {
            probe.Events.Add("singleton");
        }

        return continuation(request, context);
    }
}

public class InterceptorTests
{
    [Fact]
    public async Task Global_interceptors_run_before_per_service_ones_around_the_handler()
    {
        await using var server = await GrpcTestServer.StartAsync(
            options => options.Interceptors.Add<RecordingInterceptor>("global"),
            builder => builder.AddServiceOptions<EchoServiceImpl>(options => options.Interceptors.Add<RecordingInterceptor>("service")));

        var response = await RawGrpc.UnaryAsync(server, "user-state");

        Assert.Equal(["service"], response.Messages());
        Assert.Equal(["global:before", "service:before", "service:after", "global:after"], server.Probe.Events);
    }

    [Fact]
    public async Task Interceptors_wrap_streaming_calls()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.Interceptors.Add<RecordingInterceptor>("global"));

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ServerStreamMethod.FullName, RawGrpc.Text("1")));

        Assert.Equal(["item0"], response.Messages());
        Assert.Equal(["global:stream"], server.Probe.Events);
    }

    [Fact]
    public async Task Interceptor_can_end_the_call_before_the_handler()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.Interceptors.Add<DenyingInterceptor>());

        var response = await RawGrpc.UnaryAsync(server, "hello");

        Assert.Equal(StatusCode.PermissionDenied, response.GrpcStatus);
        Assert.Equal("denied by interceptor", response.GrpcMessage);
        Assert.Equal(0, server.Probe.InstancesCreated);
    }

    [Fact]
    public async Task Interceptor_registered_in_di_is_resolved_from_di()
    {
        await using var server = await GrpcTestServer.StartAsync(
            options => options.Interceptors.Add<SingletonInterceptor>(),
            configureServices: services => services.AddSingleton<SingletonInterceptor>());

        await RawGrpc.UnaryAsync(server, "a");
        await RawGrpc.UnaryAsync(server, "b");

        Assert.Equal(2, server.Services.GetRequiredService<SingletonInterceptor>().Calls);
    }
}
