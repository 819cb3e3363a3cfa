using System.Buffers;
using System.Globalization;
using System.Text;

namespace GrpcRuntime.Internal;

/// <summary>Header-level rules of gRPC over HTTP/2 shared by the server and the client.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string IdentityEncoding = "identity";

    /// <summary>Largest value a <c>grpc-timeout</c> may carry (8 digits).</summary>
    public const long MaxTimeoutValue = 99_999_999;

    private const long NanosecondsPerTick = 100;

    // Ordered coarsest first: the encoder prefers the shortest exact representation.
    private static readonly (char Unit, long Nanoseconds)[] TimeoutUnits =
    [
        ('H', 3_600_000_000_000),
        ('M', 60_000_000_000),
        ('S', 1_000_000_000),
        ('m', 1_000_000),
        ('u', 1_000),
        ('n', 1),
    ];

    private static readonly string[] StatusCodeStrings = CreateStatusCodeStrings();

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        // application/grpc+proto, application/grpc+json, application/grpc;charset=... are all gRPC.
        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }

    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        long amount = 0;
        for (var i = 0; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * TimeSpan.TicksPerMicrosecond; break;
            case 'n': ticks = (amount + NanosecondsPerTick - 1) / NanosecondsPerTick; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    public static string EncodeTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "0n";
        }

        // Capped so the nanosecond count fits a long; the cap (~290 years) still encodes in hours.
        var ticks = Math.Min(timeout.Ticks, long.MaxValue / NanosecondsPerTick);
        var nanoseconds = ticks * NanosecondsPerTick;

        foreach (var (unit, unitNanoseconds) in TimeoutUnits)
        {
            if (nanoseconds % unitNanoseconds == 0 && nanoseconds / unitNanoseconds <= MaxTimeoutValue)
            {
                return FormatTimeout(nanoseconds / unitNanoseconds, unit);
            }
        }

        // No exact form fits in 8 digits: round up in the finest unit that does, so the peer never
        // sees a shorter deadline than ours.
        for (var i = TimeoutUnits.Length - 1; i >= 0; i--)
        {
            var (unit, unitNanoseconds) = TimeoutUnits[i];
            var rounded = (nanoseconds / unitNanoseconds) + (nanoseconds % unitNanoseconds == 0 ? 0 : 1);
            if (rounded <= MaxTimeoutValue)
            {
                return FormatTimeout(rounded, unit);
            }
        }

        return FormatTimeout(MaxTimeoutValue, 'H');
    }

    public static string PercentEncodeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding)
        {
            return message;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var byteCount = Encoding.UTF8.GetBytes(message, rented);
            var builder = new StringBuilder(byteCount * 2);
            for (var i = 0; i < byteCount; i++)
            {
                var b = rented[i];
                if (b is < 0x20 or > 0x7E or (byte)'%')
                {
                    builder.Append('%').Append(ToHexDigit(b >> 4)).Append(ToHexDigit(b & 0xF));
                }
                else
                {
                    builder.Append((char)b);
                }
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string PercentDecodeMessage(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        Span<byte> utf8Scratch = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && TryParseHex(value[i + 1], out var high) && TryParseHex(value[i + 2], out var low))
            {
                bytes.Add((byte)((high << 4) | low));
                i += 2;
            }
            else if (c <= 0x7F)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Peers should only send ASCII; keep stray characters rather than failing the call.
                var written = Encoding.UTF8.GetBytes(value.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1), utf8Scratch);
                for (var j = 0; j < written; j++)
                {
                    bytes.Add(utf8Scratch[j]);
                }

                if (written > 0 && char.IsHighSurrogate(c) && i + 1 < value.Length)
                {
                    i++;
                }
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public static string EncodeBinaryHeader(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Convert.ToBase64String(value).TrimEnd('=');
    }

    public static byte[] DecodeBinaryHeader(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim().TrimEnd('=');
        var padding = (4 - (trimmed.Length % 4)) % 4;
        if (padding == 3)
        {
            throw new FormatException("Invalid base64 length in a binary header.");
        }

        return Convert.FromBase64String(padding == 0 ? trimmed : trimmed + new string('=', padding));
    }

    public static bool IsReservedHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name[0] == ':')
        {
            return true;
        }

        return name.ToLowerInvariant() switch
        {
            "content-type" or "te" or "host" or "user-agent" or "content-length" or "connection"
                or "keep-alive" or "transfer-encoding" or "upgrade" or "proxy-connection" or "accept-encoding"
                or "grpc-timeout" or "grpc-encoding" or "grpc-accept-encoding" or "grpc-status" or "grpc-message" => true,
            _ => false,
        };
    }

    public static StatusCode MapHttpStatusToGrpc(int httpStatus) => httpStatus switch
    {
        400 or 431 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    public static StatusCode MapHttp2ErrorCodeToGrpc(long http2ErrorCode) => http2ErrorCode switch
    {
        0x0 or 0x1 or 0x2 or 0x3 or 0x6 or 0x9 or 0xA => StatusCode.Internal,
        0x7 => StatusCode.Unavailable,
        0x8 => StatusCode.Cancelled,
        0xB => StatusCode.ResourceExhausted,
        0xC => StatusCode.PermissionDenied,
        _ => StatusCode.Unknown,
    };

    /// <summary>The decimal form of a status code for <c>grpc-status</c>, without allocating for known codes.</summary>
    public static string StatusCodeToString(StatusCode code)
    {
        var value = (int)code;
        return (uint)value < (uint)StatusCodeStrings.Length ? StatusCodeStrings[value] : value.ToString(CultureInfo.InvariantCulture);
    }

    private static string FormatTimeout(long value, char unit) =>
        value.ToString(CultureInfo.InvariantCulture) + unit;

    private static char ToHexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryParseHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private static string[] CreateStatusCodeStrings()
    {
        var strings = new string[17];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return strings;
    }
}
