using Google.Protobuf.Reflection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults;

/// <summary>
/// Configuration-based service discovery, as Aspire's: the app host passes
/// <c>services__{service}__{endpoint}__0=http://127.0.0.1:port</c>, which configuration reads as
/// <c>services:{service}:{endpoint}:0</c>.
/// </summary>
public static class ServiceDiscovery
{
    /// <summary>The address of a service's endpoint, or null when configuration does not know it.</summary>
    public static Uri? FindEndpoint(IConfiguration configuration, string service, string endpoint = EndpointNames.Grpc)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[$"services:{service}:{endpoint}:0"];
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
    }

    public static Uri GetEndpoint(IConfiguration configuration, string service, string endpoint = EndpointNames.Grpc) =>
        FindEndpoint(configuration, service, endpoint)
        ?? throw new InvalidOperationException(
            $"No address for the '{endpoint}' endpoint of service '{service}': set services__{service}__{endpoint}__0 (the app host does this for referenced projects).");

    /// <summary>The service-discovery address of a service's named endpoint: <c>http://_grpc.claim</c>.</summary>
    public static Uri DiscoveryAddress(string service, string endpoint = EndpointNames.Grpc) => new($"http://_{endpoint}.{service}");

    /// <summary>
    /// A typed gRPC client (Grpc.Net.ClientFactory) for <paramref name="service"/>, addressed through service
    /// discovery as <c>http://_grpc.{service}</c> (its h2c endpoint; the scheme is plain http because the
    /// endpoint speaks HTTP/2 without TLS), with the suite's call policy (<see cref="GrpcClientPolicy"/>) and
    /// this service's own access token (role system, <see cref="ServiceTokens"/>) on every call:
    /// <c>builder.Services.AddServiceGrpcClient&lt;ClaimService.ClaimServiceClient&gt;("claim")</c>.
    /// </summary>
    /// <param name="idempotentMethods">
    /// Methods that may be retried after UNAVAILABLE (<c>Service.Descriptor.FindMethodByName(…)</c>); every
    /// other call is sent once, since a retried write could be applied twice.
    /// </param>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, string service, params IReadOnlyCollection<MethodDescriptor> idempotentMethods)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentNullException.ThrowIfNull(idempotentMethods);
        services.AddOptions<GrpcClientPolicy>();
        services.AddServiceTokens();
        return services
            .AddGrpcClient<TClient>(options => options.Address = DiscoveryAddress(service))
            .ConfigureChannel(channel =>
            {
                channel.ServiceConfig = GrpcClientPolicy.RetryServiceConfig(idempotentMethods);
                // Peers are reached over h2c inside the cluster (TLS ends at the ingress), and they require the token.
                channel.UnsafeUseInsecureChannelCallCredentials = true;
            })
            .AddCallCredentials(async (context, metadata, provider) =>
            {
                if (await provider.GetRequiredService<ServiceTokens>().GetAsync(context.CancellationToken).ConfigureAwait(false) is { } token)
                {
                    metadata.Add("Authorization", "Bearer " + token);
                }
            })
            .AddInterceptor(provider => new DefaultDeadlineInterceptor(provider.GetRequiredService<IOptions<GrpcClientPolicy>>().Value));
    }

    /// <summary>
    /// A named HttpClient for the service's <c>http</c> endpoint, through service discovery, with the standard
    /// resilience handler (retries, circuit breaker, timeouts) that plain request/response HTTP calls want.
    /// </summary>
    public static IHttpClientBuilder AddServiceHttpClient(this IServiceCollection services, string service)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddHttpClient(service, client => client.BaseAddress = DiscoveryAddress(service, EndpointNames.Http));
        builder.AddStandardResilienceHandler();
        return builder;
    }
}
