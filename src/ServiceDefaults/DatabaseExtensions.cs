using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ServiceDefaults;

/// <summary>
/// A service's own PostgreSQL database through EF Core, in the style of Aspire's
/// <c>builder.AddNpgsqlDbContext&lt;T&gt;("claimdb")</c>: connection string from ConnectionStrings:{name},
/// retries on transient failures, a health check, and migrations applied at start-up.
/// </summary>
public static partial class DatabaseExtensions
{
    public static IHostApplicationBuilder AddNpgsqlDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Connection string 'ConnectionStrings:{connectionName}' is missing (set ConnectionStrings__{connectionName}; the app host does this for referenced databases).");
        }

        // Keyed by connection name so a service with two databases keeps them apart; the first is also the default.
        builder.Services.AddKeyedSingleton(connectionName, (services, _) =>
            new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(services.GetService<ILoggerFactory>()).Build());
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName));
        builder.Services.AddDbContextPool<TContext>((services, options) =>
            options.UseNpgsql(services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName), npgsql => npgsql.EnableRetryOnFailure()));
        builder.Services.AddSingleton<MigrationState<TContext>>();
        builder.Services.AddHostedService<MigrationRunner<TContext>>();
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(
                $"postgres-{connectionName}",
                services => new PostgresHealthCheck(services.GetRequiredKeyedService<NpgsqlDataSource>(connectionName)),
                failureStatus: null,
                tags: [HealthTags.Ready]))
            .AddCheck<MigrationHealthCheck<TContext>>($"migrations-{connectionName}", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>Applies pending migrations once the database answers, retrying while it does not.</summary>
    internal sealed partial class MigrationRunner<TContext>(
        IServiceScopeFactory scopes,
        MigrationState<TContext> state,
        TimeProvider timeProvider,
        ILogger<MigrationRunner<TContext>> logger) : BackgroundService
        where TContext : DbContext
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var delay = TimeSpan.FromMilliseconds(250);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var context = scope.ServiceProvider.GetRequiredService<TContext>();
                    // EF reads the history table before creating it and logs that failed read at Error level on a
                    // fresh database; creating it first (IF NOT EXISTS) makes every read a real one.
                    await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(stoppingToken);
                    var pending = (await context.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
                    await context.Database.MigrateAsync(stoppingToken);
                    LogMigrated(logger, typeof(TContext).Name, pending.Count);
                    state.MarkApplied();
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    state.MarkFailed(ex.Message);
                    LogMigrationRetry(logger, ex, typeof(TContext).Name, delay.TotalSeconds);
                    await Task.Delay(delay, timeProvider, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "{Context}: database schema up to date ({Applied} migration(s) applied now)")]
        private static partial void LogMigrated(ILogger logger, string context, int applied);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Context}: migrations could not be applied yet; retrying in {DelaySeconds}s")]
        private static partial void LogMigrationRetry(ILogger logger, Exception exception, string context, double delaySeconds);
    }

    internal sealed class MigrationHealthCheck<TContext>(MigrationState<TContext> state) : IHealthCheck
        where TContext : DbContext
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(state.IsApplied
                ? HealthCheckResult.Healthy("Migrations applied.")
                : new HealthCheckResult(context.Registration.FailureStatus, "Migrations not applied yet. " + state.Error));
    }
}

/// <summary>Opens a connection from the service's data source and runs SELECT 1.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL did not answer.", ex);
        }
    }
}

/// <summary>
/// Whether this context's migrations have been applied in this process. Background work that reads the database from
/// start-up waits on <see cref="WhenAppliedAsync"/>, so it never queries tables a fresh database does not have yet.
/// </summary>
public sealed class MigrationState<TContext>
    where TContext : DbContext
{
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _error;

    public bool IsApplied => _applied.Task.IsCompleted;

    public string? Error => _error;

    public Task WhenAppliedAsync(CancellationToken cancellationToken) => _applied.Task.WaitAsync(cancellationToken);

    internal void MarkApplied() => _applied.TrySetResult();

    internal void MarkFailed(string error) => _error = error;
}
