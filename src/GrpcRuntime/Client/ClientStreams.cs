namespace GrpcRuntime.Client;

/// <summary>The request side of client-streaming and duplex calls.</summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class
    where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> call;

    public ClientStreamWriter(GrpcCall<TRequest, TResponse> call)
    {
        this.call = call;
        WriteOptions = call.Options.WriteOptions;
    }

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return call.WriteRequestMessageAsync(message, WriteOptions, cancellationToken);
    }

    public Task CompleteAsync() => call.CompleteRequestAsync();
}

/// <summary>The response side of server-streaming and duplex calls.</summary>
internal sealed class ResponseStreamReader<TRequest, TResponse> : IAsyncStreamReader<TResponse>
    where TRequest : class
    where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> call;
    private TResponse? current;
    private Task<bool>? pendingMove;

    public ResponseStreamReader(GrpcCall<TRequest, TResponse> call)
    {
        this.call = call;
    }

    public TResponse Current => current ?? throw new InvalidOperationException("No current message: call MoveNext first and check that it returned true.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (pendingMove is { IsCompleted: false })
        {
            return Task.FromException<bool>(new InvalidOperationException("Can't read the next message because the previous read is still in progress."));
        }

        pendingMove = MoveNextCoreAsync(cancellationToken);
        return pendingMove;
    }

    private async Task<bool> MoveNextCoreAsync(CancellationToken cancellationToken)
    {
        var (hasMessage, message) = await call.ReadNextResponseAsync(cancellationToken);
        current = hasMessage ? message : null;
        return hasMessage;
    }
}
