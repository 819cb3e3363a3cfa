namespace GrpcRuntime.Client;

/// <summary>The channel's invoker: every call becomes one HTTP/2 request.</summary>
internal sealed class GrpcChannelCallInvoker : CallInvoker
{
    private readonly GrpcChannel channel;

    public GrpcChannelCallInvoker(GrpcChannel channel)
    {
        this.channel = channel;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = CreateCall(method, host, options);
        var responseAsync = call.StartUnary(request);
        return new AsyncUnaryCall<TResponse>(responseAsync, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = CreateCall(method, host, options);
        call.StartServerStreaming(request);
        return new AsyncServerStreamingCall<TResponse>(new ResponseStreamReader<TRequest, TResponse>(call), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = CreateCall(method, host, options);
        var responseAsync = call.StartClientStreaming();
        return new AsyncClientStreamingCall<TRequest, TResponse>(new ClientStreamWriter<TRequest, TResponse>(call), responseAsync, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = CreateCall(method, host, options);
        call.StartDuplexStreaming();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(new ClientStreamWriter<TRequest, TResponse>(call), new ResponseStreamReader<TRequest, TResponse>(call), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private GrpcCall<TRequest, TResponse> CreateCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(method);
        ObjectDisposedException.ThrowIf(channel.IsDisposed, channel);
        return new GrpcCall<TRequest, TResponse>(channel, method, host, options);
    }
}
