namespace RedisClient;

public abstract partial class RedisCommands
{
    public Task<string> StreamAddAsync(string key, RedisValue field, RedisValue value, string messageId = "*", long? maxLength = null, bool useApproximateMaxLength = false) =>
        StreamAddAsync(key, [new NameValueEntry(field, value)], messageId, maxLength, useApproximateMaxLength);

    /// <summary>XADD; returns the id of the new entry.</summary>
    public async Task<string> StreamAddAsync(string key, IReadOnlyCollection<NameValueEntry> fields, string messageId = "*", long? maxLength = null, bool useApproximateMaxLength = false)
    {
        ArgumentNullException.ThrowIfNull(fields);
        List<RedisValue> arguments = ["XADD", key];
        if (maxLength is not null)
        {
            arguments.AddRange(useApproximateMaxLength ? ["MAXLEN", "~", maxLength.Value] : ["MAXLEN", maxLength.Value]);
        }

        arguments.Add(messageId);
        foreach (var field in fields)
        {
            arguments.Add(field.Name);
            arguments.Add(field.Value);
        }

        return Text(await SendAsync([.. arguments]));
    }

    /// <summary>
    /// XREADGROUP without BLOCK: a blocking read would stall every caller sharing the connection,
    /// so poll instead. <paramref name="position"/> ">" reads new entries, "0" re-reads this consumer's pending ones.
    /// </summary>
    public async Task<StreamEntry[]> StreamReadGroupAsync(string key, string group, string consumer, string position = ">", int? count = null, bool noAck = false)
    {
        List<RedisValue> arguments = ["XREADGROUP", "GROUP", group, consumer];
        if (count is not null)
        {
            arguments.AddRange(["COUNT", count.Value]);
        }

        if (noAck)
        {
            arguments.Add("NOACK");
        }

        arguments.AddRange(["STREAMS", key, position]);
        var reply = await SendAsync([.. arguments]);
        if (reply.IsNull || reply.Length == 0)
        {
            return [];
        }

        // RESP3 answers a map of stream name to entries; RESP2 a list of [name, entries] pairs.
        var entries = reply.Type == ResultType.Map ? reply[1] : reply[0][1];
        return ToStreamEntries(entries);
    }

    public Task<long> StreamAcknowledgeAsync(string key, string group, string messageId) =>
        StreamAcknowledgeAsync(key, group, [messageId]);

    public async Task<long> StreamAcknowledgeAsync(string key, string group, IReadOnlyCollection<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        return (long)await SendAsync(["XACK", key, group, .. Values(messageIds)]);
    }

    /// <summary>XAUTOCLAIM: takes over entries idle for at least <paramref name="minIdle"/>.</summary>
    public async Task<StreamAutoClaimResult> StreamAutoClaimAsync(string key, string group, string consumer, TimeSpan minIdle, string startId = "0-0", int count = 100)
    {
        var reply = await SendAsync(["XAUTOCLAIM", key, group, consumer, Milliseconds(minIdle), startId, "COUNT", count]);
        var deleted = reply.Length > 2 ? reply[2].Items.Select(Text).ToArray() : [];
        return new StreamAutoClaimResult(Text(reply[0]), ToStreamEntries(reply[1]), deleted);
    }

    /// <summary>XPENDING summary form.</summary>
    public async Task<StreamPendingInfo> StreamPendingAsync(string key, string group)
    {
        var reply = await SendAsync(["XPENDING", key, group]);
        var consumers = reply[3].IsNull
            ? []
            : reply[3].Items.Select(consumer => new StreamConsumer(Text(consumer[0]), consumer[1].ToInt64())).ToArray();
        return new StreamPendingInfo(reply[0].ToInt64(), reply[1].ToStringOrNull(), reply[2].ToStringOrNull(), consumers);
    }

    /// <summary>XPENDING extended form: the pending entries themselves.</summary>
    public async Task<StreamPendingMessageInfo[]> StreamPendingMessagesAsync(
        string key, string group, int count, string? consumer = null, string minId = "-", string maxId = "+", TimeSpan? minIdle = null)
    {
        List<RedisValue> arguments = ["XPENDING", key, group];
        if (minIdle is not null)
        {
            arguments.AddRange(["IDLE", Milliseconds(minIdle.Value)]);
        }

        arguments.AddRange([minId, maxId, count]);
        if (consumer is not null)
        {
            arguments.Add(consumer);
        }

        var reply = await SendAsync([.. arguments]);
        return
        [
            .. reply.Items.Select(item => new StreamPendingMessageInfo(
                Text(item[0]), Text(item[1]), TimeSpan.FromMilliseconds(item[2].ToInt64()), item[3].ToInt64())),
        ];
    }

    /// <summary>XGROUP CREATE, with MKSTREAM unless <paramref name="createStream"/> is false. Fails with BUSYGROUP if the group exists.</summary>
    public async Task<bool> StreamCreateConsumerGroupAsync(string key, string group, string position = "$", bool createStream = true)
    {
        var reply = createStream
            ? await SendAsync(["XGROUP", "CREATE", key, group, position, "MKSTREAM"])
            : await SendAsync(["XGROUP", "CREATE", key, group, position]);
        return reply.ToBoolean();
    }

    /// <summary>XTRIM MAXLEN; returns how many entries were removed.</summary>
    public async Task<long> StreamTrimAsync(string key, long maxLength, bool useApproximateMaxLength = false) =>
        (long)await SendAsync(useApproximateMaxLength ? ["XTRIM", key, "MAXLEN", "~", maxLength] : ["XTRIM", key, "MAXLEN", maxLength]);

    /// <summary>XTRIM MINID: removes entries older than <paramref name="minId"/>.</summary>
    public async Task<long> StreamTrimByMinIdAsync(string key, string minId, bool useApproximate = false) =>
        (long)await SendAsync(useApproximate ? ["XTRIM", key, "MINID", "~", minId] : ["XTRIM", key, "MINID", minId]);

    public async Task<long> StreamLengthAsync(string key) => (long)await SendAsync(["XLEN", key]);

    public async Task<StreamEntry[]> StreamRangeAsync(string key, string minId = "-", string maxId = "+", int? count = null) =>
        ToStreamEntries(await SendAsync(count is null ? ["XRANGE", key, minId, maxId] : ["XRANGE", key, minId, maxId, "COUNT", count.Value]));

    private static StreamEntry[] ToStreamEntries(RedisResult entries)
    {
        if (entries.IsNull)
        {
            return [];
        }

        var result = new StreamEntry[entries.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var entry = entries[i];
            var fields = entry[1];
            var values = new NameValueEntry[fields.IsNull ? 0 : fields.Length / 2];
            for (var f = 0; f < values.Length; f++)
            {
                values[f] = new NameValueEntry(fields[2 * f].ToRedisValue(), fields[(2 * f) + 1].ToRedisValue());
            }

            result[i] = new StreamEntry(Text(entry[0]), values);
        }

        return result;
    }
}
