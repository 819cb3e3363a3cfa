using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using DistributedApp.Processes;
using Npgsql;

namespace DistributedApp;

/// <summary>
/// A PostgreSQL server run from the Debian programs: initdb into state/{name}/data on first start, then
/// <c>postgres</c> on a free loopback port (as the <c>postgres</c> user when the orchestrator is root;
/// PostgreSQL refuses to run as root). Databases declared with AddDatabase are created once it accepts
/// connections. Stopped with SIGINT, PostgreSQL's fast shutdown.
/// </summary>
public sealed class PostgresServerResource : Resource, IResourceWithConnectionString
{
    public const string TcpEndpointName = "tcp";
    public const string UserName = "postgres";
    private const string ServiceAccount = "postgres";
    private readonly List<PostgresDatabaseResource> _databases = [];
    private string? _binDirectory;

    public PostgresServerResource(string name, int? port)
        : base(name)
    {
        AddEndpoint(new EndpointAnnotation(TcpEndpointName, EndpointProtocol.Tcp, port, environmentVariable: null));
    }

    public override string Kind => "postgres";

    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    /// <summary>The superuser password, created on first start and kept in the state directory.</summary>
    public string Password { get; private set; } = string.Empty;

    /// <summary>Trade crash safety for speed (fsync off); for throw-away test servers only.</summary>
    public bool DisableDurability { get; set; }

    /// <summary>When set, no process is started: the resource stands for a server that already runs.</summary>
    internal PostgresServerInfo? ExistingServer { get; private set; }

    public string GetConnectionString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Host=127.0.0.1;Port={GetEndpoint(TcpEndpointName).AllocatedPort};Username={UserName};Password={Password}");

    internal void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    internal void UseExistingServer(PostgresServerInfo server)
    {
        ExistingServer = server;
        Password = server.Password;
        var endpoint = GetEndpoint(TcpEndpointName);
        endpoint.Port = server.Port;
        endpoint.AllocatedPort = server.Port;
    }

    internal override void Initialize(string stateDirectory)
    {
        if (ExistingServer is not null)
        {
            return;
        }

        var directory = Path.Combine(stateDirectory, Name);
        Directory.CreateDirectory(directory);
        var passwordFile = Path.Combine(directory, "password");
        if (File.Exists(passwordFile))
        {
            Password = File.ReadAllText(passwordFile).Trim();
        }
        else
        {
            Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            File.WriteAllText(passwordFile, Password);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    internal override async Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (ExistingServer is not null)
        {
            return;
        }

        _binDirectory = await context.Binaries.GetPostgresBinDirectoryAsync(this, context, cancellationToken);
        var directory = context.ResourceDirectory(this);
        var dataDirectory = Path.Combine(directory, "data");
        var runAsService = ProcessLauncher.IsRoot;

        if (runAsService)
        {
            // The service account must reach the data directory through the state directory.
            AllowTraversal(context.StateDirectory);
            AllowTraversal(directory);
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }

            Directory.CreateDirectory(dataDirectory);
            var passwordFile = Path.Combine(directory, "initdb-password");
            await File.WriteAllTextAsync(passwordFile, Password, cancellationToken);
            try
            {
                if (runAsService)
                {
                    await ChangeOwnerAsync(dataDirectory, cancellationToken);
                    await ChangeOwnerAsync(passwordFile, cancellationToken);
                }

                context.Announce(this, $"initdb: creating a new cluster in {dataDirectory}");
                await RunToCompletionAsync(
                    context,
                    Path.Combine(_binDirectory, "initdb"),
                    ["-D", dataDirectory, "-U", UserName, "--pwfile", passwordFile, "-E", "UTF8", "--no-locale",
                     "--auth-local=trust", "--auth-host=scram-sha-256"],
                    runAsService ? ServiceAccount : null,
                    cancellationToken);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }
        else if (runAsService)
        {
            await ChangeOwnerAsync(dataDirectory, cancellationToken);
        }

        RemoveStalePidFile(dataDirectory);
    }

    internal override ProcessSpec? CreateProcess(RunContext context)
    {
        if (ExistingServer is not null)
        {
            return null;
        }

        var spec = new ProcessSpec
        {
            FileName = Path.Combine(_binDirectory!, "postgres"),
            WorkingDirectory = context.ResourceDirectory(this),
            RunAsUser = ServiceAccount,
            StopSignal = Signals.SigInt,
            Arguments =
            {
                "-D", Path.Combine(context.ResourceDirectory(this), "data"),
                "-p", GetEndpoint(TcpEndpointName).AllocatedPort.ToString(CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1",
                // TCP only: no socket file to place somewhere the service account may write.
                "-c", "unix_socket_directories=",
                "-c", "max_connections=300",
            },
        };

        if (DisableDurability)
        {
            spec.Arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        foreach (var (name, value) in BuildEnvironment())
        {
            spec.Environment[name] = value;
        }

        return spec;
    }

    internal override async Task<bool> CheckHealthAsync(RunContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    internal override async Task OnHealthyAsync(RunContext context, CancellationToken cancellationToken)
    {
        foreach (var database in _databases)
        {
            if (await CreateDatabaseIfMissingAsync(database.DatabaseName, cancellationToken))
            {
                context.Announce(this, $"created database {database.DatabaseName}");
            }

            database.IsCreated = true;
        }
    }

    /// <summary>Creates a database unless it exists; true when it was created now.</summary>
    internal async Task<bool> CreateDatabaseIfMissingAsync(string databaseName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = databaseName });
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return false;
            }
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(databaseName)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            return false;
        }
    }

