using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;

namespace GrpcRuntime.Client;

/// <summary>Client-side spans (OpenTelemetry rpc.* conventions) and call metrics.</summary>
internal static class ClientDiagnostics
{
    private static readonly Counter<long> CallsStarted = GrpcDiagnostics.Meter.CreateCounter<long>(
        "rpc.client.calls_started", "{call}", "Client calls started.");

    private static readonly Counter<long> CallsCompleted = GrpcDiagnostics.Meter.CreateCounter<long>(
        "rpc.client.calls_completed", "{call}", "Client calls completed, by status code.");

    private static readonly Histogram<double> CallDuration = GrpcDiagnostics.Meter.CreateHistogram<double>(
        "rpc.client.call.duration", "s", "Duration of client calls, from start to final status.");

    public static Activity? StartActivity(IMethod method, Uri address)
    {
        var activity = GrpcDiagnostics.ActivitySource.StartActivity(method.ServiceName + "/" + method.Name, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", method.ServiceName);
            activity.SetTag("rpc.method", method.Name);
            activity.SetTag("server.address", address.Host);
            activity.SetTag("server.port", address.Port);
        }

        return activity;
    }

    /// <summary>Writes traceparent/tracestate for the call's span, or for the ambient one when nobody samples ours.</summary>
    public static void InjectTraceContext(Activity? activity, HttpRequestHeaders headers)
    {
        var source = activity ?? Activity.Current;
        if (source is null)
        {
            return;
        }

        DistributedContextPropagator.Current.Inject(source, headers, static (carrier, name, value) =>
        {
            if (carrier is HttpRequestHeaders requestHeaders && value is not null)
            {
                requestHeaders.Remove(name);
                requestHeaders.TryAddWithoutValidation(name, value);
            }
        });
    }

    public static void StopActivity(Activity? activity, Status status)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rpc.grpc.status_code", (int)status.StatusCode);
        if (status.StatusCode != StatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, status.Detail);
        }

        // Stop() makes the parent current in whatever context it runs in; the caller's context must not change.
        var ambient = Activity.Current;
        activity.Stop();
        Activity.Current = ambient == activity ? activity.Parent : ambient;
    }

    public static void RecordStarted(IMethod method)
    {
        if (CallsStarted.Enabled)
        {
            CallsStarted.Add(1, new KeyValuePair<string, object?>("rpc.system", "grpc"), new KeyValuePair<string, object?>("rpc.service", method.ServiceName), new KeyValuePair<string, object?>("rpc.method", method.Name));
        }
    }

    public static void RecordCompleted(IMethod method, StatusCode statusCode, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.service", method.ServiceName },
            { "rpc.method", method.Name },
            { "rpc.grpc.status_code", (int)statusCode },
        };
        if (CallsCompleted.Enabled)
        {
            CallsCompleted.Add(1, tags);
        }

        if (CallDuration.Enabled)
        {
            CallDuration.Record(elapsed.TotalSeconds, tags);
        }
    }
}
