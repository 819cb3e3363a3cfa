using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Tests.Client;

/// <summary>
/// A bare Kestrel h2c endpoint whose handler frames gRPC replies by hand, so a test controls every
/// byte, header and trailer the client sees.
/// </summary>
internal sealed class RawGrpcServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private RawGrpcServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<RawGrpcServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RawGrpcServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}

/// <summary>Hand-rolled gRPC wire helpers for the raw server side of tests.</summary>
internal static class RawGrpc
{
    public static byte[] Frame(byte[] payload, bool compressed = false)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
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

    public static byte[] Gunzip(byte[] payload)
    {
        using var input = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static void StartResponse(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/grpc";
    }

    public static async Task WriteMessageAsync(HttpContext context, string message, bool gzip = false)
    {
        var payload = Encoding.UTF8.GetBytes(message);
        await context.Response.Body.WriteAsync(Frame(gzip ? Gzip(payload) : payload, gzip));
        await context.Response.Body.FlushAsync();
    }

    public static void SetStatus(HttpContext context, int status, string? percentEncodedMessage = null)
    {
        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (percentEncodedMessage is not null)
        {
            context.Response.AppendTrailer("grpc-message", percentEncodedMessage);
        }
    }

    /// <summary>Answers with only a HEADERS frame carrying the status.</summary>
    public static void TrailersOnly(HttpContext context, int status, string? percentEncodedMessage = null)
    {
        StartResponse(context);
        context.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (percentEncodedMessage is not null)
        {
            context.Response.Headers["grpc-message"] = percentEncodedMessage;
        }
    }

    /// <summary>Reads one length-prefixed message from the request body; null at its end.</summary>
    public static async Task<(bool Compressed, byte[] Payload)?> ReadFrameAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                var header = buffer.Slice(0, 5).ToArray();
                var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
                if (buffer.Length >= 5 + length)
                {
                    var payload = buffer.Slice(5, length).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(5 + length));
                    return (header[0] == 1, payload);
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return buffer.Length == 0 ? null : throw new InvalidDataException("Request ended mid-message.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public static async Task<string?> ReadMessageAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        var frame = await ReadFrameAsync(request, cancellationToken);
        if (frame is not { } f)
        {
            return null;
        }

        return Encoding.UTF8.GetString(f.Compressed ? Gunzip(f.Payload) : f.Payload);
    }
}

/// <summary>Methods over UTF-8 strings, so tests need no generated code.</summary>
internal static class TestMethods
{
    public const string ServiceName = "test.v1.Echo";

    public static readonly Marshaller<string> StringMarshaller = new(
        (value, output) => output.Write(Encoding.UTF8.GetBytes(value)),
        payload => Encoding.UTF8.GetString(payload.ToArray()));

    public static readonly Method<string, string> Unary = new(MethodType.Unary, ServiceName, "Unary", StringMarshaller, StringMarshaller);

    public static readonly Method<string, string> ServerStreaming = new(MethodType.ServerStreaming, ServiceName, "ServerStream", StringMarshaller, StringMarshaller);

    public static readonly Method<string, string> ClientStreaming = new(MethodType.ClientStreaming, ServiceName, "ClientStream", StringMarshaller, StringMarshaller);

    public static readonly Method<string, string> Duplex = new(MethodType.DuplexStreaming, ServiceName, "Duplex", StringMarshaller, StringMarshaller);

    /// <summary>Generous bound for anything a loaded machine must finish; tests fail instead of hanging.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
}
