using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults;

namespace AppHost;

internal static partial class ResourceBuilderExtensions
{
    /// <summary>Healthy when the service's <c>/health</c> (every check: database, migrations, Redis) answers 200 on its HTTP/1.1 endpoint.</summary>
    public static IResourceBuilder<ProjectResource> WithServiceHealthCheck(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithHttpHealthCheck(ServiceDefaultsExtensions.HealthPath, endpointName: EndpointNames.Http);

    /// <summary>One line once every resource is healthy, with the addresses a newcomer needs next.</summary>
    public static IDistributedApplicationBuilder AddReadyBanner(this IDistributedApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ReadyBanner>();
        return builder;
    }

    private sealed partial class ReadyBanner(
        DistributedApplicationModel model,
        ResourceNotificationService notifications,
        IConfiguration configuration,
        ILogger<ReadyBanner> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var resources = model.Resources.Where(r => r is not ParameterResource).ToList();
            try
            {
                await Task.WhenAll(resources.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var dashboard = configuration["ASPNETCORE_URLS"]?.Split(';')[0] ?? "(dashboard disabled)";
            var gateway = model.Resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == ResourceNames.Gateway)?
                .Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == EndpointNames.Http)?.AllocatedEndpoint?.UriString;
            LogReady(logger, resources.Count, dashboard, gateway ?? "(no gateway)");
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "✔ all {Count} resources healthy — dashboard {Dashboard}, gateway {Gateway}")]
        private static partial void LogReady(ILogger logger, int count, string dashboard, string gateway);
    }
}
