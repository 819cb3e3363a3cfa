using DistributedApp.Testing;

namespace DistributedApp.Tests;

/// <summary>DistributedApp.Testing: throw-away state, free ports, one shared PostgreSQL with fresh databases.</summary>
public sealed class TestingHarnessTests
{
    [Fact]
    public async Task Applications_built_by_the_harness_share_one_postgres_but_get_their_own_databases_dropped_afterwards()
    {
        await using var first = await BuildAsync();
        await using var second = await BuildAsync();
        await first.StartAndWaitForHealthyAsync();
        await second.StartAndWaitForHealthyAsync();

        var firstConnection = new Npgsql.NpgsqlConnectionStringBuilder(first.GetConnectionString("claimdb"));
        var secondConnection = new Npgsql.NpgsqlConnectionStringBuilder(second.GetConnectionString("claimdb"));
        Assert.Equal(firstConnection.Port, secondConnection.Port);
        Assert.NotEqual(firstConnection.Database, secondConnection.Database);
        await TestSupport.ScalarAsync(firstConnection.ConnectionString, "CREATE TABLE only_here (id int)");
        Assert.Equal(false, await TestSupport.ScalarAsync(secondConnection.ConnectionString, "SELECT to_regclass('public.only_here') IS NOT NULL"));
        Assert.Null(first.Notifications.GetSnapshot("postgres").Pid);

        var stateDirectory = first.StateDirectoryPath;
        await first.DisposeAsync();
        Assert.False(Directory.Exists(stateDirectory));
        await using var database = await SharedPostgres.CreateDatabaseAsync("probe");
        var exists = await TestSupport.ScalarAsync(database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{firstConnection.Database}'");
        Assert.Equal(0L, exists);
    }

    [Fact]
    public async Task A_database_from_the_shared_server_is_empty_and_dropped_on_dispose()
    {
        string name;
        string connectionString;
        await using (var database = await SharedPostgres.CreateDatabaseAsync("orders"))
        {
            name = database.Name;
            connectionString = database.ConnectionString;
            Assert.StartsWith("orders_", name);
            Assert.Equal(0L, await TestSupport.ScalarAsync(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
        }

        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => TestSupport.ScalarAsync(connectionString, "SELECT 1"));
    }

    [Fact]
    public void Narrowing_to_some_resources_keeps_what_they_depend_on_and_drops_the_rest()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var postgres = builder.AddPostgres("postgres");
        var claimdb = postgres.AddDatabase("claimdb");
        postgres.AddDatabase("settlementdb");
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("claim", "/bin/sh", ".", "-c", "exec sleep 600").WithReference(claimdb).WaitFor(redis);
        builder.AddExecutable("settlement", "/bin/sh", ".", "-c", "exec sleep 600");

        builder.WithResources("claim");

        Assert.Equal(["claim", "claimdb", "postgres", "redis"], builder.Resources.Select(r => r.Name).Order());
    }

    [Fact]
    public async Task Fixed_ports_become_free_ports_and_state_lives_in_a_temporary_directory()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddExecutable("gateway", "/bin/sh", ".", "-c", "exec sleep 600").WithHttpEndpoint(port: 8080);
        await using var app = await builder.BuildAsync();

        Assert.NotEqual(8080, app.GetEndpoint("gateway").Port);
        Assert.StartsWith(Path.GetTempPath(), app.StateDirectoryPath + Path.DirectorySeparatorChar);
        Assert.Contains("distributedapp-test-", app.StateDirectoryPath);
    }

    private static Task<DistributedApplication> BuildAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var claimdb = builder.AddPostgres("postgres").AddDatabase("claimdb");
        builder.AddExecutable("claim", "/bin/sh", ".", "-c", "exec sleep 600").WithReference(claimdb).WaitFor(claimdb);
        return builder.BuildAsync();
    }
}
