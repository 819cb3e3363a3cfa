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

    /// <summary>
    /// Local runs are for exploring: every service answers gRPC server reflection (grpcurl, Postman) whatever
    /// its environment; deployments leave it to <c>Grpc:Reflection:Enabled</c>, off outside Development.
    /// </summary>
    public static IDistributedApplicationBuilder EnableReflectionForLocalRuns(this IDistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("Grpc__Reflection__Enabled", "true");
        }

        return builder;
    }

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
        /// <summary>Aspire's name for the dashboard resource it adds to the model in run mode.</summary>
        private const string DashboardResourceName = "aspire-dashboard";

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            // Resources with explicit start-up never start on their own: Aspire adds a hidden
            // "{project}-rebuilder" per project resource, and waiting on those would hold the line back forever.
            var resources = model.Resources
                .Where(r => r is not ParameterResource && !r.Annotations.OfType<ExplicitStartupAnnotation>().Any())
                .ToList();
            try
            {
                await Task.WhenAll(resources.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            // The dashboard's allocated address, not ASPNETCORE_URLS: with DcpPublisher:RandomizePorts
            // (isolated runs, tests) its proxy listens on another port than the configured one.
            var dashboardResource = resources.FirstOrDefault(r => r.Name == DashboardResourceName);
            var dashboard = dashboardResource is null
                ? "(dashboard disabled)"
                : AllocatedUrl(dashboardResource, "https") ?? AllocatedUrl(dashboardResource, "http") ?? configuration["ASPNETCORE_URLS"]?.Split(';')[0] ?? "(unknown)";
            var gateway = model.Resources.FirstOrDefault(r => r.Name == ResourceNames.Gateway) is { } gatewayResource
                ? AllocatedUrl(gatewayResource, EndpointNames.Http)
                : null;
            var backOffice = model.Resources.FirstOrDefault(r => r.Name == ResourceNames.BackOffice) is { } backOfficeResource
                ? AllocatedUrl(backOfficeResource, EndpointNames.Http)
                : null;
            LogReady(logger, resources.Count(r => r != dashboardResource), dashboard, gateway ?? "(no gateway)", backOffice ?? "(no back office)");
        }

        private static string? AllocatedUrl(IResource resource, string endpointName) =>
            resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == endpointName)?.AllocatedEndpoint?.UriString;

        [LoggerMessage(Level = LogLevel.Information, Message = "✔ all {Count} resources healthy — dashboard {Dashboard}, gateway {Gateway}, back office {BackOffice}")]
        private static partial void LogReady(ILogger logger, int count, string dashboard, string gateway, string backOffice);
    }
}
