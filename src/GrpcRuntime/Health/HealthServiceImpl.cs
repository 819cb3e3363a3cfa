using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace GrpcRuntime.Health;

/// <summary>
/// grpc.health.v1.Health. Statuses are set per service name; the empty name is the server as a whole.
/// Check answers NOT_FOUND for a name never set; Watch reports SERVICE_UNKNOWN for it and keeps watching.
/// </summary>
public sealed class HealthServiceImpl : Grpc.Health.V1.Health.HealthBase
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, ServingStatus> statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<ServingStatus>>> watchers = new(StringComparer.Ordinal);

    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (sync)
        {
            statuses[service] = status;
            NotifyWatchers(service, status);
        }
    }

    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (sync)
        {
            if (statuses.Remove(service))
            {
                NotifyWatchers(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    public void ClearAll()
    {
        lock (sync)
        {
            foreach (var service in statuses.Keys)
            {
                NotifyWatchers(service, ServingStatus.ServiceUnknown);
            }

            statuses.Clear();
        }
    }

    /// <summary>The current status, or null when the service name was never set.</summary>
    public ServingStatus? GetStatus(string service)
    {
        lock (sync)
        {
            return statuses.TryGetValue(service, out var status) ? status : null;
        }
    }

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var status = GetStatus(request.Service)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"Unknown service '{request.Service}'."));
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var service = request.Service;
        var updates = Channel.CreateUnbounded<ServingStatus>(new UnboundedChannelOptions { SingleReader = true });
        lock (sync)
        {
            // Registering and reading the current value under one lock: no change can slip between them.
            if (!watchers.TryGetValue(service, out var list))
            {
                list = [];
                watchers.Add(service, list);
            }

            list.Add(updates);
            updates.Writer.TryWrite(statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
        }

        try
        {
            ServingStatus? lastSent = null;
            await foreach (var status in updates.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (status != lastSent)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status });
                    lastSent = status;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher left (or the server is stopping): a normal end of a Watch.
        }
        finally
        {
            lock (sync)
            {
                if (watchers.TryGetValue(service, out var list))
                {
                    list.Remove(updates);
                    if (list.Count == 0)
                    {
                        watchers.Remove(service);
                    }
                }
            }
        }
    }

    private void NotifyWatchers(string service, ServingStatus status)
    {
        if (watchers.TryGetValue(service, out var list))
        {
            foreach (var watcher in list)
            {
                watcher.Writer.TryWrite(status);
            }
        }
    }
}
