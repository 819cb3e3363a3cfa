using System.Globalization;
using System.Text;

namespace RedisClient;

/// <summary>The type of a reply as it arrived on the wire (RESP2 and RESP3).</summary>
public enum ResultType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
    Double,
    Boolean,
    BigNumber,
    VerbatimString,
    Map,
    Set,
    Push,
}

/// <summary>
/// One reply from Redis. Aggregates (arrays, maps, sets) hold child results; maps keep their
/// entries as a flat key, value, key, value… list so RESP2 and RESP3 replies read the same way.
/// </summary>
public sealed class RedisResult
{
    private static readonly RedisResult[] SmallIntegers = CreateSmallIntegers();
    private static readonly RedisResult[] NoItems = [];

    private readonly object? _reference;
    private readonly long _integer;
    private readonly double _double;

    private RedisResult(ResultType type, object? reference, long integer = 0, double number = 0)
    {
        Type = type;
        _reference = reference;
        _integer = integer;
        _double = number;
    }

    public static RedisResult NullBulkString { get; } = new(ResultType.BulkString, null);

    public static RedisResult NullArray { get; } = new(ResultType.Array, null);

    public static RedisResult Nil { get; } = new(ResultType.Null, null);

    public static RedisResult Ok { get; } = new(ResultType.SimpleString, "OK");

    public static RedisResult EmptyArray { get; } = new(ResultType.Array, NoItems);

    public ResultType Type { get; }

    /// <summary>True for RESP2 <c>$-1</c> / <c>*-1</c> and RESP3 <c>_</c>: absent, not empty.</summary>
    public bool IsNull => _reference is null && Type is ResultType.BulkString or ResultType.Array or ResultType.Null;

    public bool IsAggregate => Type is ResultType.Array or ResultType.Map or ResultType.Set or ResultType.Push;

    /// <summary>The number of child results of an aggregate (a map counts keys and values).</summary>
    public int Length => _reference is RedisResult[] items ? items.Length : 0;

    public RedisResult this[int index] => Items[index];

    /// <summary>The child results of an aggregate; empty for anything else.</summary>
    public IReadOnlyList<RedisResult> Items => _reference as RedisResult[] ?? NoItems;

    /// <summary>The RESP3 verbatim-string format ("txt", "mkd"), otherwise null.</summary>
    public string? VerbatimFormat { get; private init; }

    public static RedisResult Integer(long value) =>
        value is >= -1 and < 255 ? SmallIntegers[value + 1] : new RedisResult(ResultType.Integer, null, value);

    public static RedisResult SimpleString(string value) =>
        value == "OK" ? Ok : new RedisResult(ResultType.SimpleString, value);

    public static RedisResult Error(string message) => new(ResultType.Error, message);

    public static RedisResult BulkString(byte[]? value) =>
        value is null ? NullBulkString : new RedisResult(ResultType.BulkString, value);

    public static RedisResult Array(RedisResult[]? items) =>
        items is null ? NullArray : items.Length == 0 ? EmptyArray : new RedisResult(ResultType.Array, items);

    public static RedisResult Aggregate(ResultType type, RedisResult[] items) =>
        type == ResultType.Array ? Array(items) : new RedisResult(type, items);

    public static RedisResult Double(double value) => new(ResultType.Double, null, 0, value);

    public static RedisResult Boolean(bool value) => new(ResultType.Boolean, null, value ? 1 : 0);

    public static RedisResult BigNumber(string digits) => new(ResultType.BigNumber, digits);

    public static RedisResult Verbatim(string format, string text) =>
        new(ResultType.VerbatimString, text) { VerbatimFormat = format };

    public static explicit operator string?(RedisResult result) => result?.ToStringOrNull();

    public static explicit operator long(RedisResult result) => Required(result).ToInt64();

    public static explicit operator long?(RedisResult result) => result is null || result.IsNull ? null : result.ToInt64();

    public static explicit operator int(RedisResult result) => checked((int)Required(result).ToInt64());

    public static explicit operator double(RedisResult result) => Required(result).ToDouble();

    public static explicit operator double?(RedisResult result) => result is null || result.IsNull ? null : result.ToDouble();

    public static explicit operator bool(RedisResult result) => Required(result).ToBoolean();

