using Microsoft.Extensions.Logging;

namespace RedisClient;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Redis connected to {EndPoint} (RESP{Protocol})")]
    public static partial void Connected(ILogger logger, RedisEndPoint endPoint, int protocol);

    [LoggerMessage(2, LogLevel.Warning, "Redis connection to {EndPoint} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, RedisEndPoint endPoint, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Redis reconnect attempt {Attempt} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(4, LogLevel.Information, "Redis reconnected to {EndPoint} after {Attempts} attempts")]
    public static partial void Reconnected(ILogger logger, RedisEndPoint endPoint, int attempts);

    [LoggerMessage(5, LogLevel.Warning, "Redis initial connect failed, retrying in the background: {Reason}")]
    public static partial void InitialConnectFailed(ILogger logger, string reason);
}
