namespace GrpcRuntime;

/// <summary>The outcome of a call: a code and a human-readable detail.</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, string.Empty);

    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, string.Empty);

    /// <summary>Local exception that caused the status, never sent over the wire.</summary>
    public Exception? DebugException { get; init; }

    public Status(StatusCode statusCode, string detail, Exception? debugException)
        : this(statusCode, detail)
    {
        DebugException = debugException;
    }

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
