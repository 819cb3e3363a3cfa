using GrpcRuntime.Client;
using GrpcRuntime.Interceptors;
using GrpcRuntime.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcRuntime.Tests.Client;

/// <summary>Shaped like a generated client.</summary>
public sealed class EchoClient : ClientBase<EchoClient>
{
    public EchoClient(ChannelBase channel)
        : base(channel)
    {
    }

    public EchoClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    public AsyncUnaryCall<string> UnaryAsync(string request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(TestMethods.Unary, null, options, request);
}

public sealed class HeaderStampInterceptor : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var headers = context.Options.Headers ?? [];
        headers.Add("x-stamp", "from-di");
        return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers)));
    }
}

public class ClientFactoryTests
{
    private sealed class FakeServerCallContext(DateTime deadline, CancellationToken cancellationToken) : ServerCallContext
    {
        public override string Method => "/parent.v1.Parent/Call";
        public override string Host => "localhost";
        public override string Peer => "ipv4:127.0.0.1:1";
        public override DateTime Deadline => deadline;
        public override Metadata RequestHeaders { get; } = [];
        public override CancellationToken CancellationToken => cancellationToken;
        public override Metadata ResponseTrailers { get; } = [];
        public override Status Status { get; set; }
        public override WriteOptions? WriteOptions { get; set; }
        public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();
        public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;
        public override HttpContext GetHttpContext() => throw new NotSupportedException();
    }

    private sealed class ServerCallContextFeature(ServerCallContext context) : IServerCallContextFeature
    {
        public ServerCallContext ServerCallContext => context;
    }

    private static Task<RawGrpcServer> StartHeaderEchoAsync(string header) => RawGrpcServer.StartAsync(async context =>
    {
        RawGrpc.StartResponse(context);
        await RawGrpc.WriteMessageAsync(context, context.Request.Headers[header].ToString());
        RawGrpc.SetStatus(context, 0);
    });

    [Fact]
    public async Task Registered_client_is_resolvable_and_calls_through_di_interceptors_and_call_options()
    {
        await using var server = await StartHeaderEchoAsync("x-stamp");
        var services = new ServiceCollection();
        services.AddSingleton<HeaderStampInterceptor>();
        services.AddGrpcClient<EchoClient>(o => o.Address = server.Address).AddInterceptor<HeaderStampInterceptor>();
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<EchoClient>();

        Assert.Equal("from-di", await client.UnaryAsync("x").ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public async Task Clients_of_one_name_share_a_channel_and_call_options_actions_apply_to_every_call()
    {
        var connections = new HashSet<string>();
        await using var server = await RawGrpcServer.StartAsync(async context =>
        {
            lock (connections)
            {
                connections.Add(context.Connection.Id);
            }

            RawGrpc.StartResponse(context);
            await RawGrpc.WriteMessageAsync(context, context.Request.Headers["grpc-timeout"].ToString());
            RawGrpc.SetStatus(context, 0);
        });
        var services = new ServiceCollection();
        services.AddGrpcClient<EchoClient>("echo", o =>
        {
            o.Address = server.Address;
            o.CallOptionsActions.Add(context => context.CallOptions = context.CallOptions.WithDeadline(DateTime.UtcNow.AddMinutes(1)));
        });
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<GrpcClientFactory>();

        var first = factory.CreateClient<EchoClient>("echo");
        var second = provider.GetRequiredService<EchoClient>();
        var timeout1 = await first.UnaryAsync("x").ResponseAsync.WaitAsync(TestMethods.Patience);
        var timeout2 = await second.UnaryAsync("x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.NotSame(first, second);
        Assert.Single(connections);
        Assert.True(GrpcProtocol.TryParseTimeout(timeout1, out var parsed) && parsed <= TimeSpan.FromMinutes(1));
        Assert.True(GrpcProtocol.TryParseTimeout(timeout2, out _));
    }

    [Fact]
    public async Task Call_context_propagation_carries_the_server_calls_deadline()
    {
        await using var server = await StartHeaderEchoAsync("grpc-timeout");
        var services = new ServiceCollection();
        services.AddGrpcClient<EchoClient>(o => o.Address = server.Address).EnableCallContextPropagation();
        await using var provider = services.BuildServiceProvider();
        var httpContext = new DefaultHttpContext();
        httpContext.Features.Set<IServerCallContextFeature>(new ServerCallContextFeature(new FakeServerCallContext(DateTime.UtcNow.AddSeconds(20), CancellationToken.None)));
        provider.GetRequiredService<IHttpContextAccessor>().HttpContext = httpContext;

        var timeout = await provider.GetRequiredService<EchoClient>().UnaryAsync("x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.True(GrpcProtocol.TryParseTimeout(timeout, out var parsed));
        Assert.InRange(parsed, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Call_context_propagation_outside_a_server_call_throws_unless_suppressed()
    {
        await using var server = await StartHeaderEchoAsync("grpc-timeout");
        var services = new ServiceCollection();
        services.AddGrpcClient<EchoClient>("strict", o => o.Address = server.Address).EnableCallContextPropagation();
        services.AddGrpcClient<EchoClient>("lenient", o => o.Address = server.Address).EnableCallContextPropagation(o => o.SuppressContextNotFoundErrors = true);
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<GrpcClientFactory>();

        Assert.Throws<InvalidOperationException>(() => factory.CreateClient<EchoClient>("strict").UnaryAsync("x"));
        Assert.Equal(string.Empty, await factory.CreateClient<EchoClient>("lenient").UnaryAsync("x").ResponseAsync.WaitAsync(TestMethods.Patience));
    }

    [Fact]
    public void Client_without_an_address_fails_with_a_clear_message()
    {
        var services = new ServiceCollection();
        services.AddGrpcClient<EchoClient>(_ => { });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<EchoClient>());
        Assert.Contains("address", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
