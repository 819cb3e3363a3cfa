namespace RedisClient;

/// <summary>Condition for a write (NX / XX).</summary>
public enum When
{
    Always,
    NotExists,
    Exists,
}

/// <summary>Sort order for sorted-set ranges.</summary>
public enum Order
{
    Ascending,
    Descending,
}

/// <summary>A hash field and its value.</summary>
public readonly record struct HashEntry(RedisValue Name, RedisValue Value);

/// <summary>A sorted-set member and its score.</summary>
public readonly record struct SortedSetEntry(RedisValue Element, double Score);

/// <summary>A stream entry field and its value.</summary>
public readonly record struct NameValueEntry(RedisValue Name, RedisValue Value);

/// <summary>One stream entry. <see cref="Values"/> is empty for an entry deleted while still pending.</summary>
public sealed record StreamEntry(string Id, IReadOnlyList<NameValueEntry> Values)
{
    /// <summary>The value of the first field with this name, or null.</summary>
    public RedisValue this[RedisValue name] =>
        Values.FirstOrDefault(entry => entry.Name == name).Value;

    public bool IsDeleted => Values.Count == 0;
}

/// <summary>XAUTOCLAIM's answer: where to continue, what was claimed, and ids that no longer exist.</summary>
public sealed record StreamAutoClaimResult(string NextStartId, IReadOnlyList<StreamEntry> ClaimedEntries, IReadOnlyList<string> DeletedIds);

/// <summary>XPENDING summary form: counts per consumer and the id range.</summary>
public sealed record StreamPendingInfo(long PendingMessageCount, string? LowestPendingMessageId, string? HighestPendingMessageId, IReadOnlyList<StreamConsumer> Consumers);

/// <summary>A consumer and how many messages it holds unacknowledged.</summary>
public sealed record StreamConsumer(string Name, long PendingMessageCount);

/// <summary>XPENDING extended form: one pending message.</summary>
public sealed record StreamPendingMessageInfo(string MessageId, string ConsumerName, TimeSpan Idle, long DeliveryCount);
