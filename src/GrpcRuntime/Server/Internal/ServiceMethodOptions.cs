using System.IO.Compression;
using System.Text;
using GrpcRuntime.Compression;
using GrpcRuntime.Interceptors;
using GrpcRuntime.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace GrpcRuntime.Server.Internal;

/// <summary>The global options merged with one service's overrides, resolved once at mapping time.</summary>
internal sealed class ServiceMethodOptions
{
    public ServiceMethodOptions(GrpcServiceOptions global, GrpcServiceOptions? service)
    {
        MaxReceiveMessageSize = service is { MaxReceiveMessageSizeSpecified: true } ? service.MaxReceiveMessageSize : global.MaxReceiveMessageSize;
        MaxSendMessageSize = service is { MaxSendMessageSizeSpecified: true } ? service.MaxSendMessageSize : global.MaxSendMessageSize;
        EnableDetailedErrors = service is { EnableDetailedErrorsSpecified: true } ? service.EnableDetailedErrors : global.EnableDetailedErrors;
        ResponseCompressionAlgorithm = service is { ResponseCompressionAlgorithmSpecified: true } ? service.ResponseCompressionAlgorithm : global.ResponseCompressionAlgorithm;
        ResponseCompressionLevel = service is { ResponseCompressionLevelSpecified: true } ? service.ResponseCompressionLevel : global.ResponseCompressionLevel;

        var providers = new List<ICompressionProvider>(global.CompressionProviders);
        if (service is not null)
        {
            foreach (var provider in service.CompressionProviders)
            {
                if (FindProvider(providers, provider.EncodingName) is null)
                {
                    providers.Add(provider);
                }
            }
        }

        CompressionProviders = [.. providers];
        var acceptEncoding = new StringBuilder(GrpcProtocol.IdentityEncoding);
        foreach (var provider in CompressionProviders)
        {
            acceptEncoding.Append(',').Append(provider.EncodingName);
        }

        AcceptEncoding = acceptEncoding.ToString();

        var interceptors = new List<InterceptorActivator>();
        foreach (var registration in global.Interceptors)
        {
            interceptors.Add(new InterceptorActivator(registration));
        }

        if (service is not null)
        {
            foreach (var registration in service.Interceptors)
            {
                interceptors.Add(new InterceptorActivator(registration));
            }
        }

        Interceptors = [.. interceptors];
    }

    public int? MaxReceiveMessageSize { get; }

    public int? MaxSendMessageSize { get; }

    public bool EnableDetailedErrors { get; }

    public string? ResponseCompressionAlgorithm { get; }

    public CompressionLevel? ResponseCompressionLevel { get; }

    public ICompressionProvider[] CompressionProviders { get; }

    /// <summary>The <c>grpc-accept-encoding</c> value this service answers with.</summary>
    public string AcceptEncoding { get; }

    public InterceptorActivator[] Interceptors { get; }

    public ICompressionProvider? FindProvider(string encodingName) => FindProvider(CompressionProviders, encodingName);

    private static ICompressionProvider? FindProvider(IReadOnlyList<ICompressionProvider> providers, string encodingName)
    {
        for (var i = 0; i < providers.Count; i++)
        {
            if (string.Equals(providers[i].EncodingName, encodingName, StringComparison.OrdinalIgnoreCase))
            {
                return providers[i];
            }
        }

        return null;
    }
}

/// <summary>Resolves one interceptor per call: from DI when registered, otherwise constructed.</summary>
internal sealed class InterceptorActivator
{
    private readonly Type type;
    private readonly object[] arguments;
    private readonly ObjectFactory factory;

    public InterceptorActivator(InterceptorRegistration registration)
    {
        type = registration.Type;
        arguments = [.. registration.Arguments];
        var argumentTypes = new Type[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            argumentTypes[i] = arguments[i].GetType();
        }

        factory = ActivatorUtilities.CreateFactory(type, argumentTypes);
    }

    /// <summary>Returns the interceptor and whether the caller owns it (and must dispose it).</summary>
    public Interceptor Resolve(IServiceProvider services, out bool created)
    {
        if (services.GetService(type) is Interceptor registered)
        {
            created = false;
            return registered;
        }

        created = true;
        return (Interceptor)factory(services, arguments);
    }
}
