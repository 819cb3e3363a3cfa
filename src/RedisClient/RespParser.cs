using System.Buffers.Text;
using System.Text;

namespace RedisClient;

/// <summary>
/// Reads one RESP2/RESP3 reply from a buffer. A first pass only checks that a complete, well-formed
/// reply is present (no allocation), so a large reply arriving in many reads is not rebuilt each time.
/// Anything malformed throws <see cref="RedisProtocolException"/>: the stream is out of sync and the
/// connection has to be reset.
/// </summary>
internal static class RespParser
{
    private const int MaxDepth = 512;
    private const int MaxLineLength = 1024 * 1024;
    private const long MaxBulkLength = 512L * 1024 * 1024;
    private const long MaxAggregateLength = 1L << 28;

    /// <summary>
    /// Returns false when the buffer holds only part of a reply (read more and call again).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RedisResult? result, out int consumed)
    {
        var end = Scan(buffer, 0, 0);
        if (end < 0)
        {
            result = null;
            consumed = 0;
            return false;
        }

        var position = 0;
        result = Build(buffer, ref position);
        consumed = position;
        return true;
    }

    /// <summary>The position just after the reply starting at <paramref name="position"/>, or -1 if incomplete.</summary>
    private static int Scan(ReadOnlySpan<byte> buffer, int position, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new RedisProtocolException($"Reply nesting deeper than {MaxDepth} levels.");
        }

        if (position >= buffer.Length)
        {
            return -1;
        }

        var type = buffer[position];
        var lineEnd = FindLineEnd(buffer, position + 1);
        if (lineEnd < 0)
        {
            return -1;
        }

        var line = buffer[(position + 1)..lineEnd];
        var next = lineEnd + 2;
        switch (type)
        {
            case (byte)'+' or (byte)'-':
                return next;
            case (byte)':':
                ParseInteger(line);
                return next;
            case (byte)'(':
                ValidateBigNumber(line);
                return next;
            case (byte)',':
                ParseDouble(line);
                return next;
            case (byte)'#':
                ParseBoolean(line);
                return next;
            case (byte)'_':
                if (!line.IsEmpty)
                {
                    throw new RedisProtocolException("RESP3 null carries data.");
                }

                return next;
            case (byte)'$' or (byte)'!' or (byte)'=':
                return ScanBlob(buffer, type, line, next);
            case (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%' or (byte)'|':
                var count = ParseInteger(line);
                if (count == -1 && type == (byte)'*')
                {
                    return next;
                }

                if (count < 0 || count > MaxAggregateLength)
                {
                    throw new RedisProtocolException($"Invalid aggregate length {count}.");
                }

                var elements = type is (byte)'%' or (byte)'|' ? count * 2 : count;
                for (long i = 0; i < elements; i++)
                {
                    next = Scan(buffer, next, depth + 1);
                    if (next < 0)
                    {
                        return -1;
                    }
                }

                // An attribute decorates the reply that follows it; both form one unit.
                return type == (byte)'|' ? Scan(buffer, next, depth + 1) : next;
            default:
                throw new RedisProtocolException($"Unknown reply type byte 0x{type:X2}.");
        }
    }

    private static int ScanBlob(ReadOnlySpan<byte> buffer, byte type, ReadOnlySpan<byte> line, int payloadStart)
    {
        var length = ParseInteger(line);
        if (length == -1 && type == (byte)'$')
        {
            return payloadStart;
        }

        if (length < 0 || length > MaxBulkLength)
        {
            throw new RedisProtocolException($"Invalid bulk length {length}.");
        }

        if (type == (byte)'=' && length < 4)
        {
            throw new RedisProtocolException("Verbatim string without a format.");
        }

        var payloadEnd = payloadStart + length;
        if (payloadEnd + 2 > buffer.Length)
        {
            return -1;
        }

        if (buffer[(int)payloadEnd] != (byte)'\r' || buffer[(int)payloadEnd + 1] != (byte)'\n')
        {
            throw new RedisProtocolException("Bulk string not terminated by CRLF.");
        }

        return (int)payloadEnd + 2;
    }

