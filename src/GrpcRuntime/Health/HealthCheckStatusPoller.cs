using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GrpcRuntime.Health;

/// <summary>
/// Runs the ASP.NET Core health checks at start-up and then periodically, publishing the results
/// into <see cref="HealthServiceImpl"/>. A poll rather than IHealthCheckPublisher because the
/// publisher's first run comes seconds after start, and clients ask at once.
/// </summary>
internal sealed partial class HealthCheckStatusPoller(
    HealthServiceImpl healthService,
    HealthCheckService healthCheckService,
    IOptions<GrpcHealthChecksOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<HealthCheckStatusPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stoppingRegistration = options.Value.NotServingWhenStopping
            ? lifetime.ApplicationStopping.Register(MarkAllNotServing)
            : default;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await healthCheckService.CheckHealthAsync(stoppingToken);
                Publish(report);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                HealthChecksFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.Value.Interval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish(HealthReport report)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested && options.Value.NotServingWhenStopping)
        {
            return;
        }

        var overallMapped = false;
        foreach (var mapping in options.Value.Services)
        {
            overallMapped |= mapping.ServiceName.Length == 0;
            healthService.SetStatus(mapping.ServiceName, Evaluate(report, mapping.Predicate));
        }

        if (!overallMapped)
        {
            healthService.SetStatus(string.Empty, Evaluate(report, static _ => true));
        }
    }

    private static ServingStatus Evaluate(HealthReport report, Func<HealthCheckMapContext, bool> predicate)
    {
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status == HealthStatus.Unhealthy && predicate(new HealthCheckMapContext(name, entry.Tags)))
            {
                return ServingStatus.NotServing;
            }
        }

        return ServingStatus.Serving;
    }

    private void MarkAllNotServing()
    {
        healthService.SetStatus(string.Empty, ServingStatus.NotServing);
        foreach (var mapping in options.Value.Services)
        {
            healthService.SetStatus(mapping.ServiceName, ServingStatus.NotServing);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Running health checks for the gRPC health service failed.")]
    private static partial void HealthChecksFailed(ILogger logger, Exception exception);
}
