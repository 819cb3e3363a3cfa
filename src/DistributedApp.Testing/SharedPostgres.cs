using Npgsql;

namespace DistributedApp.Testing;

/// <summary>
/// One PostgreSQL server per test process, started on first use in a throw-away directory (durability
/// off: nothing here must survive a crash) and stopped when the process exits. Its processes die with
/// the test host even if the host is killed, because the launcher ties them to it.
/// </summary>
public static class SharedPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static DistributedApplication? _app;
    private static PostgresServerResource? _server;

    /// <summary>A fresh, empty database on the shared server, dropped when the returned handle is disposed.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var server = await GetServerAsync(cancellationToken);
        var name = UniqueDatabaseName(prefix);
        await server.CreateDatabaseIfMissingAsync(name, cancellationToken);
        var connectionString = new NpgsqlConnectionStringBuilder(server.GetConnectionString()) { Database = name }.ConnectionString;
        return new TestDatabase(name, connectionString, () => server.DropDatabaseAsync(name, CancellationToken.None));
    }

    internal static string UniqueDatabaseName(string prefix)
    {
        var safePrefix = prefix.Replace('-', '_').ToLowerInvariant();
        return $"{safePrefix[..Math.Min(safePrefix.Length, 48)]}_{Guid.NewGuid().ToString("N")[..12]}";
    }

    internal static async Task<PostgresServerResource> GetServerAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_server is not null)
            {
                return _server;
            }

            var stateDirectory = TemporaryStateDirectories.NewPath();
            var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
            {
                StateDirectory = stateDirectory,
                ShowConsole = false,
                BuildProjects = false,
                AppHostDirectory = stateDirectory,
            });
            var postgres = builder.AddPostgres("postgres");
            postgres.Resource.DisableDurability = true;
            var app = builder.Build();
            app.AfterStop.Add(() =>
            {
                TemporaryStateDirectories.Delete(stateDirectory);
                return ValueTask.CompletedTask;
            });

            try
            {
                await app.StartAsync(cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                await app.WaitForHealthyAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                var log = string.Join('\n', app.Logs.GetRecent("postgres", 30).Select(l => l.Text));
                await app.DisposeAsync();
                throw new DistributedApplicationException("The shared test PostgreSQL did not start:\n" + log, ex);
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => app.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
            _app = app;
            _server = postgres.Resource;
            return _server;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Test hook: the pid of the shared server's postmaster, or null before it starts.</summary>
    internal static int? ServerPid => _app?.Notifications.GetSnapshot("postgres").Pid;
}

/// <summary>A database for one test class; disposing drops it.</summary>
public sealed class TestDatabase(string name, string connectionString, Func<Task> drop) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync() => await drop();
}
