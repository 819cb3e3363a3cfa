using System.Net;
using System.Net.Http.Headers;
using System.Buffers.Binary;
using Google.Protobuf.WellKnownTypes;

namespace GrpcRuntime.Tests.Server;

public class StreamingCallTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Server_streaming_sends_every_message_then_ok()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ServerStreamMethod.FullName, RawGrpc.Text("3")));

        Assert.Equal(["item0", "item1", "item2"], response.Messages());
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Server_streaming_failure_after_messages_puts_the_status_in_trailers()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ServerStreamMethod.FullName, RawGrpc.Text("2:fail")));

        Assert.Equal(["item0", "item1"], response.Messages());
        Assert.False(response.IsTrailersOnly);
        Assert.Equal("10", response.Trailer("grpc-status"));
        Assert.Equal("failed after messages", response.GrpcMessage);
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_is_trailers_only()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ServerStreamMethod.FullName, RawGrpc.Text("0")));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Server_streaming_deadline_after_messages_is_deadline_exceeded_in_trailers()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ServerStreamMethod.FullName, RawGrpc.Text("1:wait"), headers: ("grpc-timeout", "300m")));

        Assert.Equal(["item0"], response.Messages());
        Assert.Equal("4", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Client_streaming_reads_all_messages_sharing_one_buffer()
    {
        await using var server = await GrpcTestServer.StartAsync();
        byte[] body = [.. RawGrpc.Text("a"), .. RawGrpc.Text("b"), .. RawGrpc.Frame([]), .. RawGrpc.Text("c")];

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ClientStreamMethod.FullName, body));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal(["a,b,,c"], response.Messages());
    }

    [Fact]
    public async Task Client_streaming_reassembles_messages_split_across_writes()
    {
        await using var server = await GrpcTestServer.StartAsync();
        byte[] body = [.. RawGrpc.Text("first"), .. RawGrpc.Text("second")];
        var content = new StreamingContent();
        var call = RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ClientStreamMethod.FullName, content));
        foreach (var chunk in body.Chunk(3))
        {
            await content.WriteAsync(chunk);
        }

        content.Complete();
        var response = await call.WaitAsync(Generous);

        Assert.Equal(["first,second"], response.Messages());
    }

    [Fact]
    public async Task Client_streaming_with_no_messages_is_ok()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(EchoService.ClientStreamMethod.FullName, []));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal([""], response.Messages());
    }

    [Fact]
    public async Task Duplex_streaming_answers_each_message_while_the_request_is_open()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var content = new StreamingContent();
        var request = RawGrpc.Request(EchoService.DuplexMethod.FullName, content);
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await content.WriteAsync(RawGrpc.Text("ping1"));

        using var response = await server.Http2Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Generous);
        var body = await response.Content.ReadAsStreamAsync();

        Assert.Equal("echo:ping1", await ReadMessageAsync(body));
        await content.WriteAsync(RawGrpc.Text("ping2"));
        Assert.Equal("echo:ping2", await ReadMessageAsync(body));
        content.Complete();
        Assert.Equal(0, await body.ReadAsync(new byte[1]));
        Assert.Equal("0", string.Join(",", response.TrailingHeaders.GetValues("grpc-status")));
    }

    private static async Task<string> ReadMessageAsync(Stream body)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header).AsTask().WaitAsync(Generous);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(payload).AsTask().WaitAsync(Generous);
        return StringValue.Parser.ParseFrom(payload).Value;
    }
}
