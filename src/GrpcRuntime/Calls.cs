using System.Runtime.CompilerServices;

namespace GrpcRuntime;

/// <summary>The parts every client call shares: response headers, final status and trailers, disposal.</summary>
public abstract class AsyncCallBase : IDisposable
{
    private readonly Func<Status> getStatus;
    private readonly Func<Metadata> getTrailers;
    private readonly Action disposeAction;

    protected AsyncCallBase(Task<Metadata> responseHeadersAsync, Func<Status> getStatus, Func<Metadata> getTrailers, Action disposeAction)
    {
        ResponseHeadersAsync = responseHeadersAsync ?? throw new ArgumentNullException(nameof(responseHeadersAsync));
        this.getStatus = getStatus ?? throw new ArgumentNullException(nameof(getStatus));
        this.getTrailers = getTrailers ?? throw new ArgumentNullException(nameof(getTrailers));
        this.disposeAction = disposeAction ?? throw new ArgumentNullException(nameof(disposeAction));
    }

    public Task<Metadata> ResponseHeadersAsync { get; }

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> while the call is still running.</summary>
    public Status GetStatus() => getStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> while the call is still running.</summary>
    public Metadata GetTrailers() => getTrailers();

    /// <summary>Cancels the call if it is still running and frees its resources.</summary>
    public void Dispose()
    {
        disposeAction();
        GC.SuppressFinalize(this);
    }
}

public sealed class AsyncUnaryCall<TResponse> : AsyncCallBase
{
    public AsyncUnaryCall(Task<TResponse> responseAsync, Task<Metadata> responseHeadersAsync, Func<Status> getStatus, Func<Metadata> getTrailers, Action disposeAction)
        : base(responseHeadersAsync, getStatus, getTrailers, disposeAction)
    {
        ResponseAsync = responseAsync ?? throw new ArgumentNullException(nameof(responseAsync));
    }

    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) => ResponseAsync.ConfigureAwait(continueOnCapturedContext);
}

public sealed class AsyncServerStreamingCall<TResponse> : AsyncCallBase
{
    public AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Task<Metadata> responseHeadersAsync, Func<Status> getStatus, Func<Metadata> getTrailers, Action disposeAction)
        : base(responseHeadersAsync, getStatus, getTrailers, disposeAction)
    {
        ResponseStream = responseStream ?? throw new ArgumentNullException(nameof(responseStream));
    }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

public sealed class AsyncClientStreamingCall<TRequest, TResponse> : AsyncCallBase
{
    public AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, Task<Metadata> responseHeadersAsync, Func<Status> getStatus, Func<Metadata> getTrailers, Action disposeAction)
        : base(responseHeadersAsync, getStatus, getTrailers, disposeAction)
    {
        RequestStream = requestStream ?? throw new ArgumentNullException(nameof(requestStream));
        ResponseAsync = responseAsync ?? throw new ArgumentNullException(nameof(responseAsync));
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
}

public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : AsyncCallBase
{
    public AsyncDuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream, Task<Metadata> responseHeadersAsync, Func<Status> getStatus, Func<Metadata> getTrailers, Action disposeAction)
        : base(responseHeadersAsync, getStatus, getTrailers, disposeAction)
    {
        RequestStream = requestStream ?? throw new ArgumentNullException(nameof(requestStream));
        ResponseStream = responseStream ?? throw new ArgumentNullException(nameof(responseStream));
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}
