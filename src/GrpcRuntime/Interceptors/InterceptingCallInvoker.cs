namespace GrpcRuntime.Interceptors;

/// <summary>A call invoker that hands every call to one interceptor, whose continuation is the inner invoker.</summary>
internal sealed class InterceptingCallInvoker : CallInvoker
{
    private readonly CallInvoker inner;
    private readonly Interceptor interceptor;

    public InterceptingCallInvoker(CallInvoker inner, Interceptor interceptor)
    {
        this.inner = inner;
        this.interceptor = interceptor;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        interceptor.AsyncUnaryCall(
            request,
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, context) => inner.AsyncUnaryCall(context.Method, context.Host, context.Options, req));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        interceptor.AsyncServerStreamingCall(
            request,
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, context) => inner.AsyncServerStreamingCall(context.Method, context.Host, context.Options, req));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        interceptor.AsyncClientStreamingCall(
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            context => inner.AsyncClientStreamingCall(context.Method, context.Host, context.Options));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        interceptor.AsyncDuplexStreamingCall(
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            context => inner.AsyncDuplexStreamingCall(context.Method, context.Host, context.Options));
}
