using Grpc.Health.V1;
using GrpcRuntime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceDefaults;

/// <summary>
/// grpc.health.v1.Health answered from the same ASP.NET Core health checks as /health, so gRPC
/// load balancers and probes see exactly what HTTP probes see. The empty service name stands for the
/// whole server; other names are unknown (NOT_FOUND for Check, SERVICE_UNKNOWN for Watch).
/// </summary>
public sealed class GrpcHealthService(HealthCheckService healthChecks, TimeProvider timeProvider) : Health.HealthBase
{
    /// <summary>How often Watch re-runs the checks to notice a change.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!IsServer(request.Service))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));
        }

        return new HealthCheckResponse { Status = await CurrentStatusAsync(context.CancellationToken) };
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        if (!IsServer(request.Service))
        {
            await responseStream.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.ServiceUnknown }, cancellationToken);
            await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        HealthCheckResponse.Types.ServingStatus? last = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var status = await CurrentStatusAsync(cancellationToken);
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, cancellationToken);
                last = status;
            }

            await Task.Delay(WatchInterval, timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static bool IsServer(string service) => service.Length == 0;

    private async Task<HealthCheckResponse.Types.ServingStatus> CurrentStatusAsync(CancellationToken cancellationToken)
    {
        var report = await healthChecks.CheckHealthAsync(cancellationToken);
        return report.Status == HealthStatus.Unhealthy
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving;
    }
}
