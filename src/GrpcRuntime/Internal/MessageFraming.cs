using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using GrpcRuntime.Compression;

namespace GrpcRuntime.Internal;

/// <summary>
/// gRPC's length-prefixed messages: 1 compressed-flag byte, a 4-byte big-endian length, the payload.
/// Messages may span and share HTTP/2 DATA frames, so everything works on pipe sequences.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    // A serialization buffer larger than this is dropped after use instead of being kept per thread.
    private const int MaxRetainedBufferSize = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? threadSerializationBuffer;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(bool HasMessage, T Message)> ReadMessageAsync<T>(PipeReader reader, Marshaller<T> marshaller, int? maxReceiveSize, ICompressionProvider? decompressor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(marshaller);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new OperationCanceledException("Reading the message was canceled.", cancellationToken);
            }

            var buffer = result.Buffer;
            bool found;
            T message;
            SequencePosition consumed;
            try
            {
                found = TryParseMessage(buffer, marshaller, maxReceiveSize, decompressor, out message, out consumed);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (found)
            {
                reader.AdvanceTo(consumed);
                return (true, message);
            }

            if (result.IsCompleted)
            {
                var remaining = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (remaining == 0)
                {
                    return (false, default!);
                }

                throw new RpcException(new Status(StatusCode.Internal, "Incomplete message: the stream ended inside a length-prefixed message."));
            }

            // Nothing consumed, everything examined: the pipe wakes us when more data arrives, and
            // Kestrel counts examined bytes towards the HTTP/2 flow-control window.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public static ValueTask WriteMessageAsync<T>(PipeWriter writer, T message, Marshaller<T> marshaller, int? maxSendSize, ICompressionProvider? compressor, bool flush, CancellationToken cancellationToken) =>
        WriteMessageAsync(writer, message, marshaller, maxSendSize, compressor, compressionLevel: null, flush, cancellationToken);

    public static ValueTask WriteMessageAsync<T>(PipeWriter writer, T message, Marshaller<T> marshaller, int? maxSendSize, ICompressionProvider? compressor, CompressionLevel? compressionLevel, bool flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteMessage(writer, message, marshaller, maxSendSize, compressor, compressionLevel);
        if (!flush)
        {
            return default;
        }

        var flushTask = writer.FlushAsync(cancellationToken);
        if (flushTask.IsCompletedSuccessfully)
        {
            _ = flushTask.Result;
            return default;
        }

        return AwaitFlush(flushTask);
    }

    /// <summary>Serializes and frames one message into <paramref name="output"/> without flushing.</summary>
    public static void WriteMessage<T>(IBufferWriter<byte> output, T message, Marshaller<T> marshaller, int? maxSendSize, ICompressionProvider? compressor, CompressionLevel? compressionLevel)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(marshaller);
        var serialized = threadSerializationBuffer ?? new ArrayBufferWriter<byte>(4096);
        threadSerializationBuffer = null;
        try
        {
            marshaller.Serialize(message, serialized);
            if (compressor is null)
            {
                WriteFrame(output, serialized.WrittenSpan, compressed: false, maxSendSize);
            }
            else
            {
                using var compressedPayload = new MemoryStream();
                using (var compressionStream = compressor.CreateCompressionStream(compressedPayload, compressionLevel))
                {
                    compressionStream.Write(serialized.WrittenSpan);
                }

                WriteFrame(output, compressedPayload.GetBuffer().AsSpan(0, (int)compressedPayload.Length), compressed: true, maxSendSize);
            }
        }
        finally
        {
            if (serialized.Capacity <= MaxRetainedBufferSize)
            {
                serialized.ResetWrittenCount();
                threadSerializationBuffer = serialized;
            }
        }
    }

    private static void WriteFrame(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, bool compressed, int? maxSendSize)
    {
        if (maxSendSize is { } limit && payload.Length > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message exceeds the maximum configured message size ({payload.Length} > {limit})."));
        }

        var destination = output.GetSpan(HeaderSize + payload.Length);
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1, 4), (uint)payload.Length);
        payload.CopyTo(destination[HeaderSize..]);
        output.Advance(HeaderSize + payload.Length);
    }

    private static bool TryParseMessage<T>(in ReadOnlySequence<byte> buffer, Marshaller<T> marshaller, int? maxReceiveSize, ICompressionProvider? decompressor, out T message, out SequencePosition consumed)
    {
        message = default!;
        consumed = buffer.Start;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {flag} in a message header."));
        }

        if (flag == 1 && decompressor is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "A compressed message arrived, but the call did not negotiate a message encoding."));
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (maxReceiveSize is { } limit && length > (uint)limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message exceeds the maximum configured message size ({length} > {limit})."));
        }

        if (length > int.MaxValue)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message length {length} is larger than the runtime can hold."));
        }

        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        var payload = buffer.Slice(HeaderSize, length);
        consumed = payload.End;
        if (flag == 1)
        {
            payload = Decompress(payload, decompressor!, maxReceiveSize);
        }

        try
        {
            message = marshaller.Deserialize(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the message.", ex));
        }

        return true;
    }

    private static ReadOnlySequence<byte> Decompress(ReadOnlySequence<byte> payload, ICompressionProvider decompressor, int? maxReceiveSize)
    {
        try
        {
            using var input = new MemoryStream(payload.ToArray(), writable: false);
            using var decompressionStream = decompressor.CreateDecompressionStream(input);
            using var output = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = decompressionStream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    output.Write(chunk, 0, read);
                    if (maxReceiveSize is { } limit && output.Length > limit)
                    {
                        throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Decompressed message exceeds the maximum configured message size ({limit})."));
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress the message.", ex));
        }
    }

    private static async ValueTask AwaitFlush(ValueTask<FlushResult> flushTask) => await flushTask.ConfigureAwait(false);
}
