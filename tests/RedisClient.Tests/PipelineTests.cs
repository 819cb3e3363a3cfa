namespace RedisClient.Tests;

[Collection("redis")]
public sealed class PipelineTests(RedisFixture fixture)
{
    [Fact]
    public async Task An_error_reply_fails_only_its_own_command_among_pipelined_ones()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        await db.StringSetAsync("text", "abc");

        var before = db.ExecuteAsync("ECHO", "before");
        var notANumber = db.StringIncrementAsync("text");
        var wrongType = db.ExecuteAsync("LPUSH", "text", "x");
        var unknown = db.ExecuteAsync("NOSUCHCOMMAND", "x");
        var after = db.StringGetAsync("text");

        Assert.Equal("before", (string?)await before);
        Assert.Equal("ERR", (await Assert.ThrowsAsync<RedisServerException>(() => notANumber)).Prefix);
        Assert.Equal("WRONGTYPE", (await Assert.ThrowsAsync<RedisServerException>(() => wrongType)).Prefix);
        Assert.Contains("unknown command", (await Assert.ThrowsAsync<RedisServerException>(() => unknown)).Message);
        Assert.Equal("abc", (string?)await after);
        Assert.True(connection.IsConnected);
    }

    [Fact]
    public async Task Ten_thousand_concurrent_callers_on_one_connection_each_get_their_own_answer()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        const int callers = 10_000;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var counter = await db.StringIncrementAsync($"counter:{caller}", caller + 1);
            var echo = (string?)await db.ExecuteAsync("ECHO", $"caller-{caller}");
            await db.StringSetAsync($"value:{caller}", caller * 3);
            var value = (long)await db.StringGetAsync($"value:{caller}");
            return counter == caller + 1 && echo == $"caller-{caller}" && value == caller * 3;
        })));

        Assert.Equal(callers, outcomes.Count(ok => ok));
        Assert.Equal(0, connection.PendingCommands);
    }

    [Fact]
    public async Task A_batch_leaves_in_one_socket_write_and_every_command_gets_its_reply()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        await db.PingAsync();
        var flushesBefore = connection.FlushCount;

        var batch = db.CreateBatch();
        var increments = Enumerable.Range(1, 500).Select(i => batch.StringIncrementAsync("batch:counter", i)).ToArray();
        var failing = batch.ExecuteAsync("HSET", "batch:counter", "f", "v");
        var echo = batch.ExecuteAsync("ECHO", "last");
        Assert.Equal(502, batch.Count);
        batch.Execute();

        var totals = await Task.WhenAll(increments);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i * (i + 1) / 2), totals);
        Assert.Equal("WRONGTYPE", (await Assert.ThrowsAsync<RedisServerException>(() => failing)).Prefix);
        Assert.Equal("last", (string?)await echo);
        Assert.Equal(flushesBefore + 1, connection.FlushCount);
        Assert.Throws<InvalidOperationException>(() => batch.Execute());
    }

    [Fact]
    public async Task A_timed_out_command_keeps_its_slot_so_the_next_command_gets_its_own_reply()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();

        // BLPOP holds the server's reply for one second; the caller gives up after 200 ms.
        var blocked = db.ExecuteAsync(TimeSpan.FromMilliseconds(200), "BLPOP", "nothing-here", 1);
        var next = db.ExecuteAsync("ECHO", "mine");

        var timeout = await Assert.ThrowsAsync<RedisTimeoutException>(() => blocked);
        Assert.Contains("BLPOP", timeout.Message);
        Assert.Equal("mine", (string?)await next);
        Assert.Equal("again", (string?)await db.ExecuteAsync("ECHO", "again"));
        Assert.True(connection.IsConnected);
    }

    [Fact]
    public async Task The_configured_sync_timeout_applies_when_a_call_names_none()
    {
        await using var connection = await fixture.ConnectCleanAsync("syncTimeout=150");
        var db = connection.GetDatabase();

        var blocked = db.ExecuteAsync("BLPOP", "nothing-here", 1);
        var typed = db.StringGetAsync("queued-behind");

        await Assert.ThrowsAsync<RedisTimeoutException>(() => blocked);
        await Assert.ThrowsAsync<RedisTimeoutException>(() => typed);
        Assert.Equal("x", (string?)await db.ExecuteAsync(TimeSpan.FromSeconds(10), "ECHO", "x"));
    }
}
