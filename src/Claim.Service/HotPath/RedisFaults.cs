using StackExchange.Redis;

namespace Claim.Service.HotPath;

/// <summary>How a failed Redis call is told to the caller.</summary>
internal static class RedisFaults
{
    /// <summary>
    /// Faults a retry gets past: the connection, a timeout (the client's <see cref="RedisTimeoutException"/> is a
    /// <see cref="TimeoutException"/>), or a Redis that is still loading its data after a restart, busy with a long
    /// script, or between primaries. The caller hears UNAVAILABLE, never UNKNOWN.
    /// </summary>
    public static bool IsOutage(Exception ex) =>
        ex is RedisConnectionException or TimeoutException
        || ex is RedisServerException
        {
            Kind: RedisErrorKind.Loading or RedisErrorKind.TryAgain or RedisErrorKind.Busy or RedisErrorKind.MasterDown or RedisErrorKind.ClusterDown,
        };
}
