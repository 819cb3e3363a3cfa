using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcRuntime.Internal;
using GrpcRuntime.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Tests.Server;

/// <summary>A real Kestrel server: one h2c port for gRPC and one HTTP/1.1 port, both on free loopback ports.</summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ListenOptions http2Listen;
    private readonly ListenOptions http1Listen;

    private GrpcTestServer(WebApplication app, ListenOptions http2Listen, ListenOptions http1Listen)
    {
        this.app = app;
        this.http2Listen = http2Listen;
        this.http1Listen = http1Listen;
        Http2Client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{http2Listen.IPEndPoint!.Port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
        Http1Client = new HttpClient(new SocketsHttpHandler())
        {
            BaseAddress = new Uri($"http://127.0.0.1:{http1Listen.IPEndPoint!.Port}"),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public HttpClient Http2Client { get; }

    public HttpClient Http1Client { get; }

    public IServiceProvider Services => app.Services;

    public CallProbe Probe => app.Services.GetRequiredService<CallProbe>();

    public int Http2Port => http2Listen.IPEndPoint!.Port;

    public static async Task<GrpcTestServer> StartAsync(
        Action<GrpcServiceOptions>? configureGrpc = null,
        Action<IGrpcServerBuilder>? configureGrpcBuilder = null,
        Action<IServiceCollection>? configureServices = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? http2 = null;
        ListenOptions? http1 = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                http2 = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                http1 = listen;
            });
        });
        builder.Services.AddSingleton<CallProbe>();
        var grpc = builder.Services.AddGrpc(options => configureGrpc?.Invoke(options));
        configureGrpcBuilder?.Invoke(grpc);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<EchoServiceImpl>();
        map?.Invoke(app);
        await app.StartAsync();
        return new GrpcTestServer(app, http2!, http1!);
    }

    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http2Client.Dispose();
        Http1Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>Builds gRPC requests byte by byte, so each test states exactly what goes on the wire.</summary>
public static class RawGrpc
{
    public static byte[] Frame(IMessage message, byte flag = 0) => Frame(message.ToByteArray(), flag);

    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Gzip(byte[] payload)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        return output.ToArray();
    }

    public static byte[] Text(string value) => Frame(new StringValue { Value = value });

    public static HttpRequestMessage Request(string path, byte[] body, string contentType = "application/grpc", params (string Name, string Value)[] headers) =>
        Request(path, new ByteArrayContent(body), contentType, headers);

    public static HttpRequestMessage Request(string path, HttpContent content, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static async Task<RawResponse> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        // A hand-made HttpRequestMessage defaults to HTTP/1.1 whatever the client's defaults say.
        request.Version = client.DefaultRequestVersion;
        request.VersionPolicy = client.DefaultVersionPolicy;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new RawResponse(response.StatusCode, response.Headers, response.Content.Headers, response.TrailingHeaders, body);
    }

    public static Task<RawResponse> UnaryAsync(GrpcTestServer server, string text, params (string Name, string Value)[] headers) =>
        SendAsync(server.Http2Client, Request(EchoService.UnaryMethod.FullName, Text(text), headers: headers));
}

/// <summary>A finished HTTP/2 response seen as gRPC: headers, messages, trailers.</summary>
public sealed class RawResponse(HttpStatusCode httpStatus, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, HttpResponseHeaders trailers, byte[] body)
{
    public HttpStatusCode HttpStatus { get; } = httpStatus;

    public HttpResponseHeaders Headers { get; } = headers;

    public HttpResponseHeaders Trailers { get; } = trailers;

    public byte[] Body { get; } = body;

    public string? ContentType => contentHeaders.ContentType?.ToString();

    /// <summary>Trailers-Only: the status came in the only HEADERS frame and there is no body.</summary>
    public bool IsTrailersOnly => Header("grpc-status") is not null && Body.Length == 0 && !Trailers.Any();

    public StatusCode GrpcStatus => (StatusCode)int.Parse(Trailer("grpc-status") ?? Header("grpc-status") ?? throw new InvalidOperationException("No grpc-status in the response."));

    public string GrpcMessage => GrpcProtocol.PercentDecodeMessage(Trailer("grpc-message") ?? Header("grpc-message") ?? string.Empty);

    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public string? Trailer(string name) => Trailers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public List<(byte Flag, byte[] Payload)> Frames()
    {
        var frames = new List<(byte, byte[])>();
        var offset = 0;
        while (offset < Body.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(Body.AsSpan(offset + 1));
            frames.Add((Body[offset], Body.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }

        return frames;
    }

    public List<string> Messages()
    {
        var messages = new List<string>();
        foreach (var (flag, payload) in Frames())
        {
            var bytes = payload;
            if (flag == 1)
            {
                using var input = new MemoryStream(payload);
                using var gzip = new GZipStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                bytes = output.ToArray();
            }

            messages.Add(StringValue.Parser.ParseFrom(bytes).Value);
        }

        return messages;
    }
}

/// <summary>A request body written piece by piece while the response is read: streaming calls and never-ending bodies.</summary>
public sealed class StreamingContent : HttpContent
{
    private readonly Channel<byte[]> chunks = Channel.CreateUnbounded<byte[]>();

    public ValueTask WriteAsync(byte[] chunk) => chunks.Writer.WriteAsync(chunk);

    public void Complete() => chunks.Writer.TryComplete();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await foreach (var chunk in chunks.Reader.ReadAllAsync())
        {
            await stream.WriteAsync(chunk);
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
