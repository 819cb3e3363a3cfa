using Campaign.Service.Data;
using TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Campaign.Service.Tests;

public class MigrationTests
{
    private static CampaignDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<CampaignDbContext>().UseNpgsql(connectionString).Options);

    [Fact]
    public async Task Migrations_apply_to_a_fresh_database_and_the_model_has_no_unmigrated_changes()
    {
        await using var database = await SharedPostgres.CreateDatabaseAsync("campaign_migrations");
        await using var db = Context(database.ConnectionString);
        Assert.Equal(["20261204192458_InitialSchema", "20261204192547_SnapshotTriggers"], (await db.Database.GetPendingMigrationsAsync()).ToArray());

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges());
        Assert.Contains(await db.Categories.Select(c => c.Id).ToListAsync(), id => id == "produce.poverty_relief");
        Assert.Equal(0, await db.Campaigns.CountAsync());
    }

    [Fact]
    public async Task Changing_a_campaign_version_moves_its_snapshot_version_and_notifies_listeners()
    {
        await using var database = await SharedPostgres.CreateDatabaseAsync("campaign_triggers");
        await using (var db = Context(database.ConnectionString))
        {
            await db.Database.MigrateAsync();
        }

        await using var listener = new NpgsqlConnection(database.ConnectionString);
        await listener.OpenAsync();
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN campaign_snapshots", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using var writer = new NpgsqlConnection(database.ConnectionString);
        await writer.OpenAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO campaigns (id, code, state, version, name, theme, region_code, budget_cents, period_start_utc, period_end_utc, settings, tiers, rounds, allocation_plan, created_at, updated_at)
            VALUES ('c1', 'c1', 1, 1, 'n', 't', 'r', 1, now(), now(), '{}', '[]', '[]', '{}', now(), now());
            UPDATE campaigns SET version = 2 WHERE id = 'c1';
            UPDATE campaigns SET name = 'renamed' WHERE id = 'c1';
            UPDATE campaigns SET snapshot_version = snapshot_version + 1 WHERE id = 'c1';
            """, writer))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using (var read = new NpgsqlCommand("SELECT snapshot_version FROM campaigns WHERE id = 'c1'", writer))
        {
            Assert.Equal(3L, await read.ExecuteScalarAsync());
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (payloads.Count < 3 && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(["c1:1", "c1:2", "c1:3"], payloads);
    }
}

/// <summary>Start-up migrations as the service runs them (ServiceDefaults' migration runner), with every log entry kept.</summary>
public class StartupMigrationLogTests
{
    [Fact]
    public async Task Start_up_migrations_on_a_fresh_database_log_no_failed_migrations_history_query()
    {
        await using var database = await SharedPostgres.CreateDatabaseAsync("campaign_startup_log");
        var captured = await RunServiceAsync(database.ConnectionString, "database schema up to date", async () =>
            // Let the lifecycle scheduler make a few passes: it used to query campaigns before the tables existed.
            await Task.Delay(Campaign.Service.Snapshots.LifecycleScheduler.Interval * 4));

        Assert.Contains(captured, e => e.Message == "CampaignDbContext: database schema up to date (2 migration(s) applied now)");
        // The readiness check is Unhealthy while migrations run, and the health service logs that at Error by design.
        var errors = captured
            .Where(e => e.Level >= LogLevel.Error && e.Category != "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService")
            .Select(e => $"{e.Category}: {e.Message}")
            .ToList();
        Assert.True(errors.Count == 0, string.Join("\n---\n", errors));
    }

    [Fact]
    public async Task A_database_migrated_by_the_retired_hand_written_migrations_is_left_alone_with_an_error_that_says_what_to_do()
    {
        await using var database = await SharedPostgres.CreateDatabaseAsync("campaign_retired_history");
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            // The history the hand-written migrations left behind (their tables do not matter to the check).
            await using var history = new NpgsqlCommand("""
                CREATE TABLE "__EFMigrationsHistory" ("MigrationId" character varying(150) PRIMARY KEY, "ProductVersion" character varying(32) NOT NULL);
                INSERT INTO "__EFMigrationsHistory" VALUES ('20261122000000_Initial', '10.0.0'), ('20261122010000_CampaignSchema', '10.0.0');
                """, connection);
            await history.ExecuteNonQueryAsync();
        }

        var captured = await RunServiceAsync(database.ConnectionString, "no longer has", () => Task.CompletedTask);

        Assert.Contains(captured, e => e.Level == LogLevel.Error && e.Message ==
            "CampaignDbContext: the database was migrated by a migration history this service no longer has (20261122000000_Initial, 20261122010000_CampaignSchema); not migrating it. Drop the database and start again.");
        Assert.DoesNotContain(captured, e => e.Message.Contains("database schema up to date", StringComparison.Ordinal));
        await using var check = new NpgsqlConnection(database.ConnectionString);
        await check.OpenAsync();
        await using var tables = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", check);
        Assert.Equal(1L, await tables.ExecuteScalarAsync());
    }

    /// <summary>Starts the service on <paramref name="connectionString"/>, waits for a log entry containing <paramref name="until"/>, runs <paramref name="then"/>, stops it.</summary>
    private static async Task<List<(string Category, LogLevel Level, string Message)>> RunServiceAsync(string connectionString, string until, Func<Task> then)
    {
        var captured = new System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)>();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions
        {
            ApplicationName = typeof(CampaignServiceExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:campaigndb"] = connectionString,
        });
        builder.Configuration.AddInMemoryCollection(InProcessEndpoints.Settings(out _));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new CapturingLoggerProvider(captured));
        builder.AddCampaignServices();
        await using var app = builder.Build();
        app.MapCampaignServices();
        await app.StartAsync();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!captured.Any(e => e.Message.Contains(until, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await then();
        }
        finally
        {
            await app.StopAsync();
        }

        return [.. captured];
    }

    private sealed class CapturingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, entries);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(string category, System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
