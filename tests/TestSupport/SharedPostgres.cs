using System.Runtime.Versioning;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using LocalServers;
using ServiceDefaults;
using Npgsql;

namespace TestSupport;

/// <summary>
/// One PostgreSQL server per test process, started on first use through Aspire.Hosting.Testing with the
/// same <c>AddPostgresServer</c> resource the app host runs, in a throw-away state directory and with
/// durability off (nothing here must survive a crash). DCP stops it when the test host exits, even
/// when the host is killed.
/// </summary>
[SupportedOSPlatform("linux")]
public static class SharedPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static DistributedApplication? app;
    private static string? serverConnectionString;

    /// <summary>A fresh, empty database on the shared server, dropped when the returned handle is disposed.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var server = await GetServerConnectionStringAsync(cancellationToken);
        var name = UniqueDatabaseName(prefix);
        await using (var connection = new NpgsqlConnection(server + ";Database=postgres"))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new TestDatabase(name, connectionString, () => DropAsync(server, name));
    }

    /// <summary>Set to 1 to load pg_stat_statements into the shared server.</summary>
    public const string StatementStatisticsVariable = "VOUCHERS_PG_STATEMENT_STATISTICS";

    /// <summary>Set to a fraction (0.01) to have auto_explain log the plans of that share of statements.</summary>
    public const string PlanSampleVariable = "VOUCHERS_PG_PLAN_SAMPLE";

    /// <summary>The server's connection string (no database named).</summary>
    public static async Task<string> GetServerConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (serverConnectionString is not null)
            {
                return serverConnectionString;
            }

            var stateDirectory = Directory.CreateTempSubdirectory("vouchers-test-postgres-").FullName;
            var builder = await AppHostTesting.CreateBuilderAsync(stateDirectory, keep: [ResourceNames.Postgres], cancellationToken);
            builder.CreateResourceBuilder(builder.Resources.OfType<PostgresServerResource>().Single())
                .WithArgs("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "log_checkpoints=off");
            if (Environment.GetEnvironmentVariable(StatementStatisticsVariable) == "1")
            {
                // Benchmarks ask for it to see which statements the server's CPU goes to; tests never pay for it.
                builder.CreateResourceBuilder(builder.Resources.OfType<PostgresServerResource>().Single())
                    .WithArgs("-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all");
            }

            if (Environment.GetEnvironmentVariable(PlanSampleVariable) is { Length: > 0 } rate)
            {
                // Benchmarks ask for it to see the plans the server really ran under load: a sample of statements has its
                // plan written to the server log (nested statements too), with no timing cost beyond the sampled ones.
                builder.CreateResourceBuilder(builder.Resources.OfType<PostgresServerResource>().Single())
                    .WithArgs("-c", "session_preload_libraries=auto_explain", "-c", "auto_explain.log_min_duration=0", "-c", "auto_explain.log_nested_statements=on",
                        "-c", $"auto_explain.sample_rate={rate}");
            }

            var started = await builder.BuildAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            await started.StartAsync(timeout.Token);
            await started.ResourceNotifications.WaitForResourceHealthyAsync("postgres", timeout.Token);
            var connectionString = await started.GetConnectionStringAsync("postgres", timeout.Token)
                ?? throw new InvalidOperationException("The test PostgreSQL has no connection string.");
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                started.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
                TryDelete(stateDirectory);
            };
            app = started;
            serverConnectionString = connectionString;
            return connectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string UniqueDatabaseName(string prefix)
    {
        var safePrefix = prefix.Replace('-', '_').ToLowerInvariant();
        return $"{safePrefix[..Math.Min(safePrefix.Length, 48)]}_{Guid.NewGuid().ToString("N")[..12]}";
    }

    private static async Task DropAsync(string server, string name)
    {
        await using var connection = new NpgsqlConnection(server + ";Database=postgres");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing: the temporary folder is cleaned by the system later.
        }
        catch (UnauthorizedAccessException)
        {
            // Files owned by the postgres account that root cannot remove are not expected, but never fail a run over them.
        }
    }
}

/// <summary>A database for one test class; disposing drops it.</summary>
public sealed class TestDatabase(string name, string connectionString, Func<Task> drop) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync() => await drop();
}
