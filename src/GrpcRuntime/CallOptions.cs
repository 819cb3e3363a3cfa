namespace GrpcRuntime;

/// <summary>Per-call settings for a client call.</summary>
public readonly struct CallOptions
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "Parameter order matches the gRPC API users already know.")]
    public CallOptions(
        Metadata? headers = null,
        DateTime? deadline = null,
        CancellationToken cancellationToken = default,
        WriteOptions? writeOptions = null,
        ContextPropagationToken? propagationToken = null)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        WriteOptions = writeOptions;
        PropagationToken = propagationToken;
    }

    public Metadata? Headers { get; }

    /// <summary>UTC deadline; null means none (or the propagated one).</summary>
    public DateTime? Deadline { get; }

    public CancellationToken CancellationToken { get; }

    public WriteOptions? WriteOptions { get; }

    /// <summary>Deadline and cancellation inherited from the server call this call is made from.</summary>
    public ContextPropagationToken? PropagationToken { get; }

    public CallOptions WithHeaders(Metadata headers) => new(headers, Deadline, CancellationToken, WriteOptions, PropagationToken);

    public CallOptions WithDeadline(DateTime deadline) => new(Headers, deadline, CancellationToken, WriteOptions, PropagationToken);

    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => new(Headers, Deadline, cancellationToken, WriteOptions, PropagationToken);

    public CallOptions WithWriteOptions(WriteOptions writeOptions) => new(Headers, Deadline, CancellationToken, writeOptions, PropagationToken);

    public CallOptions WithPropagationToken(ContextPropagationToken propagationToken) => new(Headers, Deadline, CancellationToken, WriteOptions, propagationToken);
}
