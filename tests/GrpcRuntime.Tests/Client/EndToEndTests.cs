using System.Diagnostics;
using System.Net;
using GrpcRuntime.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Tests.Client;

/// <summary>Our client against our own server runtime.</summary>
public class EndToEndTests
{
    private sealed class Service;

    private sealed class OwnServer : IAsyncDisposable
    {
        private readonly WebApplication app;

        private OwnServer(WebApplication app, Uri address)
        {
            this.app = app;
            Address = address;
        }

        public Uri Address { get; }

        public IServiceProvider Services => app.Services;

        public static async Task<OwnServer> StartAsync(Action<ServiceBinderBase> bind, Action<IServiceCollection>? configureServices = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            configureServices?.Invoke(builder.Services);
            var app = builder.Build();
            app.MapGrpcMethods<Service>(bind, descriptor: null);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new OwnServer(app, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task All_four_call_kinds_with_metadata_headers_and_trailers()
    {
        await using var server = await OwnServer.StartAsync(binder =>
        {
            binder.AddMethod(TestMethods.Unary, async (string request, ServerCallContext context) =>
            {
                await context.WriteResponseHeadersAsync(new Metadata { { "x-echo-bin", context.RequestHeaders.GetValueBytes("x-data-bin")! } });
                context.ResponseTrailers.Add("x-text", context.RequestHeaders.GetValue("x-text")!);
                return "unary:" + request;
            });
            binder.AddMethod(TestMethods.ServerStreaming, async (string request, IServerStreamWriter<string> responses, ServerCallContext context) =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await responses.WriteAsync($"{request}{i}");
                }
            });
            binder.AddMethod(TestMethods.ClientStreaming, async (IAsyncStreamReader<string> requests, ServerCallContext context) =>
            {
                var parts = new List<string>();
                await foreach (var part in requests.ReadAllAsync())
                {
                    parts.Add(part);
                }

                return string.Join("+", parts);
            });
            binder.AddMethod(TestMethods.Duplex, async (IAsyncStreamReader<string> requests, IServerStreamWriter<string> responses, ServerCallContext context) =>
            {
                await foreach (var request in requests.ReadAllAsync())
                {
                    await responses.WriteAsync("pong:" + request);
                }
            });
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var invoker = channel.CreateCallInvoker();

        var binary = new byte[] { 0, 0xff, 7 };
        using (var unary = invoker.AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(new Metadata { { "x-text", "plain" }, { "x-data-bin", binary } }), "a"))
        {
            Assert.Equal("unary:a", await unary.ResponseAsync.WaitAsync(TestMethods.Patience));
            Assert.Equal(binary, (await unary.ResponseHeadersAsync).GetValueBytes("x-echo-bin"));
            Assert.Equal("plain", unary.GetTrailers().GetValue("x-text"));
        }

        using (var serverStreaming = invoker.AsyncServerStreamingCall(TestMethods.ServerStreaming, null, default, "s"))
        {
            var items = new List<string>();
            await foreach (var item in serverStreaming.ResponseStream.ReadAllAsync())
            {
                items.Add(item);
            }

            Assert.Equal(["s0", "s1", "s2"], items);
        }

        using (var clientStreaming = invoker.AsyncClientStreamingCall(TestMethods.ClientStreaming, null, default))
        {
            await clientStreaming.RequestStream.WriteAsync("x");
            await clientStreaming.RequestStream.WriteAsync("y");
            await clientStreaming.RequestStream.CompleteAsync();
            Assert.Equal("x+y", await clientStreaming.ResponseAsync.WaitAsync(TestMethods.Patience));
        }

        using var duplex = invoker.AsyncDuplexStreamingCall(TestMethods.Duplex, null, default);
        await duplex.RequestStream.WriteAsync("1");
        Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal("pong:1", duplex.ResponseStream.Current);
        await duplex.RequestStream.CompleteAsync();
        Assert.False(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.OK, duplex.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Handler_status_with_non_ascii_detail_and_trailers_reaches_the_client()
    {
        const string detail = "活动已结束 – closed ✓ 50%";
        await using var server = await OwnServer.StartAsync(binder => binder.AddMethod(TestMethods.Unary, (string request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, detail), new Metadata { { "x-campaign", "c-1" } })));
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal("c-1", error.Trailers.GetValue("x-campaign"));
    }

    [Fact]
    public async Task Client_deadline_becomes_the_handlers_deadline_and_expiry_is_deadline_exceeded()
    {
        var handlerDeadline = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await OwnServer.StartAsync(binder => binder.AddMethod(TestMethods.Unary, async (string request, ServerCallContext context) =>
        {
            handlerDeadline.TrySetResult(context.Deadline);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                handlerCancelled.TrySetResult();
            }

            return "late";
        }));
        using var channel = GrpcChannel.ForAddress(server.Address);
        var deadline = DateTime.UtcNow.AddSeconds(2);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: deadline), "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(await handlerDeadline.Task.WaitAsync(TestMethods.Patience) <= deadline.AddSeconds(1), "the server's deadline must not be later than the client's");
        await handlerCancelled.Task.WaitAsync(TestMethods.Patience);
    }

