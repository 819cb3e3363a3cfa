using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RedisClient;

/// <summary>
/// A value sent to or read from Redis: a string, an integer, a double, raw bytes, or null.
/// Converts implicitly from the usual .NET types, the way StackExchange.Redis's RedisValue does.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private readonly object? _reference;
    private readonly long _integer;
    private readonly double _double;
    private readonly StorageKind _kind;

    private enum StorageKind : byte
    {
        Null,
        Integer,
        Double,
        String,
        Bytes,
    }

    private RedisValue(StorageKind kind, object? reference, long integer, double number)
    {
        _kind = kind;
        _reference = reference;
        _integer = integer;
        _double = number;
    }

    public static RedisValue Null => default;

    public static RedisValue EmptyString { get; } = new(StorageKind.String, string.Empty, 0, 0);

    public bool IsNull => _kind == StorageKind.Null;

    public bool IsNullOrEmpty => _kind switch
    {
        StorageKind.Null => true,
        StorageKind.String => ((string)_reference!).Length == 0,
        StorageKind.Bytes => ((byte[])_reference!).Length == 0,
        _ => false,
    };

    public bool HasValue => !IsNull;

    public static RedisValue FromString(string? value) =>
        value is null ? Null : new RedisValue(StorageKind.String, value, 0, 0);

    public static RedisValue FromBytes(byte[]? value) =>
        value is null ? Null : new RedisValue(StorageKind.Bytes, value, 0, 0);

    public static RedisValue FromInt64(long value) => new(StorageKind.Integer, null, value, 0);

    public static RedisValue FromDouble(double value) => new(StorageKind.Double, null, 0, value);

    public static RedisValue FromBoolean(bool value) => FromInt64(value ? 1 : 0);

    public static implicit operator RedisValue(string? value) => FromString(value);

    public static implicit operator RedisValue(byte[]? value) => FromBytes(value);

    public static implicit operator RedisValue(long value) => FromInt64(value);

    public static implicit operator RedisValue(int value) => FromInt64(value);

    public static implicit operator RedisValue(double value) => FromDouble(value);

    public static implicit operator RedisValue(bool value) => FromBoolean(value);

    public static explicit operator string?(RedisValue value) => value.IsNull ? null : value.ToString();

    public static explicit operator byte[]?(RedisValue value) => value.ToBytes();

    public static explicit operator long(RedisValue value) => value.ToInt64();

    public static explicit operator long?(RedisValue value) => value.IsNull ? null : value.ToInt64();

    public static explicit operator int(RedisValue value) => checked((int)value.ToInt64());

    public static explicit operator double(RedisValue value) => value.ToDouble();

    public static explicit operator double?(RedisValue value) => value.IsNull ? null : value.ToDouble();

    public static explicit operator bool(RedisValue value) => value.ToInt64() != 0;

    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);

    /// <summary>The textual form; an empty string for null (use the explicit string cast to keep null).</summary>
    public override string ToString() => _kind switch
    {
        StorageKind.Null => string.Empty,
        StorageKind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        StorageKind.Double => FormatDouble(_double),
        StorageKind.String => (string)_reference!,
        _ => Encoding.UTF8.GetString((byte[])_reference!),
    };

    public byte[]? ToBytes() => _kind switch
    {
        StorageKind.Null => null,
        StorageKind.Bytes => (byte[])_reference!,
        _ => Encoding.UTF8.GetBytes(ToString()),
    };

    public long ToInt64()
    {
        switch (_kind)
        {
            case StorageKind.Integer:
                return _integer;
            case StorageKind.Double when _double == Math.Floor(_double) && Math.Abs(_double) < 9.2e18:
                return (long)_double;
            case StorageKind.Bytes when Utf8Parser.TryParse((byte[])_reference!, out long fromBytes, out var used)
                                          && used == ((byte[])_reference!).Length:
                return fromBytes;
            case StorageKind.String when long.TryParse((string)_reference!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var fromText):
                return fromText;
            default:
                throw new InvalidCastException($"Redis value '{ToString()}' is not an integer.");
        }
    }

    public double ToDouble()
    {
        switch (_kind)
        {
            case StorageKind.Integer:
                return _integer;
            case StorageKind.Double:
                return _double;
            case StorageKind.Null:
                throw new InvalidCastException("A null Redis value is not a number.");
            default:
                var text = ToString();
                if (TryParseDouble(text, out var parsed))
                {
                    return parsed;
                }

                throw new InvalidCastException($"Redis value '{text}' is not a number.");
        }
    }

    public bool Equals(RedisValue other)
    {
        if (_kind == StorageKind.Null || other._kind == StorageKind.Null)
        {
            return _kind == other._kind;
        }

        if (_kind == other._kind)
        {
            return _kind switch
            {
                StorageKind.Integer => _integer == other._integer,
                StorageKind.Double => _double.Equals(other._double),
                StorageKind.String => string.Equals((string)_reference!, (string)other._reference!, StringComparison.Ordinal),
                _ => ((byte[])_reference!).AsSpan().SequenceEqual((byte[])other._reference!),
            };
        }

        return ToBytes().AsSpan().SequenceEqual(other.ToBytes());
    }

    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    public override int GetHashCode()
    {
        if (IsNull)
        {
            return 0;
        }

        var hash = new HashCode();
        hash.AddBytes(ToBytes());
        return hash.ToHashCode();
    }

    internal static bool TryParseDouble(string text, out double value)
    {
        switch (text)
        {
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    internal static string FormatDouble(double value) =>
        double.IsPositiveInfinity(value) ? "+inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes this value as one RESP bulk string.</summary>
    internal void WriteBulkTo(OutputBuffer output)
    {
        switch (_kind)
        {
            case StorageKind.Null:
                output.WriteBulk(ReadOnlySpan<byte>.Empty);
                break;
            case StorageKind.Integer:
                Span<byte> digits = stackalloc byte[24];
                Utf8Formatter.TryFormat(_integer, digits, out var written);
                output.WriteBulk(digits[..written]);
                break;
            case StorageKind.Double:
                output.WriteBulk(FormatDouble(_double));
                break;
            case StorageKind.String:
                output.WriteBulk((string)_reference!);
                break;
            default:
                output.WriteBulk((byte[])_reference!);
                break;
        }
    }
}
