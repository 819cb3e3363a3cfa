using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client.Configuration;

namespace ServiceDefaults;

/// <summary>
/// How the suite's services call each other: every unary call carries a deadline (a peer that hangs
/// must not hold a request for ever), streaming calls (snapshot watches, feeds) live as long as their
/// caller wants, and only idempotent calls are retried.
/// </summary>
public sealed class GrpcClientPolicy
{
    public const string SectionName = "GrpcClient";

    /// <summary>Deadline given to a unary call whose caller did not set one.</summary>
    public TimeSpan UnaryDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A service config retrying the named methods after UNAVAILABLE (the peer restarting or not yet
    /// listening) with jittered exponential backoff; other methods get no retry policy.
    /// </summary>
    public static ServiceConfig? RetryServiceConfig(IReadOnlyCollection<MethodDescriptor> idempotentMethods)
    {
        ArgumentNullException.ThrowIfNull(idempotentMethods);
        if (idempotentMethods.Count == 0)
        {
            return null;
        }

        var methodConfig = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var method in idempotentMethods)
        {
            ArgumentNullException.ThrowIfNull(method, nameof(idempotentMethods));
            methodConfig.Names.Add(new MethodName { Service = method.Service.FullName, Method = method.Name });
        }

        return new ServiceConfig { MethodConfigs = { methodConfig } };
    }
}

/// <summary>Adds <see cref="GrpcClientPolicy.UnaryDeadline"/> to unary calls that have no deadline; streams are left alone.</summary>
internal sealed class DefaultDeadlineInterceptor(GrpcClientPolicy policy) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, WithDeadline(context));
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(request, WithDeadline(context));
    }

    private ClientInterceptorContext<TRequest, TResponse> WithDeadline<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class =>
        context.Options.Deadline is not null
            ? context
            : new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow.Add(policy.UnaryDeadline)));
}