    /// <summary>Materialises a reply already validated by <see cref="Scan"/>.</summary>
    private static RedisResult Build(ReadOnlySpan<byte> buffer, ref int position)
    {
        var type = buffer[position];
        var lineEnd = FindLineEnd(buffer, position + 1);
        var line = buffer[(position + 1)..lineEnd];
        position = lineEnd + 2;
        switch (type)
        {
            case (byte)'+':
                return RedisResult.SimpleString(Encoding.UTF8.GetString(line));
            case (byte)'-':
                return RedisResult.Error(Encoding.UTF8.GetString(line));
            case (byte)':':
                return RedisResult.Integer(ParseInteger(line));
            case (byte)'(':
                return RedisResult.BigNumber(Encoding.ASCII.GetString(line));
            case (byte)',':
                return RedisResult.Double(ParseDouble(line));
            case (byte)'#':
                return RedisResult.Boolean(ParseBoolean(line));
            case (byte)'_':
                return RedisResult.Nil;
            case (byte)'$' or (byte)'!' or (byte)'=':
                var length = (int)ParseInteger(line);
                if (length == -1)
                {
                    return RedisResult.NullBulkString;
                }

                var payload = buffer.Slice(position, length);
                position += length + 2;
                return type switch
                {
                    (byte)'$' => RedisResult.BulkString(payload.ToArray()),
                    (byte)'!' => RedisResult.Error(Encoding.UTF8.GetString(payload)),
                    _ => RedisResult.Verbatim(Encoding.ASCII.GetString(payload[..3]), Encoding.UTF8.GetString(payload[4..])),
                };
            case (byte)'|':
                var attributeEntries = (int)ParseInteger(line) * 2;
                for (var i = 0; i < attributeEntries; i++)
                {
                    Build(buffer, ref position);
                }

                return Build(buffer, ref position);
            default:
                var count = (int)ParseInteger(line);
                if (count == -1)
                {
                    return RedisResult.NullArray;
                }

                var items = new RedisResult[type == (byte)'%' ? count * 2 : count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Build(buffer, ref position);
                }

                return RedisResult.Aggregate(
                    type switch
                    {
                        (byte)'*' => ResultType.Array,
                        (byte)'~' => ResultType.Set,
                        (byte)'%' => ResultType.Map,
                        _ => ResultType.Push,
                    },
                    items);
        }
    }

    /// <summary>Index of the CR of the CRLF ending the line that starts at <paramref name="start"/>, or -1.</summary>
    private static int FindLineEnd(ReadOnlySpan<byte> buffer, int start)
    {
        if (start > buffer.Length)
        {
            return -1;
        }

        var searched = buffer[start..];
        var newline = searched.IndexOfAny((byte)'\r', (byte)'\n');
        if (newline < 0)
        {
            if (searched.Length > MaxLineLength)
            {
                throw new RedisProtocolException("Reply line longer than 1 MiB without CRLF.");
            }

            return -1;
        }

        if (searched[newline] == (byte)'\n')
        {
            throw new RedisProtocolException("Reply line ended by LF without CR.");
        }

        if (newline + 1 >= searched.Length)
        {
            return -1;
        }

        if (searched[newline + 1] != (byte)'\n')
        {
            throw new RedisProtocolException("Reply line has CR without LF.");
        }

        return start + newline;
    }

    private static long ParseInteger(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line.Length > 20 || !Utf8Parser.TryParse(line, out long value, out var used) || used != line.Length)
        {
            throw new RedisProtocolException($"Invalid integer '{Printable(line)}'.");
        }

        return value;
    }

    private static void ValidateBigNumber(ReadOnlySpan<byte> line)
    {
        var digits = line.Length > 0 && line[0] == (byte)'-' ? line[1..] : line;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            throw new RedisProtocolException($"Invalid big number '{Printable(line)}'.");
        }
    }

    private static double ParseDouble(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("inf"u8) || line.SequenceEqual("+inf"u8))
        {
            return double.PositiveInfinity;
        }

        if (line.SequenceEqual("-inf"u8))
        {
            return double.NegativeInfinity;
        }

        if (line.SequenceEqual("nan"u8))
        {
            return double.NaN;
        }

        if (line.IsEmpty || !Utf8Parser.TryParse(line, out double value, out var used, 'G') || used != line.Length)
        {
            throw new RedisProtocolException($"Invalid double '{Printable(line)}'.");
        }

        return value;
    }

    private static bool ParseBoolean(ReadOnlySpan<byte> line) =>
        line.Length == 1 && line[0] is (byte)'t' or (byte)'f'
            ? line[0] == (byte)'t'
            : throw new RedisProtocolException($"Invalid boolean '{Printable(line)}'.");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes[..Math.Min(bytes.Length, 32)];
        var builder = new StringBuilder(shown.Length);
        foreach (var b in shown)
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return builder.ToString();
    }
}
