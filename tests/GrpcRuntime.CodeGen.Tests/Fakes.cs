using Microsoft.AspNetCore.Http;

namespace GrpcRuntime.CodeGen.Tests;

/// <summary>Records what generated BindService methods register.</summary>
internal sealed class RecordingBinder : ServiceBinderBase
{
    public List<(IMethod Method, Delegate Handler)> Bound { get; } = [];

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler) => Bound.Add((method, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler) => Bound.Add((method, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler) => Bound.Add((method, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler) => Bound.Add((method, handler));

    public IMethod Method(string name) => Bound.Single(b => b.Method.Name == name).Method;

    public TDelegate Handler<TDelegate>(string name)
        where TDelegate : Delegate => (TDelegate)Bound.Single(b => b.Method.Name == name).Handler;
}

/// <summary>Records the method and options generated clients pass to the invoker; answers with a fixed response.</summary>
internal sealed class RecordingCallInvoker : CallInvoker
{
    public IMethod? LastMethod { get; private set; }

    public CallOptions LastOptions { get; private set; }

    public object? LastRequest { get; private set; }

    public object? UnaryResponse { get; set; }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Record(method, options, request);
        return new AsyncUnaryCall<TResponse>(Task.FromResult((TResponse)UnaryResponse!), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Record(method, options, request);
        return new AsyncServerStreamingCall<TResponse>(new EmptyReader<TResponse>(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Record(method, options, null);
        return new AsyncClientStreamingCall<TRequest, TResponse>(new NullWriter<TRequest>(), Task.FromResult((TResponse)UnaryResponse!), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Record(method, options, null);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(new NullWriter<TRequest>(), new EmptyReader<TResponse>(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    private void Record(IMethod method, CallOptions options, object? request)
    {
        LastMethod = method;
        LastOptions = options;
        LastRequest = request;
    }

    private sealed class EmptyReader<T> : IAsyncStreamReader<T>
    {
        public T Current => throw new InvalidOperationException("The stream is empty.");

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class NullWriter<T> : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task CompleteAsync() => Task.CompletedTask;

        public Task WriteAsync(T message) => Task.CompletedTask;

        public Task WriteAsync(T message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A call context that only carries an identity, to see which context reaches the service.</summary>
internal sealed class FakeServerCallContext(string method) : ServerCallContext
{
    public override string Method { get; } = method;

    public override string Host => "localhost";

    public override string Peer => "ipv4:127.0.0.1:1";

    public override DateTime Deadline => DateTime.MaxValue;

    public override Metadata RequestHeaders { get; } = [];

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override Metadata ResponseTrailers { get; } = [];

    public override Status Status { get; set; }

    public override WriteOptions? WriteOptions { get; set; }

    public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;

    public override HttpContext GetHttpContext() => new DefaultHttpContext();
}
