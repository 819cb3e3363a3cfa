using System.Buffers.Text;
using System.Text;

namespace RedisClient;

/// <summary>A growable byte buffer that RESP commands are encoded into before one socket write.</summary>
internal sealed class OutputBuffer
{
    private const int InitialCapacity = 16 * 1024;

    // A buffer that once carried a huge argument should not stay that large for the connection's life.
    private const int RetainedCapacityLimit = 1024 * 1024;

    private byte[] _buffer = new byte[InitialCapacity];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public void Reset()
    {
        Length = 0;
        if (_buffer.Length > RetainedCapacityLimit)
        {
            _buffer = new byte[InitialCapacity];
        }
    }

    public void WriteCommand(ReadOnlySpan<RedisValue> arguments)
    {
        WriteHeader((byte)'*', arguments.Length);
        foreach (ref readonly var argument in arguments)
        {
            argument.WriteBulkTo(this);
        }
    }

    public void WriteBulk(ReadOnlySpan<byte> payload)
    {
        WriteHeader((byte)'$', payload.Length);
        var span = GetSpan(payload.Length + 2);
        payload.CopyTo(span);
        span[payload.Length] = (byte)'\r';
        span[payload.Length + 1] = (byte)'\n';
        Length += payload.Length + 2;
    }

    public void WriteBulk(string text)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        WriteHeader((byte)'$', byteCount);
        var span = GetSpan(byteCount + 2);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        Length += written + 2;
    }

    private void WriteHeader(byte prefix, int count)
    {
        var span = GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(count, span[1..], out var digits);
        span[digits + 1] = (byte)'\r';
        span[digits + 2] = (byte)'\n';
        Length += digits + 3;
    }

    private Span<byte> GetSpan(int sizeHint)
    {
        if (_buffer.Length - Length < sizeHint)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, Length + sizeHint)];
            _buffer.AsSpan(0, Length).CopyTo(grown);
            _buffer = grown;
        }

        return _buffer.AsSpan(Length);
    }
}
