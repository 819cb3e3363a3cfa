using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using LocalServers;

namespace TestSupport;

/// <summary>The app host's own application model for a test, in its own state folder, optionally narrowed to some resources.</summary>
public static class AppHostTesting
{
    /// <summary>
    /// The model <c>src/AppHost</c> declares, with its state under <paramref name="stateDirectory"/>, no
    /// dashboard and telemetry off in the services (nobody collects it in a test, and the exporter would
    /// hold every disposal up). With <paramref name="keep"/>, every other resource is removed, except the
    /// children of those kept (a server keeps its databases) and the parameters.
    /// </summary>
    public static async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string stateDirectory, IReadOnlyCollection<string>? keep = null, CancellationToken cancellationToken = default)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [$"--{LocalServersBuilderExtensions.StateDirectoryKey}={stateDirectory}", "--ClaimReplicas=1"],
            (options, _) => options.DisableDashboard = true,
            cancellationToken);
        if (keep is not null)
        {
            var removed = builder.Resources
                .Where(r => r is not ParameterResource && !keep.Contains(r.Name) && !(r is IResourceWithParent child && keep.Contains(child.Parent.Name)))
                .ToList();
            foreach (var resource in removed)
            {
                builder.Resources.Remove(resource);
            }
        }

        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_SDK_DISABLED", "true");
        }

        return builder;
    }

    /// <summary>
    /// Every endpoint of the model served directly by its process, on a port DCP picks: benchmarks measure
    /// the services, not DCP's proxy in front of them.
    /// </summary>
    public static IDistributedApplicationTestingBuilder WithoutProxies(this IDistributedApplicationTestingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var endpoint in builder.Resources.SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()))
        {
            endpoint.IsProxied = false;
            endpoint.Port = null;
        }

        return builder;
    }
}
