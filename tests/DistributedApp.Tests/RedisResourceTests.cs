namespace DistributedApp.Tests;

public sealed class RedisResourceTests : IDisposable
{
    private readonly string _stateDirectory = TestSupport.NewTempDirectory();

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [Fact]
    public async Task Redis_runs_with_the_append_only_file_and_keeps_acknowledged_writes_across_a_restart()
    {
        await using (var first = Declare().Build())
        {
            await TestSupport.StartHealthyAsync(first);
            var redis = first.GetConnectionString("redis");
            Assert.StartsWith("127.0.0.1:", redis);
            Assert.Contains("yes", await TestSupport.RedisAsync(redis, "CONFIG", "GET", "appendonly"));
            Assert.Contains("everysec", await TestSupport.RedisAsync(redis, "CONFIG", "GET", "appendfsync"));
            Assert.Equal("+OK\r\n", await TestSupport.RedisAsync(redis, "SET", "voucher:1", "issued"));
        }

        Assert.True(Directory.Exists(Path.Combine(_stateDirectory, "redis", "appendonlydir")));

        await using var second = Declare().Build();
        await TestSupport.StartHealthyAsync(second);
        Assert.Equal("$6\r\nissued\r\n", await TestSupport.RedisAsync(second.GetConnectionString("redis"), "GET", "voucher:1"));
    }

    [Fact]
    public async Task A_missing_redis_server_that_may_not_be_installed_fails_with_the_package_name()
    {
        var options = TestSupport.Options(_stateDirectory);
        options.Binaries = new ServerBinaries { FindProgram = _ => null, CanInstall = () => false };
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddRedis("redis");
        await using var app = builder.Build();
        await app.StartAsync();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.WaitForHealthyAsync());
        Assert.Contains("FailedToStart", error.Message);
        var snapshot = app.Notifications.GetSnapshot("redis");
        Assert.Equal(ResourceState.FailedToStart, snapshot.State);
        Assert.Contains("apt-get install -y redis-server", snapshot.Message);
    }

    private IDistributedApplicationBuilder Declare()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        builder.AddRedis("redis");
        return builder;
    }
}
