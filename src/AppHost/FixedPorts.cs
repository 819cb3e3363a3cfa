using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// The services' fixed local-run ports (their appsettings' Kestrel endpoints, the gateway's 8080) become
/// DCP's proxy ports. When one is already taken — most often by a second app host — DCP reports every
/// resource healthy while clients of that port reach the other process, so the app host refuses to start
/// instead and says what to do.
/// </summary>
internal static class FixedPorts
{
    /// <summary>DCP's switch that gives every proxied endpoint a random port (what tests and `aspire run --isolated` use).</summary>
    public const string RandomizePortsKey = "DcpPublisher:RandomizePorts";

    public static void EnsureFree(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue(RandomizePortsKey, false) || !builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        var taken = builder.Resources
            .OfType<ProjectResource>()
            .SelectMany(resource => resource.Annotations.OfType<EndpointAnnotation>().Select(endpoint => (resource.Name, Endpoint: endpoint)))
            .Where(e => e.Endpoint.IsProxied && e.Endpoint.Port is int port && !IsFree(port))
            .Select(e => $"{e.Name}/{e.Endpoint.Name} on port {e.Endpoint.Port}")
            .ToList();
        if (taken.Count > 0)
        {
            throw new DistributedApplicationException(
                $"Ports the app host needs are in use: {string.Join(", ", taken)}. Another app host is probably running: stop it, "
                + $"or start this one with --{RandomizePortsKey}=true to give every endpoint a free port (resources.json lists them).");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
