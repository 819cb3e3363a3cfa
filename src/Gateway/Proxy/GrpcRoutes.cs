using System.Net;
using ServiceDefaults;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// gRPC pass-through: a call's path names its service (<c>/campaign.v1.CampaignService/GetCampaign</c>), the
/// service's proto package names the owning process, and that process is found by service discovery
/// (<c>http://_grpc.campaign</c>, resolved by Microsoft.Extensions.ServiceDiscovery.Yarp). Every gRPC service of
/// a package is reachable without listing it here; whether the caller may use it is the service's decision.
/// </summary>
public static class GrpcRoutes
{
    /// <summary>Proto package → owning service (resource name).</summary>
    public static IReadOnlyDictionary<string, string> Packages { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["campaign.v1"] = ResourceNames.Campaign,
        ["claim.v1"] = ResourceNames.Claim,
        ["redemption.v1"] = ResourceNames.Redemption,
        ["settlement.v1"] = ResourceNames.Settlement,
    };

    /// <summary>
    /// Further packages from configuration (<c>Gateway:Routes:{package}={service}</c>), e.g. the benchmark's echo
    /// service; the platform's own are always routed.
    /// </summary>
    public const string ExtraRoutesSection = "Gateway:Routes";

    /// <summary>How long a forwarded call may go without a byte either way; streams (feeds, snapshot watches) outlive any request timeout.</summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(10);

    public static IReadOnlyDictionary<string, string> PackagesWith(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var all = new Dictionary<string, string>(Packages, StringComparer.Ordinal);
        foreach (var route in configuration.GetSection(ExtraRoutesSection).GetChildren())
        {
            all[route.Key] = route.Value ?? throw new InvalidOperationException($"{ExtraRoutesSection}:{route.Key} names no service");
        }

        return all;
    }

    public static IReadOnlyList<RouteConfig> Routes(IReadOnlyDictionary<string, string> packages) =>
        [.. packages.Select(p => new RouteConfig
        {
            RouteId = "grpc-" + p.Key,
            ClusterId = ClusterFor(p.Value),
            Match = new RouteMatch { Path = $"/{p.Key}.{{service}}/{{method}}" },
        })];

    public static IReadOnlyList<ClusterConfig> Clusters(IReadOnlyDictionary<string, string> packages) =>
        [.. packages.Values.Distinct().Select(service => new ClusterConfig
        {
            ClusterId = ClusterFor(service),
            Destinations = new Dictionary<string, DestinationConfig>
            {
                [service] = new() { Address = ServiceDiscovery.DiscoveryAddress(service).ToString() },
            },
            // The services' gRPC endpoints speak HTTP/2 without TLS (h2c): no downgrade, no ALPN.
            HttpRequest = new ForwarderRequestConfig
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                ActivityTimeout = ActivityTimeout,
                AllowResponseBuffering = false,
            },
            HttpClient = new HttpClientConfig { EnableMultipleHttp2Connections = true },
        })];

    private const string ClusterPrefix = "svc-";

    public static string ClusterFor(string service) => ClusterPrefix + service;

    public static string ServiceOf(string clusterId)
    {
        ArgumentNullException.ThrowIfNull(clusterId);
        return clusterId.StartsWith(ClusterPrefix, StringComparison.Ordinal) ? clusterId[ClusterPrefix.Length..] : clusterId;
    }
}
