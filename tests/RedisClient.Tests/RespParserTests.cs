using System.Text;

namespace RedisClient.Tests;

public sealed class RespParserTests
{
    private static RedisResult ParseWhole(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        Assert.True(RespParser.TryParse(bytes, out var result, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        return result!;
    }

    [Fact]
    public void Resp2_scalars_are_typed_by_their_first_byte()
    {
        Assert.Equal("OK", (string?)ParseWhole("+OK\r\n"));
        Assert.Equal(ResultType.SimpleString, ParseWhole("+OK\r\n").Type);
        Assert.Equal(ResultType.Error, ParseWhole("-ERR bad\r\n").Type);
        Assert.Equal(-42L, (long)ParseWhole(":-42\r\n"));
        Assert.Equal(long.MaxValue, (long)ParseWhole(":9223372036854775807\r\n"));
        Assert.Equal("héllo", (string?)ParseWhole("$6\r\nhéllo\r\n"));
    }

    [Fact]
    public void Null_bulk_and_null_array_are_null_while_empty_ones_are_not()
    {
        Assert.True(ParseWhole("$-1\r\n").IsNull);
        Assert.True(ParseWhole("*-1\r\n").IsNull);
        Assert.True(ParseWhole("_\r\n").IsNull);

        var emptyBulk = ParseWhole("$0\r\n\r\n");
        Assert.False(emptyBulk.IsNull);
        Assert.Equal("", (string?)emptyBulk);

        var emptyArray = ParseWhole("*0\r\n");
        Assert.False(emptyArray.IsNull);
        Assert.Equal(0, emptyArray.Length);
    }

    [Fact]
    public void Nested_arrays_keep_their_shape_including_nulls_inside()
    {
        var result = ParseWhole("*4\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n*1\r\n*1\r\n+deep\r\n");
        Assert.Equal(4, result.Length);
        Assert.Equal(1L, (long)result[0]);
        Assert.Equal("a", (string?)result[1][0]);
        Assert.Equal(0, result[1][1].Length);
        Assert.True(result[2].IsNull);
        Assert.Equal("deep", (string?)result[3][0][0]);
    }

    [Fact]
    public void Resp3_types_are_read_including_attributes_which_are_skipped()
    {
        Assert.Equal(1.5, (double)ParseWhole(",1.5\r\n"));
        Assert.Equal(double.PositiveInfinity, (double)ParseWhole(",inf\r\n"));
        Assert.Equal(double.NegativeInfinity, (double)ParseWhole(",-inf\r\n"));
        Assert.True((bool)ParseWhole("#t\r\n"));
        Assert.False((bool)ParseWhole("#f\r\n"));
        Assert.Equal("3492890328409238509324850943850943825024385", (string?)ParseWhole("(3492890328409238509324850943850943825024385\r\n"));
        var verbatim = ParseWhole("=15\r\ntxt:Some string\r\n");
        Assert.Equal("Some string", (string?)verbatim);
        Assert.Equal("txt", verbatim.VerbatimFormat);
        Assert.Equal("bad thing", (string?)ParseWhole("!9\r\nbad thing\r\n"));
        Assert.Equal(ResultType.Error, ParseWhole("!9\r\nbad thing\r\n").Type);

        var map = ParseWhole("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
        Assert.Equal(ResultType.Map, map.Type);
        Assert.Equal(["first", "second"], map.ToPairs().Select(p => (string)p.Key!));
        Assert.Equal(ResultType.Set, ParseWhole("~2\r\n:1\r\n:2\r\n").Type);
        Assert.Equal(ResultType.Push, ParseWhole(">2\r\n+message\r\n+x\r\n").Type);

        var decorated = ParseWhole("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n");
        Assert.Equal(ResultType.Array, decorated.Type);
        Assert.Equal(2039123L, (long)decorated[0]);
    }

    [Fact]
    public void Every_truncation_of_a_valid_reply_is_incomplete_and_the_whole_reply_parses()
    {
        var replies = new[]
        {
            "+OK\r\n", "-ERR x\r\n", ":123\r\n", "$5\r\nhello\r\n", "$-1\r\n", "*0\r\n",
            "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n$0\r\n\r\n$-1\r\n",
            "%1\r\n+k\r\n~2\r\n,3.25\r\n#t\r\n", "|1\r\n+a\r\n+b\r\n:7\r\n", "=8\r\ntxt:abcd\r\n",
        };
        foreach (var reply in replies)
        {
            var bytes = Encoding.UTF8.GetBytes(reply + ":99\r\n");
            var wholeLength = Encoding.UTF8.GetByteCount(reply);
            for (var cut = 0; cut < wholeLength; cut++)
            {
                Assert.False(RespParser.TryParse(bytes.AsSpan(0, cut), out _, out var consumed), $"{reply.ReplaceLineEndings("\\n")} cut at {cut}");
                Assert.Equal(0, consumed);
            }

            Assert.True(RespParser.TryParse(bytes, out _, out var used));
            Assert.Equal(wholeLength, used);
        }
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData(":\r\n")]
    [InlineData("$abc\r\n")]
    [InlineData("$-5\r\n")]
    [InlineData("*-2\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("+OK\n")]
    [InlineData("+OK\rX")]
    [InlineData(":99999999999999999999999\r\n")]
    [InlineData("#x\r\n")]
    [InlineData(",one\r\n")]
    [InlineData("_x\r\n")]
    [InlineData("(12a\r\n")]
    [InlineData("=2\r\nab\r\n")]
    public void Malformed_input_is_a_protocol_error(string wire)
    {
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(Encoding.UTF8.GetBytes(wire), out _, out _));
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_is_a_protocol_error_not_a_stack_overflow()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", 10_000)) + ":1\r\n";
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(Encoding.ASCII.GetBytes(wire), out _, out _));
    }

    [Fact]
    public void Fuzzed_random_and_mutated_input_only_ever_parses_waits_for_more_or_throws_a_protocol_error()
    {
        var random = new Random(20240607);
        const string alphabet = "+-:$*_,#(!=%~>|\r\n\r\n0123456789-tfabcinf";
        var seeds = new[] { "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n$0\r\n\r\n$-1\r\n", "%1\r\n+k\r\n~2\r\n,3.25\r\n#t\r\n", "$5\r\nhello\r\n:42\r\n" };
        var outcomes = new int[3];
        for (var iteration = 0; iteration < 30_000; iteration++)
        {
            byte[] input;
            if (iteration % 2 == 0)
            {
                input = new byte[random.Next(0, 48)];
                for (var i = 0; i < input.Length; i++)
                {
                    input[i] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)alphabet[random.Next(alphabet.Length)];
                }
            }
            else
            {
                input = Encoding.ASCII.GetBytes(seeds[random.Next(seeds.Length)]);
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)alphabet[random.Next(alphabet.Length)];
                }

                input = input[..random.Next(input.Length + 1)];
            }

            // Drive the parser the way the read loop does: consume replies until it needs more bytes.
            var offset = 0;
            try
            {
                while (RespParser.TryParse(input.AsSpan(offset), out var result, out var consumed))
                {
                    Assert.NotNull(result);
                    Assert.InRange(consumed, 1, input.Length - offset);
                    offset += consumed;
                    outcomes[0]++;
                }

                outcomes[1]++;
            }
            catch (RedisProtocolException)
            {
                outcomes[2]++;
            }
        }

        Assert.All(outcomes, count => Assert.True(count > 0));
    }
}
