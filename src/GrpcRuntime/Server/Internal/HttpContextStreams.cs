using GrpcRuntime.Internal;

namespace GrpcRuntime.Server.Internal;

/// <summary>The request stream of a client-streaming or duplex call.</summary>
internal sealed class HttpContextStreamReader<TRequest>(HttpContextServerCallContext context, Marshaller<TRequest> marshaller) : IAsyncStreamReader<TRequest>
{
    private TRequest? current;
    private bool completed;
    private bool endOfStream;
    private int reading;

    public TRequest Current => current ?? throw new InvalidOperationException("No current message: call MoveNext first and check that it returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (completed)
        {
            throw new InvalidOperationException("Can't read messages after the call has completed.");
        }

        if (endOfStream)
        {
            return false;
        }

        if (Interlocked.Exchange(ref reading, 1) == 1)
        {
            throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
        }

        try
        {
            var callToken = context.CancellationToken;
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(callToken, cancellationToken) : null;
            var reader = context.GetHttpContext().Request.BodyReader;
            var (hasMessage, message) = await MessageFraming.ReadMessageAsync(reader, marshaller, context.Options.MaxReceiveMessageSize, context.RequestDecompressor, linked?.Token ?? callToken);
            if (!hasMessage)
            {
                endOfStream = true;
                current = default;
                return false;
            }

            current = message;
            return true;
        }
        finally
        {
            Volatile.Write(ref reading, 0);
        }
    }

    public void Complete() => completed = true;
}

/// <summary>The response stream of a server-streaming or duplex call.</summary>
internal sealed class HttpContextStreamWriter<TResponse>(HttpContextServerCallContext context, Marshaller<TResponse> marshaller) : IServerStreamWriter<TResponse>
{
    private bool completed;

    public WriteOptions? WriteOptions
    {
        get => context.WriteOptions;
        set => context.WriteOptions = value;
    }

    public Task WriteAsync(TResponse message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (completed)
        {
            throw new InvalidOperationException("Can't write the message because the call is complete.");
        }

        return context.WriteStreamMessageAsync(message, marshaller, context.WriteOptions, cancellationToken);
    }

    public void Complete() => completed = true;
}
