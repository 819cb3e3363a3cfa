using GrpcRuntime.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcRuntime.Tests.Server;

public class CallBehaviourTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Deadline_expiry_cancels_the_handler_and_answers_deadline_exceeded()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "wait", ("grpc-timeout", "300m"));

        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.True(await server.Probe.HandlerObservedCancellation.Task.WaitAsync(Generous));
    }

    [Fact]
    public async Task Zero_timeout_is_deadline_exceeded_without_running_the_handler()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "hello", ("grpc-timeout", "0S"));

        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.Equal(0, server.Probe.InstancesCreated);
    }

    [Fact]
    public async Task Client_cancellation_cancels_the_handler_token()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var cts = new CancellationTokenSource();

        var call = RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.UnaryMethod.FullName, RawGrpc.Text("wait")), cts.Token);
        await server.Probe.HandlerStarted.Task.WaitAsync(Generous);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(await server.Probe.HandlerObservedCancellation.Task.WaitAsync(Generous));
    }

    [Fact]
    public async Task Server_shutdown_ends_running_calls_with_unavailable()
    {
        var server = await GrpcTestServer.StartAsync();
        try
        {
            var call = RawGrpc.UnaryAsync(server, "wait");
            await server.Probe.HandlerStarted.Task.WaitAsync(Generous);

            var stopping = server.StopAsync();
            var response = await call.WaitAsync(Generous);
            await stopping.WaitAsync(Generous);

            Assert.Equal(StatusCode.Unavailable, response.GrpcStatus);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Request_metadata_excludes_transport_headers_and_decodes_binary_values()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(
            server,
            "metadata",
            ("x-plain", "value one"),
            ("x-data-bin", GrpcProtocol.EncodeBinaryHeader([1, 2, 3])),
            ("x-folded-bin", "AQI=,AwQ"),
            ("grpc-timeout", "10S"),
            ("user-agent", "raw-test/1.0"));

        var dump = Assert.Single(response.Messages());
        Assert.Contains("x-plain=value one;", dump);
        Assert.Contains("x-data-bin=010203;", dump);
        Assert.Contains("x-folded-bin=0102;x-folded-bin=0304;", dump);
        Assert.DoesNotContain("content-type", dump);
        Assert.DoesNotContain("grpc-timeout", dump);
        Assert.DoesNotContain("te=", dump);
        Assert.DoesNotContain("user-agent", dump);
        Assert.DoesNotContain(":path", dump);
    }

    [Fact]
    public async Task Response_headers_and_binary_trailers_reach_the_client()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(
            server,
            "metadata",
            ("x-echo-initial", "initial value"),
            ("x-echo-trailing-bin", GrpcProtocol.EncodeBinaryHeader([0xAB, 0xCD, 0xEF])));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal("initial value", response.Header("x-echo-initial"));
        var trailer = response.Trailer("x-echo-trailing-bin")!;
        Assert.DoesNotContain('=', trailer);
        Assert.Equal(new byte[] { 0xAB, 0xCD, 0xEF }, GrpcProtocol.DecodeBinaryHeader(trailer));
    }

    [Fact]
    public async Task Handler_exception_is_unknown_without_internals()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "throw");

        Assert.Equal(StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Handler_exception_detail_is_sent_only_with_detailed_errors_enabled()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.EnableDetailedErrors = true);

        var response = await RawGrpc.UnaryAsync(server, "throw");

        Assert.Equal(StatusCode.Unknown, response.GrpcStatus);
        Assert.Contains("InvalidOperationException", response.GrpcMessage);
        Assert.Contains("secret connection string leaked", response.GrpcMessage);
    }

    [Fact]
    public async Task Rpc_exception_sends_its_status_and_trailers()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "status:7:not for you");

        Assert.Equal(StatusCode.PermissionDenied, response.GrpcStatus);
        Assert.Equal("not for you", response.GrpcMessage);
        Assert.Equal("extra", response.Header("x-error-detail"));
        Assert.Equal(new byte[] { 1, 2, 3 }, GrpcProtocol.DecodeBinaryHeader(response.Header("x-error-bin")!));
    }

    [Fact]
    public async Task Status_set_on_the_context_is_sent_when_the_handler_returns()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "set-status:no such voucher");

        Assert.Equal(StatusCode.NotFound, response.GrpcStatus);
        Assert.Equal("no such voucher", response.GrpcMessage);
        Assert.Empty(response.Frames());
    }

    [Fact]
    public async Task Peer_is_reported_in_grpc_form()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "peer");

        Assert.Matches(@"^ipv4:127\.0\.0\.1:\d+$", Assert.Single(response.Messages()));
    }

    [Fact]
    public async Task Call_context_is_published_as_an_http_context_feature()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "feature");

        Assert.Equal(["same"], response.Messages());
        Assert.Equal(EchoService.UnaryMethod.FullName, server.Probe.LastContext!.Method);
    }

    [Fact]
    public async Task Service_is_created_per_call_and_disposed_after_it()
    {
        await using var server = await GrpcTestServer.StartAsync();

        await RawGrpc.UnaryAsync(server, "one");
        await RawGrpc.UnaryAsync(server, "two");

        Assert.Equal(2, server.Probe.InstancesCreated);
        Assert.Equal(2, server.Probe.InstancesDisposed);
    }

    [Fact]
    public async Task Service_registered_in_di_is_resolved_from_di_and_not_disposed_by_the_call()
    {
        await using var server = await GrpcTestServer.StartAsync(configureServices: services => services.AddSingleton<EchoServiceImpl>());

        await RawGrpc.UnaryAsync(server, "one");
        await RawGrpc.UnaryAsync(server, "two");

        Assert.Equal(1, server.Probe.InstancesCreated);
        Assert.Equal(0, server.Probe.InstancesDisposed);
    }

    [Fact]
    public async Task Global_receive_limit_rejects_larger_messages()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.MaxReceiveMessageSize = 100);

        var small = await RawGrpc.UnaryAsync(server, new string('s', 50));
        var large = await RawGrpc.UnaryAsync(server, new string('l', 200));

        Assert.Equal(StatusCode.OK, small.GrpcStatus);
        Assert.Equal(StatusCode.ResourceExhausted, large.GrpcStatus);
    }

    [Fact]
    public async Task Per_service_limits_override_the_global_ones()
    {
        await using var server = await GrpcTestServer.StartAsync(
            options => options.MaxReceiveMessageSize = 10,
            builder => builder.AddServiceOptions<EchoServiceImpl>(options =>
            {
                options.MaxReceiveMessageSize = 1000;
                options.MaxSendMessageSize = 300;
            }));

        var received = await RawGrpc.UnaryAsync(server, new string('r', 200));
        var tooBigToSend = await RawGrpc.UnaryAsync(server, "big:500");

        Assert.Equal(StatusCode.OK, received.GrpcStatus);
        Assert.Equal(StatusCode.ResourceExhausted, tooBigToSend.GrpcStatus);
        Assert.True(tooBigToSend.IsTrailersOnly);
    }

    [Fact]
    public async Task Default_receive_limit_is_four_mebibytes()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, new string('x', (4 * 1024 * 1024) + 10));

        Assert.Equal(StatusCode.ResourceExhausted, response.GrpcStatus);
    }
}
