namespace RedisClient;

/// <summary>
/// The typed commands, shared by <see cref="RedisDatabase"/> (sent at once) and
/// <see cref="RedisBatch"/> (sent together by <see cref="RedisBatch.Execute"/>). Method names follow
/// StackExchange.Redis's IDatabase so existing habits carry over.
/// </summary>
public abstract partial class RedisCommands
{
    private protected RedisCommands(RedisConnection connection)
    {
        Connection = connection;
    }

    /// <summary>The multiplexer this object sends through.</summary>
    public RedisConnection Connection { get; }

    /// <summary>Sends any command, e.g. <c>ExecuteAsync("OBJECT", "ENCODING", key)</c>.</summary>
    public Task<RedisResult> ExecuteAsync(string command, params ReadOnlySpan<RedisValue> arguments) =>
        SendAsync(Prepend(command, arguments), null);

    /// <summary>Sends any command with its own timeout instead of the configured one.</summary>
    public Task<RedisResult> ExecuteAsync(TimeSpan timeout, string command, params ReadOnlySpan<RedisValue> arguments) =>
        SendAsync(Prepend(command, arguments), timeout);

    // ---- keys ----

    public async Task<bool> KeyDeleteAsync(string key) => (long)await SendAsync(["DEL", key]) > 0;

    public async Task<long> KeyDeleteAsync(IReadOnlyCollection<string> keys) => (long)await SendAsync(Prepend("DEL", Values(keys)));

    public async Task<bool> KeyExistsAsync(string key) => (long)await SendAsync(["EXISTS", key]) > 0;

    /// <summary>Sets a relative expiry; null removes it (PERSIST).</summary>
    public async Task<bool> KeyExpireAsync(string key, TimeSpan? expiry) => expiry is null
        ? (await SendAsync(["PERSIST", key])).ToBoolean()
        : (await SendAsync(["PEXPIRE", key, Milliseconds(expiry.Value)])).ToBoolean();

    public async Task<bool> KeyExpireAsync(string key, DateTimeOffset expireAt) =>
        (await SendAsync(["PEXPIREAT", key, expireAt.ToUnixTimeMilliseconds()])).ToBoolean();

    public async Task<bool> KeyPersistAsync(string key) => (await SendAsync(["PERSIST", key])).ToBoolean();

    /// <summary>The remaining time to live, or null when the key is missing or never expires.</summary>
    public async Task<TimeSpan?> KeyTimeToLiveAsync(string key)
    {
        var milliseconds = (long)await SendAsync(["PTTL", key]);
        return milliseconds < 0 ? null : TimeSpan.FromMilliseconds(milliseconds);
    }

    // ---- strings and counters ----

    public async Task<RedisValue> StringGetAsync(string key) => (await SendAsync(["GET", key])).ToRedisValue();

    public async Task<RedisValue[]> StringGetAsync(IReadOnlyCollection<string> keys) =>
        ToValues(await SendAsync(Prepend("MGET", Values(keys))));

    public async Task<bool> StringSetAsync(string key, RedisValue value, TimeSpan? expiry = null, When when = When.Always)
    {
        var reply = (expiry, when) switch
        {
            (null, When.Always) => await SendAsync(["SET", key, value]),
            (null, _) => await SendAsync(["SET", key, value, Condition(when)]),
            (_, When.Always) => await SendAsync(["SET", key, value, "PX", Milliseconds(expiry.Value)]),
            _ => await SendAsync(["SET", key, value, "PX", Milliseconds(expiry.Value), Condition(when)]),
        };
        return reply.ToBoolean();
    }

    public async Task<long> StringIncrementAsync(string key, long value = 1) =>
        (long)await SendAsync(value == 1 ? ["INCR", key] : ["INCRBY", key, value]);

    public async Task<double> StringIncrementAsync(string key, double value) =>
        (double)await SendAsync(["INCRBYFLOAT", key, value]);

    public async Task<long> StringDecrementAsync(string key, long value = 1) =>
        (long)await SendAsync(value == 1 ? ["DECR", key] : ["DECRBY", key, value]);

    // ---- hashes ----

    public async Task<bool> HashSetAsync(string key, RedisValue field, RedisValue value, When when = When.Always) => when switch
    {
        When.Always => (long)await SendAsync(["HSET", key, field, value]) > 0,
        When.NotExists => (long)await SendAsync(["HSETNX", key, field, value]) > 0,
        _ => throw new ArgumentOutOfRangeException(nameof(when), "A hash field can be set always or only when it does not exist."),
    };

