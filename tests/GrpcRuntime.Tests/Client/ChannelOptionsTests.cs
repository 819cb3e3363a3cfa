using GrpcRuntime.Client;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Tests.Client;

public class ChannelOptionsTests
{
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }

        public void Dispose()
        {
        }
    }

    private static Task<RawGrpcServer> StartOkServerAsync() => RawGrpcServer.StartAsync(async context =>
    {
        RawGrpc.StartResponse(context);
        await RawGrpc.WriteMessageAsync(context, "ok");
        RawGrpc.SetStatus(context, 0);
    });

    [Fact]
    public async Task Injected_handler_carries_the_calls()
    {
        await using var server = await StartOkServerAsync();
        var handler = new CountingHandler();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });

        await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        Assert.Equal(1, handler.Requests);
    }

    [Fact]
    public async Task Injected_http_client_carries_the_calls_and_stays_usable_after_the_channel()
    {
        await using var server = await StartOkServerAsync();
        var handler = new CountingHandler();
        using var httpClient = new HttpClient(handler);
        using (var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpClient = httpClient }))
        {
            await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);
        }

        using var secondChannel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpClient = httpClient });
        await secondChannel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);
        Assert.Equal(2, handler.Requests);
    }

    [Fact]
    public async Task Logger_factory_receives_call_lifecycle_logs()
    {
        await using var server = await StartOkServerAsync();
        using var provider = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { LoggerFactory = loggerFactory });

        await channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience);

        lock (provider.Entries)
        {
            Assert.Contains(provider.Entries, e => e.Message.Contains("Starting gRPC call /test.v1.Echo/Unary", StringComparison.Ordinal));
            Assert.Contains(provider.Entries, e => e.Message.Contains("finished with status OK", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Connection_that_cannot_be_established_in_the_connect_timeout_is_unavailable()
    {
        // A listener that never accepts, with its accept queue filled: further connection
        // attempts get no answer at all, as with a host that has gone away.
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (System.Net.IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var filler = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                fillers.Add(filler);
                using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await filler.ConnectAsync(endpoint, attempt.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{endpoint.Port}", new GrpcChannelOptions { ConnectTimeout = TimeSpan.FromSeconds(1) });

            var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Theory]
    [InlineData("99")]
    [InlineData("not-a-number")]
    public async Task Unknown_or_malformed_grpc_status_is_unknown(string grpcStatus)
    {
        await using var server = await RawGrpcServer.StartAsync(context =>
        {
            RawGrpc.StartResponse(context);
            context.Response.Headers["grpc-status"] = grpcStatus;
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, default, "x").ResponseAsync.WaitAsync(TestMethods.Patience));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("/relative")]
    public void Address_must_be_absolute_http_or_https(string address)
    {
        Assert.ThrowsAny<ArgumentException>(() => GrpcChannel.ForAddress(new Uri(address, UriKind.RelativeOrAbsolute)));
    }

    [Fact]
    public void Request_compression_without_a_provider_is_rejected_when_the_call_starts()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");

        Assert.Throws<InvalidOperationException>(() => channel.CreateCallInvoker().AsyncUnaryCall(TestMethods.Unary, null, new CallOptions(new Metadata { { "grpc-internal-encoding-request", "br" } }), "x"));
    }
}
