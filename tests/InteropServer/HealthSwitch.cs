using Grpc.HealthCheck;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Interop;

/// <summary>
/// The health check behind grpc.testing.TestService's health status, switchable from stdin so that
/// tests can watch the status change the way an operator would see it: through a failing check.
/// </summary>
internal sealed class HealthSwitch : IHealthCheck
{
    public const string ServiceName = "grpc.testing.TestService";

    private volatile bool healthy = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off from stdin"));

    /// <summary>
    /// Reads "health grpc.testing.TestService SERVING|NOT_SERVING" lines, flips the check and answers
    /// each with the same line once the health service reports the new status. The health check
    /// publisher would carry the change over on its next period; the status is also set on the health
    /// service directly so watchers see it now rather than up to a period later.
    /// </summary>
    public async Task RunCommandsAsync(TextReader input, TextWriter output, HealthServiceImpl healthService, CancellationToken cancellationToken)
    {
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is not ["health", ServiceName, var statusText] || !Enum.TryParse<ServingStatus>(statusText.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var wanted)
                || wanted is not (ServingStatus.Serving or ServingStatus.NotServing))
            {
                await output.WriteLineAsync($"unknown command: {line} (expected: health {ServiceName} SERVING|NOT_SERVING)");
                continue;
            }

            healthy = wanted == ServingStatus.Serving;
            healthService.SetStatus(ServiceName, wanted);

            await output.WriteLineAsync($"health {ServiceName} {statusText}");
            await output.FlushAsync(cancellationToken);
        }
    }
}
