namespace GrpcRuntime.Interceptors;

/// <summary>Wraps a call invoker (or a channel's) in client interceptors.</summary>
public static class CallInvokerExtensions
{
    /// <summary>
    /// Routes every call through the interceptors. The first interceptor in the list runs first,
    /// i.e. it is the outermost one.
    /// </summary>
    public static CallInvoker Intercept(this CallInvoker invoker, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(interceptors);
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            invoker = new InterceptingCallInvoker(invoker, interceptors[i] ?? throw new ArgumentException("Interceptors cannot contain null.", nameof(interceptors)));
        }

        return invoker;
    }

    /// <summary>Lets <paramref name="interceptor"/> replace or amend the request headers of every call.</summary>
    public static CallInvoker Intercept(this CallInvoker invoker, Func<Metadata, Metadata> interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        return invoker.Intercept(new MetadataInterceptor(interceptor));
    }

    public static CallInvoker Intercept(this ChannelBase channel, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker().Intercept(interceptors);
    }

    public static CallInvoker Intercept(this ChannelBase channel, Func<Metadata, Metadata> interceptor)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker().Intercept(interceptor);
    }

    private sealed class MetadataInterceptor : Interceptor
    {
        private readonly Func<Metadata, Metadata> interceptor;

        public MetadataInterceptor(Func<Metadata, Metadata> interceptor)
        {
            this.interceptor = interceptor;
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithHeaders(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithHeaders(context));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(WithHeaders(context));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(WithHeaders(context));

        private ClientInterceptorContext<TRequest, TResponse> WithHeaders<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            // Copy so that the interceptor never mutates a Metadata the caller reuses across calls.
            var headers = new Metadata();
            foreach (var entry in context.Options.Headers ?? [])
            {
                headers.Add(entry);
            }

            var replaced = interceptor(headers) ?? headers;
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(replaced));
        }
    }
}
