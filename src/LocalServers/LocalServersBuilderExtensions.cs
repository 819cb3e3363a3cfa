using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LocalServers;

/// <summary>
/// <c>AddRedisServer</c> and <c>AddPostgresServer(…).AddDatabase(…)</c>: the same shape as Aspire's
/// <c>AddRedis</c> / <c>AddPostgres</c>, for executables instead of containers. Each server keeps its
/// data under the state directory (<c>StateDirectory</c> in configuration, default <c>.state</c> at the
/// repository root) between runs; deleting that directory starts clean.
/// </summary>
[SupportedOSPlatform("linux")]
public static partial class LocalServersBuilderExtensions
{
    private static readonly string[] RedisSettings =
        ["--daemonize", "no", "--appendonly", "yes", "--appendfsync", "everysec", "--save", string.Empty, "--protected-mode", "no"];

    private static readonly string[] PostgresSettings =
        ["listen_addresses=127.0.0.1", "unix_socket_directories=", "max_connections=300"];

    /// <summary>Configuration key of the folder the servers keep their data in.</summary>
    public const string StateDirectoryKey = "StateDirectory";

    /// <summary>The state directory: configuration's <see cref="StateDirectoryKey"/>, else <c>.state</c> two levels above the app host's project.</summary>
    public static string GetStateDirectory(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration[StateDirectoryKey];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(builder.AppHostDirectory, "..", "..", ".state")
            : configured);
    }

    /// <summary>
    /// A redis-server with AOF (<c>appendfsync everysec</c>: an acknowledged write survives a Redis
    /// restart, at most one second of writes is lost in a machine crash) and no RDB snapshots.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var dataDirectory = Path.Combine(builder.GetStateDirectory(), name);
        Directory.CreateDirectory(dataDirectory);
        var resource = new RedisServerResource(name, DebianPrograms.RedisServer(), dataDirectory);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, cancellationToken) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => (connectionString ?? throw new InvalidOperationException($"{name}: connection string not available yet")) + ",abortConnect=false,connectTimeout=2000",
            name: healthCheck);

        return builder.AddResource(resource)
            // No proxy: Redis sits on the claim hot path, and DCP's proxy would add a hop to every command.
            .WithEndpoint(name: RedisServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--port");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--dir");
                context.Args.Add(dataDirectory);
                foreach (var setting in RedisSettings)
                {
                    context.Args.Add(setting);
                }
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>
    /// A PostgreSQL server over <c>{state}/{name}/data</c>, initialised by initdb on its first start and
    /// run as the <c>postgres</c> account when the app host is root. The superuser's password is the
    /// secret parameter <c>{name}-password</c>: from configuration (<c>Parameters:{name}-password</c>), else
    /// generated once and kept beside the data directory, since the cluster was initialised with it.
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgresServer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var stateDirectory = Path.Combine(builder.GetStateDirectory(), name);
        Directory.CreateDirectory(stateDirectory);
        var binDirectory = DebianPrograms.PostgresBinDirectory();
        var runAsService = DebianPrograms.IsRoot;
        var password = builder.AddParameter($"{name}-password", () => builder.Configuration[$"Parameters:{name}-password"] ?? StoredPassword(stateDirectory), secret: true);

        var postgresProgram = Path.Combine(binDirectory, "postgres");
        var command = runAsService ? DebianPrograms.FindOnPath("setpriv") ?? throw new InvalidOperationException("setpriv (util-linux) is needed to run PostgreSQL as the postgres account.") : postgresProgram;
        var resource = new PostgresServerResource(name, command, stateDirectory, binDirectory, password.Resource);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await InitialiseClusterAsync(resource, runAsService, logger, cancellationToken).ConfigureAwait(false);
            await PublishDatabaseStateAsync(@event.Services, resource, KnownResourceStates.Starting).ConfigureAwait(false);
        });
        // DCP reports the state of executables only; the databases, which are not processes, follow their server.
        builder.Eventing.Subscribe<ResourceStoppedEvent>(resource, (@event, _) =>
            PublishDatabaseStateAsync(@event.Services, resource, KnownResourceStates.Exited));

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, cancellationToken) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false));
        builder.Eventing.Subscribe<ResourceReadyEvent>(resource, async (@event, cancellationToken) =>
        {
            if (connectionString is null)
            {
                throw new DistributedApplicationException($"'{name}' is ready but its connection string is not known.");
            }

            await CreateDatabasesAsync(connectionString, resource.Databases.Values, cancellationToken).ConfigureAwait(false);
            await PublishDatabaseStateAsync(@event.Services, resource, KnownResourceStates.Running).ConfigureAwait(false);
        });

        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => (connectionString ?? throw new InvalidOperationException($"{name}: connection string not available yet")) + ";Database=postgres;Timeout=3",
            name: healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(name: PostgresServerResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                if (runAsService)
                {
                    foreach (var argument in new[] { $"--reuid={PostgresServerResource.ServiceAccount}", $"--regid={PostgresServerResource.ServiceAccount}", "--init-groups", "--", postgresProgram })
                    {
                        context.Args.Add(argument);
                    }
                }

                context.Args.Add("-D");
                context.Args.Add(resource.DataDirectory);
                context.Args.Add("-p");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                // TCP on loopback only: no socket file to place somewhere the service account may write.
                foreach (var setting in PostgresSettings)
                {
                    context.Args.Add("-c");
                    context.Args.Add(setting);
                }
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>A database on the server, created (if missing) once the server is ready; healthy once it accepts connections.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> builder, [ResourceName] string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        databaseName ??= name;
        var resource = new PostgresDatabaseResource(name, databaseName, builder.Resource);
        builder.Resource.AddDatabase(resource);

        string? connectionString = null;
        builder.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, cancellationToken) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false));
        var healthCheck = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => (connectionString ?? throw new InvalidOperationException($"{name}: connection string not available yet")) + ";Timeout=3",
            name: healthCheck);
        return builder.ApplicationBuilder.AddResource(resource).WithHealthCheck(healthCheck);
    }

    private static async Task PublishDatabaseStateAsync(IServiceProvider services, PostgresServerResource server, string state)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var now = DateTime.UtcNow;
        foreach (var database in server.DatabaseResources)
        {
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = state,
                StartTimeStamp = state == KnownResourceStates.Running ? now : snapshot.StartTimeStamp,
                StopTimeStamp = state == KnownResourceStates.Exited ? now : null,
            }).ConfigureAwait(false);
        }
    }

    private static async Task InitialiseClusterAsync(PostgresServerResource resource, bool runAsService, ILogger logger, CancellationToken cancellationToken)
    {
        if (runAsService)
        {
            // The service account must be able to walk down to its data directory.
            for (var directory = resource.StateDirectory; !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
            {
                var mode = File.GetUnixFileMode(directory);
                if (!mode.HasFlag(UnixFileMode.OtherExecute))
                {
                    File.SetUnixFileMode(directory, mode | UnixFileMode.OtherExecute);
                }
            }
        }

        var pidFile = Path.Combine(resource.DataDirectory, "postmaster.pid");
        if (File.Exists(Path.Combine(resource.DataDirectory, "PG_VERSION")))
        {
            // A server killed without a clean stop leaves its pid file; the pid may belong to another process by now.
            if (File.Exists(pidFile))
            {
                File.Delete(pidFile);
            }

            if (runAsService)
            {
                await RunAsync("chown", ["-R", $"{PostgresServerResource.ServiceAccount}:", resource.DataDirectory], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (Directory.Exists(resource.DataDirectory))
        {
            Directory.Delete(resource.DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(resource.DataDirectory);
        var passwordFile = Path.Combine(resource.StateDirectory, "initdb-password");
        var password = await resource.Password.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty;
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken).ConfigureAwait(false);
        try
        {
            var initdb = Path.Combine(resource.BinDirectory, "initdb");
            string[] arguments = ["-D", resource.DataDirectory, "-U", PostgresServerResource.UserName, "--pwfile", passwordFile, "-E", "UTF8", "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256"];
            LogInitdb(logger, resource.DataDirectory);
            if (runAsService)
            {
                await RunAsync("chown", [$"{PostgresServerResource.ServiceAccount}:", resource.DataDirectory, passwordFile], cancellationToken).ConfigureAwait(false);
                await RunAsync("setpriv", [$"--reuid={PostgresServerResource.ServiceAccount}", $"--regid={PostgresServerResource.ServiceAccount}", "--init-groups", "--", initdb, .. arguments], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunAsync(initdb, arguments, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task CreateDatabasesAsync(string serverConnectionString, IEnumerable<string> databaseNames, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString + ";Database=postgres");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var database in databaseNames)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The generated password kept with the cluster it was initialised with (readable by root only).</summary>
    private static string StoredPassword(string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, "password");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        File.WriteAllText(file, password);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return password;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DistributedApplicationException($"{program} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "initdb: creating a new cluster in {DataDirectory}")]
    private static partial void LogInitdb(ILogger logger, string dataDirectory);
}
