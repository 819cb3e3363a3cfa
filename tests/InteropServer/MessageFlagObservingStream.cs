namespace Interop;

/// <summary>
/// Passes a gRPC message stream through unchanged while reporting each message's compressed flag
/// as soon as its 5-byte prefix goes by.
/// </summary>
/// <remarks>
/// The compression interop cases assert per-message flags, which a gRPC API (ours included, like
/// grpc-dotnet's) deliberately hides from handlers and callers: they see decompressed messages.
/// Reading the flags off the HTTP body keeps the check independent of the runtime being tested.
/// </remarks>
internal sealed class MessageFlagObservingStream(Stream inner, Action<bool> onMessage) : Stream
{
    private const int PrefixLength = 5;

    private readonly byte[] prefix = new byte[PrefixLength];
    private int prefixFilled;
    private long payloadRemaining;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (payloadRemaining > 0)
            {
                var skipped = (int)Math.Min(payloadRemaining, data.Length);
                payloadRemaining -= skipped;
                data = data[skipped..];
                continue;
            }

            var copied = Math.Min(PrefixLength - prefixFilled, data.Length);
            data[..copied].CopyTo(prefix.AsSpan(prefixFilled));
            prefixFilled += copied;
            data = data[copied..];
            if (prefixFilled == PrefixLength)
            {
                prefixFilled = 0;
                payloadRemaining = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
                onMessage((prefix[0] & 1) != 0);
            }
        }
    }
}
