using System.Diagnostics.Metrics;

namespace GrpcRuntime.Server.Internal;

/// <summary>Server-side meter instruments, named after the OpenTelemetry RPC conventions.</summary>
internal static class ServerInstruments
{
    public static readonly Counter<long> CallsStarted = GrpcDiagnostics.Meter.CreateCounter<long>(
        "rpc.server.calls_started", unit: "{call}", description: "gRPC calls started by the server.");

    public static readonly Counter<long> CallsCompleted = GrpcDiagnostics.Meter.CreateCounter<long>(
        "rpc.server.calls_completed", unit: "{call}", description: "gRPC calls completed by the server, by status code.");

    public static readonly Histogram<double> CallDuration = GrpcDiagnostics.Meter.CreateHistogram<double>(
        "rpc.server.call.duration", unit: "s", description: "Duration of gRPC calls on the server.");
}