    public static explicit operator byte[]?(RedisResult result) => result?.ToBytes();

    public static explicit operator RedisResult[]?(RedisResult result) => result?.ToArray();

    public static explicit operator RedisValue(RedisResult result) => Required(result).ToRedisValue();

    /// <summary>The text of a scalar reply, or null for a null reply.</summary>
    public string? ToStringOrNull() => Type switch
    {
        ResultType.BulkString => _reference is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null,
        ResultType.SimpleString or ResultType.Error or ResultType.BigNumber or ResultType.VerbatimString => (string?)_reference,
        ResultType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        ResultType.Double => RedisValue.FormatDouble(_double),
        ResultType.Boolean => _integer != 0 ? "1" : "0",
        ResultType.Null => null,
        _ => throw new InvalidCastException($"A {Type} reply has no single text value."),
    };

    public override string ToString() => IsAggregate
        ? $"{Type}({(IsNull ? "null" : Length.ToString(CultureInfo.InvariantCulture))})"
        : ToStringOrNull() ?? "(nil)";

    public long ToInt64()
    {
        switch (Type)
        {
            case ResultType.Integer or ResultType.Boolean:
                return _integer;
            case ResultType.Double when _double == Math.Floor(_double) && Math.Abs(_double) < 9.2e18:
                return (long)_double;
            default:
                var text = IsNull ? null : ToStringOrNull();
                if (text is not null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                throw new InvalidCastException($"A {Type} reply '{text ?? "(nil)"}' is not an integer.");
        }
    }

    public double ToDouble()
    {
        switch (Type)
        {
            case ResultType.Double:
                return _double;
            case ResultType.Integer:
                return _integer;
            default:
                var text = IsNull ? null : ToStringOrNull();
                if (text is not null && RedisValue.TryParseDouble(text, out var parsed))
                {
                    return parsed;
                }

                throw new InvalidCastException($"A {Type} reply '{text ?? "(nil)"}' is not a number.");
        }
    }

    /// <summary>Integers and RESP3 booleans by value; "OK" and other status replies count as true.</summary>
    public bool ToBoolean() => Type switch
    {
        ResultType.Integer or ResultType.Boolean => _integer != 0,
        ResultType.SimpleString => true,
        ResultType.Null => false,
        ResultType.BulkString when _reference is null => false,
        _ => ToInt64() != 0,
    };

    public byte[]? ToBytes() => Type switch
    {
        ResultType.BulkString => (byte[]?)_reference,
        ResultType.Null => null,
        _ when IsAggregate => throw new InvalidCastException($"A {Type} reply has no single value."),
        _ => Encoding.UTF8.GetBytes(ToStringOrNull() ?? string.Empty),
    };

    public RedisResult[]? ToArray() => IsAggregate || Type == ResultType.Null
        ? (RedisResult[]?)_reference
        : throw new InvalidCastException($"A {Type} reply is not an aggregate.");

    public RedisValue ToRedisValue() => Type switch
    {
        ResultType.BulkString => RedisValue.FromBytes((byte[]?)_reference),
        ResultType.Null => RedisValue.Null,
        ResultType.Integer => RedisValue.FromInt64(_integer),
        ResultType.Double => RedisValue.FromDouble(_double),
        _ => RedisValue.FromString(ToStringOrNull()),
    };

    /// <summary>Reads a map reply, or a RESP2 flat key/value array, as pairs.</summary>
    public IReadOnlyList<KeyValuePair<RedisResult, RedisResult>> ToPairs()
    {
        var items = Items;
        if (items.Count % 2 != 0)
        {
            throw new InvalidCastException($"A {Type} reply with {items.Count} items is not a list of pairs.");
        }

        var pairs = new KeyValuePair<RedisResult, RedisResult>[items.Count / 2];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = new(items[2 * i], items[(2 * i) + 1]);
        }

        return pairs;
    }

    private static RedisResult Required(RedisResult result) =>
        result ?? throw new ArgumentNullException(nameof(result));

    private static RedisResult[] CreateSmallIntegers()
    {
        var cache = new RedisResult[256];
        for (var i = 0; i < cache.Length; i++)
        {
            cache[i] = new RedisResult(ResultType.Integer, null, i - 1);
        }

        return cache;
    }
}
