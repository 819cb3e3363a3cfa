namespace GrpcRuntime;

/// <summary>Reads a stream of messages; <see cref="MoveNext"/> returns false at the end of the stream.</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    Task<bool> MoveNext(CancellationToken cancellationToken);
}

public interface IAsyncStreamWriter<in T>
{
    WriteOptions? WriteOptions { get; set; }

    Task WriteAsync(T message);

    Task WriteAsync(T message, CancellationToken cancellationToken);
}

/// <summary>A server's writer of response messages.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>A client's writer of request messages; <see cref="CompleteAsync"/> half-closes the call.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    Task CompleteAsync();
}

[Flags]
public enum WriteFlags
{
    None = 0,

    /// <summary>Hint that the write may be buffered.</summary>
    BufferHint = 0x1,

    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 0x2,
}

public sealed class WriteOptions
{
    public static readonly WriteOptions Default = new();

    public WriteOptions(WriteFlags flags = WriteFlags.None)
    {
        Flags = flags;
    }

    public WriteFlags Flags { get; }
}

/// <summary>Convenience extensions for consuming streams.</summary>
public static class AsyncStreamReaderExtensions
{
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