    public async Task HashSetAsync(string key, IReadOnlyCollection<HashEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var arguments = new RedisValue[2 + (2 * entries.Count)];
        arguments[0] = "HSET";
        arguments[1] = key;
        var index = 2;
        foreach (var entry in entries)
        {
            arguments[index++] = entry.Name;
            arguments[index++] = entry.Value;
        }

        await SendAsync(arguments);
    }

    public async Task<RedisValue> HashGetAsync(string key, RedisValue field) =>
        (await SendAsync(["HGET", key, field])).ToRedisValue();

    public async Task<RedisValue[]> HashGetAsync(string key, IReadOnlyCollection<RedisValue> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return ToValues(await SendAsync(["HMGET", key, .. fields]));
    }

    public async Task<HashEntry[]> HashGetAllAsync(string key) =>
        [.. (await SendAsync(["HGETALL", key])).ToPairs().Select(pair => new HashEntry(pair.Key.ToRedisValue(), pair.Value.ToRedisValue()))];

    public async Task<bool> HashDeleteAsync(string key, RedisValue field) => (long)await SendAsync(["HDEL", key, field]) > 0;

    public async Task<long> HashIncrementAsync(string key, RedisValue field, long value = 1) =>
        (long)await SendAsync(["HINCRBY", key, field, value]);

    public async Task<bool> HashExistsAsync(string key, RedisValue field) => (long)await SendAsync(["HEXISTS", key, field]) > 0;

    public async Task<long> HashLengthAsync(string key) => (long)await SendAsync(["HLEN", key]);

    // ---- sets ----

    public async Task<bool> SetAddAsync(string key, RedisValue value) => (long)await SendAsync(["SADD", key, value]) > 0;

    public async Task<long> SetAddAsync(string key, IReadOnlyCollection<RedisValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return (long)await SendAsync(["SADD", key, .. values]);
    }

    public async Task<bool> SetRemoveAsync(string key, RedisValue value) => (long)await SendAsync(["SREM", key, value]) > 0;

    public async Task<bool> SetContainsAsync(string key, RedisValue value) => (await SendAsync(["SISMEMBER", key, value])).ToBoolean();

    public async Task<RedisValue[]> SetMembersAsync(string key) => ToValues(await SendAsync(["SMEMBERS", key]));

    public async Task<long> SetLengthAsync(string key) => (long)await SendAsync(["SCARD", key]);

    // ---- sorted sets ----

    public async Task<bool> SortedSetAddAsync(string key, RedisValue member, double score) =>
        (long)await SendAsync(["ZADD", key, score, member]) > 0;

    public async Task<long> SortedSetAddAsync(string key, IReadOnlyCollection<SortedSetEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var arguments = new RedisValue[2 + (2 * entries.Count)];
        arguments[0] = "ZADD";
        arguments[1] = key;
        var index = 2;
        foreach (var entry in entries)
        {
            arguments[index++] = entry.Score;
            arguments[index++] = entry.Element;
        }

        return (long)await SendAsync(arguments);
    }

    public async Task<double> SortedSetIncrementAsync(string key, RedisValue member, double value) =>
        (double)await SendAsync(["ZINCRBY", key, value, member]);

    public async Task<double?> SortedSetScoreAsync(string key, RedisValue member) =>
        (double?)await SendAsync(["ZSCORE", key, member]);

    public async Task<bool> SortedSetRemoveAsync(string key, RedisValue member) => (long)await SendAsync(["ZREM", key, member]) > 0;

    public async Task<long> SortedSetLengthAsync(string key) => (long)await SendAsync(["ZCARD", key]);

    public async Task<long?> SortedSetRankAsync(string key, RedisValue member, Order order = Order.Ascending) =>
        (long?)await SendAsync([order == Order.Ascending ? "ZRANK" : "ZREVRANK", key, member]);

    public async Task<RedisValue[]> SortedSetRangeByRankAsync(string key, long start = 0, long stop = -1, Order order = Order.Ascending) =>
        ToValues(await SendAsync(order == Order.Ascending ? ["ZRANGE", key, start, stop] : ["ZRANGE", key, start, stop, "REV"]));

    public async Task<SortedSetEntry[]> SortedSetRangeByRankWithScoresAsync(string key, long start = 0, long stop = -1, Order order = Order.Ascending) =>
        ToSortedSetEntries(await SendAsync(order == Order.Ascending
            ? ["ZRANGE", key, start, stop, "WITHSCORES"]
            : ["ZRANGE", key, start, stop, "REV", "WITHSCORES"]));

