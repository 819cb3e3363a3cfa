using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace GrpcRuntime.Tests.Server;

public class CompressionTests
{
    private static readonly string UnaryPath = EchoService.UnaryMethod.FullName;

    [Fact]
    public async Task Gzip_compressed_request_is_decompressed()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var text = new string('g', 5000);
        var body = RawGrpc.Frame(RawGrpc.Gzip(new StringValue { Value = text }.ToByteArray()), flag: 1);

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, body, headers: ("grpc-encoding", "gzip")));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal([text], response.Messages());
    }

    [Fact]
    public async Task Uncompressed_messages_are_allowed_on_a_call_with_an_encoding()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("plain"), headers: ("grpc-encoding", "gzip")));

        Assert.Equal(["plain"], response.Messages());
    }

    [Fact]
    public async Task Compressed_flag_without_grpc_encoding_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var body = RawGrpc.Frame(RawGrpc.Gzip(new StringValue { Value = "x" }.ToByteArray()), flag: 1);

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, body));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Unsupported_encoding_is_unimplemented_and_lists_the_supported_ones()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("x"), headers: ("grpc-encoding", "snappy")));

        Assert.Equal(StatusCode.Unimplemented, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
        var accepted = response.Header("grpc-accept-encoding")!.Split(',');
        Assert.Contains("gzip", accepted);
        Assert.Contains("identity", accepted);
    }

    [Fact]
    public async Task Responses_are_gzip_compressed_when_configured_and_accepted()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");
        var text = new string('c', 5000);

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text(text), headers: ("grpc-accept-encoding", "identity,gzip")));

        Assert.Equal("gzip", response.Header("grpc-encoding"));
        var frame = Assert.Single(response.Frames());
        Assert.Equal(1, frame.Flag);
        Assert.True(frame.Payload.Length < 1000);
        Assert.Equal([text], response.Messages());
    }

    [Fact]
    public async Task Responses_stay_uncompressed_when_the_client_does_not_accept_the_encoding()
    {
        await using var server = await GrpcTestServer.StartAsync(options => options.ResponseCompressionAlgorithm = "gzip");

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("plain"), headers: ("grpc-accept-encoding", "identity")));

        Assert.Null(response.Header("grpc-encoding"));
        Assert.Equal(0, Assert.Single(response.Frames()).Flag);
    }
}