    [Fact]
    public async Task Client_cancellation_cancels_the_handler()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await OwnServer.StartAsync(binder => binder.AddMethod(TestMethods.ServerStreaming, async (string request, IServerStreamWriter<string> responses, ServerCallContext context) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                handlerCancelled.TrySetResult();
            }
        }));
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var cts = new CancellationTokenSource();

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(TestMethods.ServerStreaming, null, new CallOptions(cancellationToken: cts.Token), "x");
        await started.Task.WaitAsync(TestMethods.Patience);
        cts.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestMethods.Patience));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await handlerCancelled.Task.WaitAsync(TestMethods.Patience);
    }

    [Fact]
    public async Task Nested_call_through_the_client_factory_inherits_the_incoming_deadline()
    {
        var innerTimeout = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var inner = await OwnServer.StartAsync(binder => binder.AddMethod(TestMethods.Unary, (string request, ServerCallContext context) =>
        {
            innerTimeout.TrySetResult(context.Deadline - DateTime.UtcNow);
            return Task.FromResult("inner:" + request);
        }));
        await using var outer = await OwnServer.StartAsync(
            binder => binder.AddMethod(TestMethods.Unary, async (string request, ServerCallContext context) =>
            {
                var client = context.GetHttpContext().RequestServices.GetRequiredService<EchoClient>();
                return "outer>" + await client.UnaryAsync(request);
            }),
            services => services.AddGrpcClient<EchoClient>(o => o.Address = inner.Address).EnableCallContextPropagation());
        using var channel = GrpcChannel.ForAddress(outer.Address);

        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)), "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal("outer>inner:x", reply);
        Assert.InRange(await innerTimeout.Task.WaitAsync(TestMethods.Patience), TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Trace_context_flows_from_the_client_span_to_the_server_span()
    {
        var method = new Method<string, string>(MethodType.Unary, "test.v1.TracedE2E", "Trace", TestMethods.StringMarshaller, TestMethods.StringMarshaller);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GrpcDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "test.v1.TracedE2E/Trace")
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await OwnServer.StartAsync(binder => binder.AddMethod(method, (string request, ServerCallContext context) => Task.FromResult(request)));
        using var channel = GrpcChannel.ForAddress(server.Address);

        await channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Activity client, serverSpan;
        var deadline = DateTime.UtcNow + TestMethods.Patience;
        while (true)
        {
            lock (spans)
            {
                if (spans.Count >= 2 || DateTime.UtcNow > deadline)
                {
                    client = spans.Single(s => s.Kind == ActivityKind.Client);
                    serverSpan = spans.Single(s => s.Kind == ActivityKind.Server);
                    break;
                }
            }

            await Task.Delay(20);
        }

        Assert.Equal(client.TraceId, serverSpan.TraceId);
        Assert.Equal(client.SpanId, serverSpan.ParentSpanId);
    }

    [Fact]
    public async Task Gzip_in_both_directions_with_the_server_compressing_responses()
    {
        await using var server = await OwnServer.StartAsync(
            binder => binder.AddMethod(TestMethods.Unary, (string request, ServerCallContext context) => Task.FromResult(request + request)),
            services => services.Configure<GrpcRuntime.Server.GrpcServiceOptions>(o => o.ResponseCompressionAlgorithm = "gzip"));
        using var recorder = new ResponseEncodingRecorder();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = recorder });
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var payload = new string('v', 100_000);

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(gzip), payload);

        Assert.Equal(payload + payload, await call.ResponseAsync.WaitAsync(TestMethods.Patience));
        Assert.Equal("gzip", recorder.LastResponseEncoding);
        Assert.True(recorder.LastResponseBodyLength < payload.Length, "the response body must have been compressed");
    }

    private sealed class ResponseEncodingRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        public string? LastResponseEncoding { get; private set; }

        public long LastResponseBodyLength { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            LastResponseEncoding = response.Headers.TryGetValues("grpc-encoding", out var values) ? values.Single() : null;

            // Buffer the body to measure it; trailers stay on the response.
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            LastResponseBodyLength = body.Length;
            var buffered = new ByteArrayContent(body);
            foreach (var header in response.Content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = buffered;
            return response;
        }
    }

    [Fact]
    public async Task Unknown_method_on_our_server_is_unimplemented()
    {
        await using var server = await OwnServer.StartAsync(binder => binder.AddMethod(TestMethods.Unary, (string request, ServerCallContext context) => Task.FromResult(request)));
        using var channel = GrpcChannel.ForAddress(server.Address);
        var missing = new Method<string, string>(MethodType.Unary, TestMethods.ServiceName, "Missing", TestMethods.StringMarshaller, TestMethods.StringMarshaller);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(missing, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }
}
