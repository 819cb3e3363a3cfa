namespace GrpcRuntime;

/// <summary>
/// Thrown by handlers to end a call with a status, and by clients when a call ends with a status
/// other than OK.
/// </summary>
public class RpcException : Exception
{
    public RpcException()
        : this(new Status(StatusCode.Unknown, string.Empty))
    {
    }

    public RpcException(string message)
        : this(new Status(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status(StatusCode.Unknown, message);
        Trailers = [];
    }

    public RpcException(Status status)
        : this(status, [], null)
    {
    }

    public RpcException(Status status, string? message)
        : this(status, [], message)
    {
    }

    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, null)
    {
    }

    public RpcException(Status status, Metadata trailers, string? message)
        : base(message ?? status.ToString(), status.DebugException)
    {
        Status = status;
        Trailers = trailers ?? throw new ArgumentNullException(nameof(trailers));
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailers the peer sent with the status (client side) or to send (server side).</summary>
    public Metadata Trailers { get; }
}
