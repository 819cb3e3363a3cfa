using System.Buffers.Binary;
using System.Net;
using Google.Protobuf.WellKnownTypes;

namespace GrpcRuntime.Tests.Server;

public class WireProtocolTests
{
    private static readonly string UnaryPath = EchoService.UnaryMethod.FullName;

    [Fact]
    public async Task Unary_call_answers_headers_message_and_ok_status_in_trailers()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "hello");

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal(["hello"], response.Messages());
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Null(response.Header("grpc-status"));
        Assert.Null(response.Trailer("grpc-message"));
    }

    [Fact]
    public async Task Frame_with_flag_2_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Frame(new StringValue { Value = "x" }, flag: 2)));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Declared_length_over_the_limit_is_resource_exhausted_before_the_body_arrives()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 64 * 1024 * 1024);
        var content = new StreamingContent();
        await content.WriteAsync(header);

        // The body never arrives and never ends: only the header can have produced the answer.
        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, content));
        content.Complete();

        Assert.Equal(StatusCode.ResourceExhausted, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Truncated_message_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var frame = RawGrpc.Text("this message loses its tail");

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, frame[..^4]));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Unparseable_message_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF])));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Unary_request_without_a_message_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, []));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Unary_request_with_two_messages_is_internal()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, [.. RawGrpc.Text("a"), .. RawGrpc.Text("b")]));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Zero_length_message_is_a_valid_request_and_response()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Frame([])));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        var frame = Assert.Single(response.Frames());
        Assert.Empty(frame.Payload);
    }

    [Fact]
    public async Task Message_larger_than_a_data_frame_round_trips()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var text = string.Concat(Enumerable.Repeat("0123456789", 50_000));

        var response = await RawGrpc.UnaryAsync(server, text);

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal([text], response.Messages());
    }

    [Fact]
    public async Task Wrong_content_type_is_http_415()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("x"), contentType: "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task Grpc_content_type_variants_are_accepted(string contentType)
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("v"), contentType: contentType));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
    }

    [Fact]
    public async Task Http11_request_is_http_426()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http1Client, RawGrpc.Request(UnaryPath, RawGrpc.Text("x")));

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.HttpStatus);
    }

    [Fact]
    public async Task Unknown_service_is_unimplemented_as_trailers_only()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request("/no.such.Service/Call", RawGrpc.Text("x")));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal(StatusCode.Unimplemented, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal("Service is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task Unknown_method_of_a_known_service_is_unimplemented_as_trailers_only()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request("/" + EchoService.ServiceName + "/Missing", RawGrpc.Text("x")));

        Assert.Equal(StatusCode.Unimplemented, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal("Method is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task Non_grpc_post_to_an_unknown_path_is_left_to_routing()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.SendAsync(server.Http2Client, RawGrpc.Request("/some/page", [1, 2], contentType: "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, response.HttpStatus);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("5")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    public async Task Malformed_grpc_timeout_is_treated_as_no_deadline(string timeout)
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "deadline", ("grpc-timeout", timeout));

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal(["none"], response.Messages());
    }

    [Fact]
    public async Task Valid_grpc_timeout_sets_the_deadline_from_arrival()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "deadline", ("grpc-timeout", "1H"));

        var remainingSeconds = int.Parse(Assert.Single(response.Messages()));
        Assert.InRange(remainingSeconds, 3000, 3600);
    }

    [Theory]
    [InlineData("消费券已领完")]
    [InlineData("100% done\r\nnext line")]
    [InlineData("emoji 😀 and accents éà")]
    public async Task Non_ascii_status_messages_survive_the_round_trip(string message)
    {
        await using var server = await GrpcTestServer.StartAsync();

        var response = await RawGrpc.UnaryAsync(server, "status:9:" + message);

        Assert.Equal(StatusCode.FailedPrecondition, response.GrpcStatus);
        var raw = response.Header("grpc-message")!;
        Assert.All(raw, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(message, response.GrpcMessage);
    }

    [Fact]
    public async Task Get_request_to_a_grpc_method_is_not_served_as_a_call()
    {
        await using var server = await GrpcTestServer.StartAsync();

        using var response = await server.Http2Client.GetAsync(UnaryPath);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