    internal async Task DropDatabaseAsync(string databaseName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {QuoteIdentifier(databaseName)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    internal string AdminConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(GetConnectionString())
        {
            Database = database,
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;

    internal static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void AllowTraversal(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return;
        }

        var mode = File.GetUnixFileMode(directory);
        const UnixFileMode traverse = UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & traverse) != traverse)
        {
            File.SetUnixFileMode(directory, mode | traverse);
        }
    }

    private static async Task ChangeOwnerAsync(string path, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", $"{ServiceAccount}:{ServiceAccount}", path])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new DistributedApplicationException("Could not start chown.");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                $"chown of {path} to the '{ServiceAccount}' account failed ({error.Trim()}). PostgreSQL must run as that account when the app host runs as root.");
        }
    }

    private async Task RunToCompletionAsync(RunContext context, string program, string[] arguments, string? runAs, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec { FileName = program, RunAsUser = runAs, WorkingDirectory = context.ResourceDirectory(this) };
        spec.Arguments.AddRange(arguments);
        using var process = await ProcessLauncher.StartAsync(
            spec,
            line => context.Logs.Write(Name, line),
            line => context.Logs.Write(Name, line, isError: true));
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{Path.GetFileName(program)} failed with exit code {process.ExitCode}; see the log lines above.");
        }
    }

    /// <summary>After a SIGKILL the lock file stays; PostgreSQL refuses to start if its PID now belongs to another process.</summary>
    private static void RemoveStalePidFile(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && Signals.IsAlive(pid) && IsPostgres(pid))
        {
            throw new DistributedApplicationException(
                $"PostgreSQL (pid {pid}) is already running on {dataDirectory}; is another app host using this state directory?");
        }

        File.Delete(pidFile);
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A server that already runs, shared by several application models (one per test run).</summary>
internal sealed record PostgresServerInfo(int Port, string Password);

/// <summary>A database on a PostgreSQL server; its connection string names the database.</summary>
public sealed class PostgresDatabaseResource : Resource, IResourceWithConnectionString
{
    public PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server)
        : base(name)
    {
        DatabaseName = databaseName;
        Server = server;
    }

    public override string Kind => "database";

    /// <summary>The name inside PostgreSQL; tests give each application its own.</summary>
    public string DatabaseName { get; internal set; }

    public PostgresServerResource Server { get; }

    public override Resource? Parent => Server;

    internal bool IsCreated { get; set; }

    public string GetConnectionString() => Server.GetConnectionString() + ";Database=" + DatabaseName;

    internal override async Task<bool> CheckHealthAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (!IsCreated)
        {
            await Server.CreateDatabaseIfMissingAsync(DatabaseName, cancellationToken);
            IsCreated = true;
        }

        return true;
    }
}
