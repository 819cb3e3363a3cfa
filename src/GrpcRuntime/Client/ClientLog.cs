using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Client;

internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Debug, "Starting gRPC call {Method} to {Address}.")]
    public static partial void CallStarting(ILogger logger, string method, Uri address);

    [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} finished with status {StatusCode}: '{Detail}'.")]
    public static partial void CallFinished(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(3, LogLevel.Debug, "gRPC call {Method} attempt {Attempt} failed with {StatusCode}; retrying in {DelayMs} ms.")]
    public static partial void RetryScheduled(ILogger logger, string method, int attempt, StatusCode statusCode, double delayMs);

    [LoggerMessage(4, LogLevel.Debug, "gRPC call {Method} exceeded its deadline.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(5, LogLevel.Debug, "gRPC call {Method} failed in transport.")]
    public static partial void TransportFailure(ILogger logger, string method, Exception exception);
}
