using Microsoft.AspNetCore.Http;

namespace GrpcRuntime;

/// <summary>Everything a handler knows about the call it is serving.</summary>
public abstract class ServerCallContext
{
    /// <summary>Full method name, e.g. <c>/claim.v1.ClaimService/Claim</c>.</summary>
    public abstract string Method { get; }

    public abstract string Host { get; }

    /// <summary>The peer address in gRPC form, e.g. <c>ipv4:127.0.0.1:51234</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>Arrival time plus <c>grpc-timeout</c>, or <see cref="DateTime.MaxValue"/> without one (UTC).</summary>
    public abstract DateTime Deadline { get; }

    public abstract Metadata RequestHeaders { get; }

    /// <summary>Cancelled when the client cancels, the deadline passes or the server shuts down.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers sent after the last message (add to them before the handler returns).</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status to send when the handler returns normally; defaults to OK.</summary>
    public abstract Status Status { get; set; }

    public abstract WriteOptions? WriteOptions { get; set; }

    /// <summary>State that interceptors and handlers share for the length of the call.</summary>
    public abstract IDictionary<object, object> UserState { get; }

    /// <summary>Sends response headers now; can be called once, before the first message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    /// <summary>The ASP.NET Core context under the call.</summary>
    public abstract HttpContext GetHttpContext();

    /// <summary>A token that carries this call's deadline and cancellation into outgoing calls.</summary>
    public ContextPropagationToken CreatePropagationToken() => new(Deadline, CancellationToken);
}

/// <summary>Deadline and cancellation of a server call, handed to a nested client call.</summary>
public sealed class ContextPropagationToken
{
    public ContextPropagationToken(DateTime deadline, CancellationToken cancellationToken)
    {
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    public DateTime Deadline { get; }

    public CancellationToken CancellationToken { get; }
}
