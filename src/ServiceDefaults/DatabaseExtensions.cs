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
/// A service's own PostgreSQL database: the DbContext through Aspire's <c>AddNpgsqlDbContext</c> (pooling,
/// retries on transient failures, health check, tracing and metrics), an <see cref="NpgsqlDataSource"/>
/// through Aspire's <c>AddNpgsqlDataSource</c> for the SQL that EF does not write (COPY, LISTEN, bulk
/// upserts), and the committed migrations applied at start-up, with a readiness check that holds the
/// service back until they are.
/// </summary>
public static partial class DatabaseExtensions
{
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(connectionName)))
        {
            throw new InvalidOperationException(
                $"Connection string 'ConnectionStrings:{connectionName}' is missing (set ConnectionStrings__{connectionName}; the app host does this for referenced databases).");
        }

        // The data source's health check covers the database; the context's would open a second connection for the same answer.
        builder.AddNpgsqlDataSource(connectionName);
        builder.AddNpgsqlDbContext<TContext>(connectionName, settings => settings.DisableHealthChecks = true);
        builder.Services.AddSingleton<MigrationState<TContext>>();
        builder.Services.AddHostedService<MigrationRunner<TContext>>();
        builder.Services.AddHealthChecks()
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
                    if (await RetiredHistoryAsync(context, stoppingToken) is { } retired)
                    {
                        // Migrating would only fail on tables that already exist, retrying for ever; say what to do instead.
                        state.MarkFailed($"The database was migrated by a migration history this service no longer has ({retired}). " +
                            "Drop the database and let the service create it again (see the README's Migrations section).");
                        LogRetiredHistory(logger, typeof(TContext).Name, retired);
                        return;
                    }

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

        /// <summary>
        /// The applied migration ids when none of them is one of this build's: a database migrated by an earlier,
        /// replaced history (the hand-written migrations before dotnet-ef generated them). A history sharing at least one
        /// id is ours, even with ids this build lacks (a newer copy of the service migrated it first).
        /// </summary>
        private static async Task<string?> RetiredHistoryAsync(TContext context, CancellationToken cancellationToken)
        {
            var applied = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            var known = context.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
            return applied.Count > 0 && !applied.Exists(known.Contains) ? string.Join(", ", applied) : null;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "{Context}: the database was migrated by a migration history this service no longer has ({Applied}); not migrating it. Drop the database and start again.")]
        private static partial void LogRetiredHistory(ILogger logger, string context, string applied);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Context}: database schema up to date ({Applied} migration(s) applied now)")]
        private static partial void LogMigrated(ILogger logger, string context, int applied);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Context}: migrations could not be applied yet; retrying in {DelaySeconds}s")]
        private static partial void LogMigrationRetry(ILogger logger, Exception exception, string context, double delaySeconds);
    }

    internal sealed class MigrationHealthCheck<TContext>(MigrationState<TContext> state) : IHealthCheck
        where TContext : DbContext
    {
        // Still applying is Degraded, not Unhealthy: starting up is not an error, and the health service logs
        // Unhealthy at Error level on every poll. /health answers 503 for Degraded, so nothing waits less.
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(state.IsApplied
                ? HealthCheckResult.Healthy("Migrations applied.")
                : string.IsNullOrEmpty(state.Error)
                    ? HealthCheckResult.Degraded("Migrations are being applied.")
                    : new HealthCheckResult(context.Registration.FailureStatus, "Migrations not applied: " + state.Error));
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
