using System.Text;
using GrpcRuntime.Internal;

namespace GrpcRuntime.Tests.Internal;

public class GrpcProtocolTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Content_type_recognition_accepts_grpc_and_its_suffixed_forms(string? contentType, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]
    [InlineData("0S", 0L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void Valid_timeouts_parse_to_the_exact_duration(string value, long expectedTicks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("123456789S")]
    [InlineData("abcS")]
    public void Malformed_timeouts_are_rejected(string? value)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));
    }

    [Theory]
    [InlineData(0L, 0L, 0L, 5L, "5S")]
    [InlineData(0L, 0L, 0L, 0L, "0n")]
    [InlineData(0L, 2L, 0L, 0L, "2H")]
    [InlineData(0L, 0L, 90L, 0L, "90M")]
    [InlineData(1L, 0L, 0L, 0L, "24H")]
    public void Timeouts_encode_in_the_coarsest_exact_unit(long days, long hours, long minutes, long seconds, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.EncodeTimeout(new TimeSpan((int)days, (int)hours, (int)minutes, (int)seconds)));
    }

    [Fact]
    public void Sub_second_timeouts_encode_exactly()
    {
        Assert.Equal("1500m", GrpcProtocol.EncodeTimeout(TimeSpan.FromMilliseconds(1500)));
        Assert.Equal("100n", GrpcProtocol.EncodeTimeout(TimeSpan.FromTicks(1)));
        Assert.Equal("1234567u", GrpcProtocol.EncodeTimeout(TimeSpan.FromTicks(12_345_670)));
    }

    [Fact]
    public void Timeouts_without_an_exact_eight_digit_form_round_up_and_round_trip_no_shorter()
    {
        var timeout = TimeSpan.FromTicks(123_456_789_1L); // 1234.5678910 s: 12 significant digits of ns
        var encoded = GrpcProtocol.EncodeTimeout(timeout);
        Assert.True(encoded.Length <= 9, encoded);
        Assert.True(GrpcProtocol.TryParseTimeout(encoded, out var decoded));
        Assert.True(decoded >= timeout);
        Assert.True(decoded - timeout < TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Huge_and_negative_timeouts_still_encode_as_valid_values()
    {
        Assert.True(GrpcProtocol.TryParseTimeout(GrpcProtocol.EncodeTimeout(TimeSpan.MaxValue), out var huge));
        Assert.True(huge > TimeSpan.FromDays(3650));
        Assert.Equal("0n", GrpcProtocol.EncodeTimeout(TimeSpan.FromSeconds(-3)));
    }

    [Theory]
    [InlineData("plain message", "plain message")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("\t", "%09")]
    [InlineData("~ ", "~ ")]
    [InlineData("é", "%C3%A9")]
    [InlineData("券", "%E5%88%B8")]
    public void Status_messages_are_percent_encoded_as_utf8(string message, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.PercentEncodeMessage(message));
    }

    [Theory]
    [InlineData("消费券 已领完 ✓ 100% \r\n\0 emoji 😀")]
    [InlineData("")]
    [InlineData("%%%")]
    public void Percent_encoding_round_trips_any_text(string message)
    {
        var encoded = GrpcProtocol.PercentEncodeMessage(message);
        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(message, GrpcProtocol.PercentDecodeMessage(encoded));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    [InlineData("%41%4a", "AJ")]
    public void Percent_decoding_is_lenient_with_malformed_escapes(string value, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.PercentDecodeMessage(value));
    }

    [Fact]
    public void Invalid_utf8_after_decoding_becomes_replacement_characters_instead_of_failing()
    {
        Assert.Equal("a\uFFFDb", GrpcProtocol.PercentDecodeMessage("a%FFb"));
    }

    [Fact]
    public void Binary_headers_are_sent_unpadded_and_accepted_padded_or_not()
    {
        var value = new byte[] { 0, 1, 2, 0xFE, 0xFF };
        var encoded = GrpcProtocol.EncodeBinaryHeader(value);
        Assert.DoesNotContain('=', encoded);
        Assert.Equal(value, GrpcProtocol.DecodeBinaryHeader(encoded));
        Assert.Equal(value, GrpcProtocol.DecodeBinaryHeader(Convert.ToBase64String(value)));
        Assert.Empty(GrpcProtocol.DecodeBinaryHeader(string.Empty));
        Assert.Equal(Encoding.ASCII.GetBytes("ab"), GrpcProtocol.DecodeBinaryHeader("YWI"));
    }

    [Fact]
    public void Binary_header_with_impossible_length_is_rejected()
    {
        Assert.Throws<FormatException>(() => GrpcProtocol.DecodeBinaryHeader("YWJjZ"));
    }

    [Theory]
    [InlineData("content-type", true)]
    [InlineData("te", true)]
    [InlineData("grpc-timeout", true)]
    [InlineData("grpc-encoding", true)]
    [InlineData("grpc-accept-encoding", true)]
    [InlineData("user-agent", true)]
    [InlineData(":path", true)]
    [InlineData("host", true)]
    [InlineData("x-request-id", false)]
    [InlineData("traceparent", false)]
    [InlineData("custom-bin", false)]
    public void Transport_headers_are_reserved_and_application_headers_are_not(string name, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsReservedHeader(name));
    }

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(431, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(200, StatusCode.Unknown)]
    public void Http_statuses_map_to_grpc_codes(int httpStatus, StatusCode expected)
    {
        Assert.Equal(expected, GrpcProtocol.MapHttpStatusToGrpc(httpStatus));
    }

    [Theory]
    [InlineData(0x0, StatusCode.Internal)]
    [InlineData(0x1, StatusCode.Internal)]
    [InlineData(0x2, StatusCode.Internal)]
    [InlineData(0x3, StatusCode.Internal)]
    [InlineData(0x6, StatusCode.Internal)]
    [InlineData(0x7, StatusCode.Unavailable)]
    [InlineData(0x8, StatusCode.Cancelled)]
    [InlineData(0x9, StatusCode.Internal)]
    [InlineData(0xA, StatusCode.Internal)]
    [InlineData(0xB, StatusCode.ResourceExhausted)]
    [InlineData(0xC, StatusCode.PermissionDenied)]
    [InlineData(0xD, StatusCode.Unknown)]
    public void Http2_reset_codes_map_to_grpc_codes(long errorCode, StatusCode expected)
    {
        Assert.Equal(expected, GrpcProtocol.MapHttp2ErrorCodeToGrpc(errorCode));
    }
}
