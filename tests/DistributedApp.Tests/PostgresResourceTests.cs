using Npgsql;

namespace DistributedApp.Tests;

/// <summary>A PostgreSQL server of its own (not the shared test server): initdb, databases, persistence, reset.</summary>
public sealed class PostgresResourceTests : IDisposable
{
    private readonly string _stateDirectory = TestSupport.NewTempDirectory();

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [Fact]
    public async Task Data_persists_across_runs_on_the_same_state_directory_and_reset_wipes_it()
    {
        await using (var first = Declare(out _).Build())
        {
            await TestSupport.StartHealthyAsync(first);
            var connectionString = first.GetConnectionString("claimdb");
            Assert.Contains("Database=claimdb", connectionString);
            await TestSupport.ScalarAsync(connectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
        }

        await using (var second = Declare(out _).Build())
        {
            await TestSupport.StartHealthyAsync(second);
            Assert.Equal(42, await TestSupport.ScalarAsync(second.GetConnectionString("claimdb"), "SELECT id FROM kept"));
        }

        await using (var reset = Declare(out _, "--reset").Build())
        {
            await TestSupport.StartHealthyAsync(reset);
            var exists = await TestSupport.ScalarAsync(reset.GetConnectionString("claimdb"), "SELECT to_regclass('public.kept') IS NOT NULL");
            Assert.Equal(false, exists);
        }
    }

    [Fact]
    public async Task Every_declared_database_is_created_and_the_server_runs_as_the_postgres_account_when_root()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        var postgres = builder.AddPostgres("postgres");
        postgres.AddDatabase("campaigndb");
        postgres.AddDatabase("settlementdb", databaseName: "settlement_data");
        await using var app = builder.Build();
        await TestSupport.StartHealthyAsync(app);

        Assert.Equal("campaigndb", await TestSupport.ScalarAsync(app.GetConnectionString("campaigndb"), "SELECT current_database()"));
        Assert.Equal("settlement_data", await TestSupport.ScalarAsync(app.GetConnectionString("settlementdb"), "SELECT current_database()"));

        var pid = app.Notifications.GetSnapshot("postgres").Pid!.Value;
        var owner = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1];
        if (Environment.UserName == "root")
        {
            Assert.NotEqual("0", owner);
        }

        // Password authentication is enforced over TCP: a wrong password is refused.
        var wrong = new NpgsqlConnectionStringBuilder(app.GetConnectionString("campaigndb")) { Password = "wrong" }.ConnectionString;
        await Assert.ThrowsAsync<PostgresException>(() => TestSupport.ScalarAsync(wrong, "SELECT 1"));
    }

    [Fact]
    public async Task A_database_waits_while_its_server_restarts_and_is_healthy_again_afterwards()
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory));
        builder.AddPostgres("postgres").WithRestart(maxRestarts: 2, delay: TimeSpan.FromMilliseconds(200)).AddDatabase("claimdb");
        await using var app = builder.Build();
        var databaseStates = new System.Collections.Concurrent.ConcurrentQueue<ResourceState>();
        app.Notifications.SnapshotChanged += s =>
        {
            if (s.Name == "claimdb")
            {
                databaseStates.Enqueue(s.State);
            }
        };
        await TestSupport.StartHealthyAsync(app);
        var serverPid = app.Notifications.GetSnapshot("postgres").Pid!.Value;

        Assert.True(DistributedApp.Processes.Signals.Send(serverPid, DistributedApp.Processes.Signals.SigKill));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await app.Notifications.WaitForResourceStateAsync("postgres", ResourceState.Restarting, timeout.Token);
        await app.Notifications.WaitForResourceStateAsync("postgres", ResourceState.Healthy, timeout.Token);
        await app.Notifications.WaitForResourceStateAsync("claimdb", ResourceState.Healthy, timeout.Token);

        // Waiters are released before SnapshotChanged handlers run, so the last state may reach the
        // queue a moment after the wait above returns.
        List<ResourceState> collapsed = [];
        for (var attempt = 0; attempt < 100 && collapsed.Count < 3; attempt++)
        {
            var sequence = databaseStates.SkipWhile(s => s != ResourceState.Healthy).ToList();
            collapsed = sequence.Where((state, i) => i == 0 || sequence[i - 1] != state).Take(3).ToList();
            if (collapsed.Count < 3)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal([ResourceState.Healthy, ResourceState.Waiting, ResourceState.Healthy], collapsed);
        Assert.Equal(1L, await TestSupport.ScalarAsync(app.GetConnectionString("claimdb"), "SELECT 1::bigint"));
    }

    [Fact]
    public async Task A_second_app_host_cannot_use_a_state_directory_that_is_in_use()
    {
        await using var first = Declare(out _).Build();
        var error = Assert.Throws<DistributedApplicationException>(() => Declare(out _).Build());
        Assert.Contains("Another app host", error.Message);
    }

    private IDistributedApplicationBuilder Declare(out IResourceBuilder<PostgresDatabaseResource> database, params string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(TestSupport.Options(_stateDirectory, args));
        database = builder.AddPostgres("postgres").AddDatabase("claimdb");
        return builder;
    }
}
