namespace RedisClient;

/// <summary>
/// Commands sent at once through the shared connection. Cheap to create; holds no state of its own
/// (like StackExchange.Redis's IDatabase from GetDatabase()).
/// </summary>
public sealed class RedisDatabase : RedisCommands
{
    internal RedisDatabase(RedisConnection connection)
        : base(connection)
    {
    }

    /// <summary>Collects commands to be written together by <see cref="RedisBatch.Execute"/>.</summary>
    public RedisBatch CreateBatch() => new(Connection);

    private protected override Task<RedisResult> SendAsync(ReadOnlySpan<RedisValue> arguments, TimeSpan? timeout = null) =>
        Connection.ExecuteCommandAsync(arguments, timeout);
}
