namespace RedisClient.Tests;

[Collection("redis")]
public sealed class ScriptTests(RedisFixture fixture)
{
    private static readonly RedisScript Greeting = new("return ARGV[1] .. ':' .. KEYS[1]");

    [Fact]
    public async Task Script_sha1_is_computed_locally_exactly_as_the_server_computes_it()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        Assert.Equal(Greeting.Sha1, await connection.GetServer().ScriptLoadAsync(Greeting.Body));
    }

    [Fact]
    public async Task Evaluating_after_script_flush_recovers_from_noscript_and_caches_the_script_again()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        var server = connection.GetServer();

        Assert.False(await server.ScriptExistsAsync(Greeting));
        Assert.Equal("hi:k1", (string?)await db.ScriptEvaluateAsync(Greeting, ["k1"], ["hi"]));
        Assert.True(await server.ScriptExistsAsync(Greeting));

        await server.ScriptFlushAsync();
        Assert.False(await server.ScriptExistsAsync(Greeting));
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => db.ScriptEvaluateAsync(Greeting, [$"k{i}"], ["again"])));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"again:k{i}"), concurrent.Select(r => (string?)r));
        Assert.True(await server.ScriptExistsAsync(Greeting));
    }

    [Fact]
    public async Task Noscript_recovery_also_works_for_a_script_sent_in_a_batch()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var batch = connection.GetDatabase().CreateBatch();
        var reply = batch.ScriptEvaluateAsync(Greeting, ["b"], ["batched"]);
        batch.Execute();
        Assert.Equal("batched:b", (string?)await reply);
    }

    [Fact]
    public async Task A_preloaded_script_is_present_before_first_use()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var script = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        await connection.PreloadScriptAsync(script);
        Assert.True(await connection.GetServer().ScriptExistsAsync(script));
        Assert.Equal(7L, (long)await connection.GetDatabase().ScriptEvaluateAsync(script, ["n"], [7]));
    }

    [Fact]
    public async Task Claim_shaped_script_takes_stock_once_per_person_and_refuses_when_stock_is_gone()
    {
        await using var connection = await fixture.ConnectCleanAsync();
        var db = connection.GetDatabase();
        var claim = new RedisScript("""
            if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
            if redis.call('DECR', KEYS[2]) < 0 then
              redis.call('INCR', KEYS[2])
              redis.call('SREM', KEYS[1], ARGV[1])
              return 0
            end
            return 1
            """);
        await db.StringSetAsync("stock", 2);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(p => db.ScriptEvaluateAsync(claim, [$"person:{p}", "stock"], ["round-1"])));
        Assert.Equal(2, outcomes.Count(r => (long)r == 1));
        Assert.Equal(3, outcomes.Count(r => (long)r == 0));
        Assert.Equal(0L, (long)await db.StringGetAsync("stock"));
        var winner = Enumerable.Range(0, 5).First(p => (long)outcomes[p] == 1);
        Assert.Equal(-1L, (long)await db.ScriptEvaluateAsync(claim, [$"person:{winner}", "stock"], ["round-1"]));
    }
}
