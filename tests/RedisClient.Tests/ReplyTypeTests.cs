namespace RedisClient.Tests;

[Collection("redis")]
public sealed class ReplyTypeTests(RedisFixture fixture)
{
    public static TheoryData<string> Protocols => new() { "protocol=resp2", "protocol=resp3" };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Connection_negotiates_the_requested_protocol(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        Assert.Equal(protocol.EndsWith('3') ? 3 : 2, connection.ProtocolVersion);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Missing_values_are_null_and_empty_values_are_empty(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var db = connection.GetDatabase();

        Assert.True((await db.StringGetAsync("missing")).IsNull);
        Assert.True((await db.HashGetAsync("missing", "field")).IsNull);
        Assert.True((await db.ExecuteAsync("GET", "missing")).IsNull);

        await db.StringSetAsync("empty", "");
        var empty = await db.StringGetAsync("empty");
        Assert.False(empty.IsNull);
        Assert.Equal("", (string?)empty);

        var members = await db.ExecuteAsync("SMEMBERS", "missing");
        Assert.False(members.IsNull);
        Assert.Equal(0, members.Length);
        Assert.Empty(await db.SetMembersAsync("missing"));

        var mixed = await db.StringGetAsync(["empty", "missing"]);
        Assert.Equal(2, mixed.Length);
        Assert.False(mixed[0].IsNull);
        Assert.True(mixed[1].IsNull);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Nested_empty_and_null_elements_come_back_in_shape(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var db = connection.GetDatabase();

        var nested = await db.ScriptEvaluateAsync("return {1, {2, {3, 'x'}}, 'y', {}}");
        Assert.Equal(ResultType.Array, nested.Type);
        Assert.Equal(4, nested.Length);
        Assert.Equal(1L, (long)nested[0]);
        Assert.Equal(2L, (long)nested[1][0]);
        Assert.Equal(3L, (long)nested[1][1][0]);
        Assert.Equal("x", (string?)nested[1][1][1]);
        Assert.Equal("y", (string?)nested[2]);
        Assert.Equal(0, nested[3].Length);

        Assert.True((await db.ScriptEvaluateAsync("return nil")).IsNull);
        Assert.Equal(0, (await db.ScriptEvaluateAsync("return {}")).Length);
        Assert.Equal("fine", (string?)await db.ScriptEvaluateAsync("return redis.status_reply('fine')"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Bulk_strings_larger_than_one_mebibyte_round_trip_byte_for_byte(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var db = connection.GetDatabase();
        var payload = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(payload);

        var small = db.StringSetAsync("before", "a");
        var set = db.StringSetAsync("big", payload);
        var echo = db.ExecuteAsync("ECHO", payload);
        var get = db.StringGetAsync("big");
        var after = db.StringGetAsync("before");

        Assert.True(await small);
        Assert.True(await set);
        Assert.Equal(payload, (byte[]?)await echo);
        Assert.Equal(payload, (byte[]?)await get);
        Assert.Equal("a", (string?)await after);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Integers_doubles_statuses_and_maps_read_the_same_under_both_protocols(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var db = connection.GetDatabase();

        var status = await db.ExecuteAsync("SET", "k", "v");
        Assert.Equal(ResultType.SimpleString, status.Type);
        Assert.Equal("OK", (string?)status);
        Assert.Equal(ResultType.Integer, (await db.ExecuteAsync("EXISTS", "k")).Type);

        await db.SortedSetAddAsync("z", "m", 2.5);
        var score = await db.ExecuteAsync("ZSCORE", "z", "m");
        Assert.Equal(protocol.EndsWith('3') ? ResultType.Double : ResultType.BulkString, score.Type);
        Assert.Equal(2.5, (double)score);

        await db.HashSetAsync("h", [new HashEntry("a", 1), new HashEntry("b", "two")]);
        var all = await db.ExecuteAsync("HGETALL", "h");
        Assert.Equal(protocol.EndsWith('3') ? ResultType.Map : ResultType.Array, all.Type);
        var pairs = all.ToPairs().ToDictionary(p => (string)p.Key!, p => (string)p.Value!);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "two" }, pairs);

        var info = await connection.GetServer().InfoAsync("server");
        Assert.StartsWith("7.", info["redis_version"]);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Error_reply_carries_the_server_prefix_and_message(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => connection.GetDatabase().ScriptEvaluateAsync("return redis.error_reply('MYERR went wrong')"));
        Assert.Equal("MYERR", error.Prefix);
        Assert.Contains("went wrong", error.Message);
    }
}
