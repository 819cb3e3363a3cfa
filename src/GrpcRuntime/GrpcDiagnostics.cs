using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GrpcRuntime;

/// <summary>
/// The one ActivitySource and Meter of the runtime, shared by server and client so telemetry
/// pipelines subscribe to a single name.
/// </summary>
public static class GrpcDiagnostics
{
    public const string ActivitySourceName = "GrpcRuntime";

    public const string MeterName = "GrpcRuntime";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    internal static readonly Meter Meter = new(MeterName);
}
