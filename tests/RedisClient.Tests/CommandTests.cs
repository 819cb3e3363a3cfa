namespace RedisClient.Tests;

[Collection("redis")]
public sealed class CommandTests(RedisFixture fixture)
{
    [Fact]
    public async Task Strings_and_counters_support_conditions_and_expiry()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();

        Assert.True(await db.StringSetAsync("s", "one", when: When.NotExists));
        Assert.False(await db.StringSetAsync("s", "two", when: When.NotExists));
        Assert.False(await db.StringSetAsync("absent", "x", when: When.Exists));
        Assert.Equal("one", (string?)await db.StringGetAsync("s"));

        Assert.Equal(1, await db.StringIncrementAsync("n"));
        Assert.Equal(11, await db.StringIncrementAsync("n", 10));
        Assert.Equal(10, await db.StringDecrementAsync("n"));
        Assert.Equal(4, await db.StringDecrementAsync("n", 6));
        Assert.Equal(4.5, await db.StringIncrementAsync("n", 0.5));

        Assert.True(await db.StringSetAsync("ttl", "v", TimeSpan.FromMinutes(5)));
        var ttl = await db.KeyTimeToLiveAsync("ttl");
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.Null(await db.KeyTimeToLiveAsync("s"));
        Assert.Null(await db.KeyTimeToLiveAsync("absent"));
    }

    [Fact]
    public async Task Key_expiry_can_be_set_moved_to_an_instant_and_removed()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        await db.StringSetAsync("k", "v");

        Assert.True(await db.KeyExpireAsync("k", TimeSpan.FromSeconds(100)));
        Assert.NotNull(await db.KeyTimeToLiveAsync("k"));
        Assert.True(await db.KeyExpireAsync("k", DateTimeOffset.UtcNow.AddHours(1)));
        Assert.InRange((await db.KeyTimeToLiveAsync("k"))!.Value, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        Assert.True(await db.KeyExpireAsync("k", null));
        Assert.Null(await db.KeyTimeToLiveAsync("k"));
        Assert.False(await db.KeyExpireAsync("absent", TimeSpan.FromSeconds(1)));

        Assert.True(await db.KeyExpireAsync("k", TimeSpan.FromMilliseconds(1)));
        await Task.Delay(50);
        Assert.False(await db.KeyExistsAsync("k"));
        Assert.False(await db.KeyDeleteAsync("k"));
    }

    [Fact]
    public async Task Hashes_sets_and_sorted_sets_behave_like_their_redis_commands()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();

        Assert.True(await db.HashSetAsync("h", "f", "v"));
        Assert.False(await db.HashSetAsync("h", "f", "w", When.NotExists));
        Assert.Equal(5, await db.HashIncrementAsync("h", "count", 5));
        Assert.True(await db.HashExistsAsync("h", "count"));
        Assert.Equal(2, await db.HashLengthAsync("h"));
        Assert.Equal(["v", RedisValue.Null], await db.HashGetAsync("h", ["f", "nope"]));
        Assert.True(await db.HashDeleteAsync("h", "f"));
        Assert.Equal([new HashEntry("count", "5")], await db.HashGetAllAsync("h"));

        Assert.True(await db.SetAddAsync("set", "a"));
        Assert.False(await db.SetAddAsync("set", "a"));
        Assert.Equal(2, await db.SetAddAsync("set", ["b", "c", "a"]));
        Assert.True(await db.SetContainsAsync("set", "b"));
        Assert.True(await db.SetRemoveAsync("set", "b"));
        Assert.Equal(2, await db.SetLengthAsync("set"));
        Assert.Equal(["a", "c"], (await db.SetMembersAsync("set")).Select(v => v.ToString()).Order());

        Assert.True(await db.SortedSetAddAsync("z", "low", 1));
        Assert.Equal(2, await db.SortedSetAddAsync("z", [new SortedSetEntry("mid", 5), new SortedSetEntry("high", 9)]));
        Assert.Equal(6, await db.SortedSetIncrementAsync("z", "mid", 1));
        Assert.Equal(9, await db.SortedSetScoreAsync("z", "high"));
        Assert.Null(await db.SortedSetScoreAsync("z", "none"));
        Assert.Equal(0, await db.SortedSetRankAsync("z", "high", Order.Descending));
        Assert.Null(await db.SortedSetRankAsync("z", "none"));
        Assert.Equal(["low", "mid", "high"], (await db.SortedSetRangeByRankAsync("z")).Select(v => v.ToString()));
        Assert.Equal(["high", "mid"], (await db.SortedSetRangeByRankAsync("z", 0, 1, Order.Descending)).Select(v => v.ToString()));
        Assert.Equal([new SortedSetEntry("low", 1), new SortedSetEntry("mid", 6)], await db.SortedSetRangeByRankWithScoresAsync("z", 0, 1));
        Assert.Equal(["mid", "high"], (await db.SortedSetRangeByScoreAsync("z", 2, 10)).Select(v => v.ToString()));
        Assert.Equal(["high"], (await db.SortedSetRangeByScoreAsync("z", order: Order.Descending, take: 1)).Select(v => v.ToString()));
        Assert.True(await db.SortedSetRemoveAsync("z", "low"));
        Assert.Equal(2, await db.SortedSetLengthAsync("z"));
    }

    [Theory]
    [InlineData("protocol=resp2")]
    [InlineData("protocol=resp3")]
    public async Task Stream_consumer_group_lifecycle_adds_reads_claims_acknowledges_and_trims(string protocol)
    {
        await using var connection = await fixture.ConnectCleanAsync(protocol);
        var db = connection.GetDatabase();

        Assert.True(await db.StreamCreateConsumerGroupAsync("issued", "persisters", "0"));
        await Assert.ThrowsAsync<RedisServerException>(() => db.StreamCreateConsumerGroupAsync("issued", "persisters", "0"));

        var first = await db.StreamAddAsync("issued", "voucher", "v-1");
        var second = await db.StreamAddAsync("issued", [new NameValueEntry("voucher", "v-2"), new NameValueEntry("cents", 5000)]);
        Assert.Equal(2, await db.StreamLengthAsync("issued"));

        var read = await db.StreamReadGroupAsync("issued", "persisters", "worker-a", count: 10);
        Assert.Equal([first, second], read.Select(e => e.Id));
        Assert.Equal("v-2", (string?)read[1]["voucher"]);
        Assert.Equal(5000L, (long)read[1]["cents"]);
        Assert.Empty(await db.StreamReadGroupAsync("issued", "persisters", "worker-a"));

        var pending = await db.StreamPendingAsync("issued", "persisters");
        Assert.Equal(2, pending.PendingMessageCount);
        Assert.Equal(first, pending.LowestPendingMessageId);
        Assert.Equal(second, pending.HighestPendingMessageId);
        Assert.Equal([new StreamConsumer("worker-a", 2)], pending.Consumers);

        var claimed = await db.StreamAutoClaimAsync("issued", "persisters", "worker-b", TimeSpan.Zero, count: 1);
        Assert.Equal([first], claimed.ClaimedEntries.Select(e => e.Id));
        var details = await db.StreamPendingMessagesAsync("issued", "persisters", 10);
        Assert.Equal(["worker-b", "worker-a"], details.Select(d => d.ConsumerName));
        Assert.Equal(2, details[0].DeliveryCount);

        Assert.Equal(2, await db.StreamAcknowledgeAsync("issued", "persisters", [first, second]));
        Assert.Equal(0, (await db.StreamPendingAsync("issued", "persisters")).PendingMessageCount);
        Assert.Empty((await db.StreamPendingAsync("issued", "persisters")).Consumers);

        await db.StreamAddAsync("issued", "voucher", "v-3", maxLength: 100);
        Assert.Equal(2, await db.StreamTrimAsync("issued", 1));
        Assert.Equal(["v-3"], (await db.StreamRangeAsync("issued")).Select(e => (string?)e["voucher"]));
        Assert.Equal(0, await db.StreamTrimByMinIdAsync("issued", "0-1"));
    }
}
