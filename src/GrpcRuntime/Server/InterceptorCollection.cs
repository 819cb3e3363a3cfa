using System.Collections.ObjectModel;
using GrpcRuntime.Interceptors;

namespace GrpcRuntime.Server;

/// <summary>
/// Interceptor types to run around calls. Each is resolved from DI when registered there, otherwise
/// created per call with the given constructor arguments (the rest injected from DI).
/// </summary>
public sealed class InterceptorCollection : Collection<InterceptorRegistration>
{
    public void Add<TInterceptor>(params object[] args)
        where TInterceptor : Interceptor =>
        Add(typeof(TInterceptor), args);

    public void Add(Type interceptorType, params object[] args)
    {
        ArgumentNullException.ThrowIfNull(interceptorType);
        if (!typeof(Interceptor).IsAssignableFrom(interceptorType))
        {
            throw new ArgumentException($"{interceptorType} does not derive from {typeof(Interceptor)}.", nameof(interceptorType));
        }

        Add(new InterceptorRegistration(interceptorType, args ?? []));
    }
}

/// <summary>One interceptor type and the arguments to construct it with.</summary>
public sealed class InterceptorRegistration
{
    public InterceptorRegistration(Type type, IReadOnlyList<object> arguments)
    {
        Type = type ?? throw new ArgumentNullException(nameof(type));
        Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
    }

    public Type Type { get; }

    public IReadOnlyList<object> Arguments { get; }
}