    public async Task<RedisValue[]> SortedSetRangeByScoreAsync(
        string key, double start = double.NegativeInfinity, double stop = double.PositiveInfinity, Order order = Order.Ascending, long skip = 0, long take = -1)
    {
        var reply = order == Order.Ascending
            ? await SendAsync(["ZRANGE", key, start, stop, "BYSCORE", "LIMIT", skip, take])
            : await SendAsync(["ZRANGE", key, stop, start, "BYSCORE", "REV", "LIMIT", skip, take]);
        return ToValues(reply);
    }

    // ---- scripts ----

    /// <summary>Runs the script by SHA1; on NOSCRIPT sends its body with EVAL (which caches it again).</summary>
    public Task<RedisResult> ScriptEvaluateAsync(RedisScript script, IReadOnlyList<string>? keys = null, IReadOnlyList<RedisValue>? values = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        var arguments = ScriptArguments("EVALSHA", script.Sha1, keys, values);
        var reply = SendAsync(arguments);
        return reply.IsCompletedSuccessfully ? reply : FallBackOnNoScriptAsync(reply, script, arguments);
    }

    /// <summary>Runs a script by body (EVAL).</summary>
    public Task<RedisResult> ScriptEvaluateAsync(string script, IReadOnlyList<string>? keys = null, IReadOnlyList<RedisValue>? values = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        return SendAsync(ScriptArguments("EVAL", script, keys, values));
    }

    // ---- connection ----

    /// <summary>Round-trip time of a PING.</summary>
    public async Task<TimeSpan> PingAsync()
    {
        var clock = Connection.TimeProvider;
        var started = clock.GetTimestamp();
        await SendAsync(["PING"]);
        return clock.GetElapsedTime(started);
    }

    private protected abstract Task<RedisResult> SendAsync(ReadOnlySpan<RedisValue> arguments, TimeSpan? timeout = null);

    private protected static RedisValue[] Prepend(string command, ReadOnlySpan<RedisValue> arguments)
    {
        var all = new RedisValue[arguments.Length + 1];
        all[0] = command;
        arguments.CopyTo(all.AsSpan(1));
        return all;
    }

    private static RedisValue[] Values(IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var values = new RedisValue[keys.Count];
        var index = 0;
        foreach (var key in keys)
        {
            values[index++] = key;
        }

        return values;
    }

    private static RedisValue[] ScriptArguments(string command, string scriptOrSha, IReadOnlyList<string>? keys, IReadOnlyList<RedisValue>? values)
    {
        var keyCount = keys?.Count ?? 0;
        var valueCount = values?.Count ?? 0;
        var arguments = new RedisValue[3 + keyCount + valueCount];
        arguments[0] = command;
        arguments[1] = scriptOrSha;
        arguments[2] = keyCount;
        for (var i = 0; i < keyCount; i++)
        {
            arguments[3 + i] = keys![i];
        }

        for (var i = 0; i < valueCount; i++)
        {
            arguments[3 + keyCount + i] = values![i];
        }

        return arguments;
    }

    private async Task<RedisResult> FallBackOnNoScriptAsync(Task<RedisResult> reply, RedisScript script, RedisValue[] arguments)
    {
        try
        {
            return await reply;
        }
        catch (RedisServerException ex) when (ex.Prefix == "NOSCRIPT")
        {
            var eval = (RedisValue[])arguments.Clone();
            eval[0] = "EVAL";
            eval[1] = script.Body;

            // Straight to the connection: a batch has already been executed by the time this runs.
            return await Connection.ExecuteCommandAsync(eval, null);
        }
    }

    private static RedisValue Condition(When when) => when switch
    {
        When.NotExists => "NX",
        When.Exists => "XX",
        _ => throw new ArgumentOutOfRangeException(nameof(when)),
    };

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private protected static RedisValue[] ToValues(RedisResult reply)
    {
        var items = reply.Items;
        var values = new RedisValue[items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = items[i].ToRedisValue();
        }

        return values;
    }

    private static SortedSetEntry[] ToSortedSetEntries(RedisResult reply)
    {
        var items = reply.Items;

        // RESP3 nests [member, score] pairs; RESP2 interleaves member, score, member, score.
        if (items.Count > 0 && items[0].IsAggregate)
        {
            return [.. items.Select(pair => new SortedSetEntry(pair[0].ToRedisValue(), pair[1].ToDouble()))];
        }

        return [.. reply.ToPairs().Select(pair => new SortedSetEntry(pair.Key.ToRedisValue(), pair.Value.ToDouble()))];
    }

    private protected static string Text(RedisResult reply) =>
        reply.ToStringOrNull() ?? throw new InvalidCastException("Expected text, got a null reply.");
}
