using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>
/// Finds server programs (postgres, redis-server) and, when missing, installs their Debian package if
/// this process may (root and apt-get present); otherwise explains which package to install.
/// </summary>
internal sealed class ServerBinaries
{
    private static readonly SemaphoreSlim AptLock = new(1, 1);

    /// <summary>Directories searched for PostgreSQL's server programs, newest major version first.</summary>
    public Func<IEnumerable<string>> PostgresBinDirectories { get; init; } = DefaultPostgresBinDirectories;

    /// <summary>Looks a program up on PATH; replaceable so tests can simulate a bare machine.</summary>
    public Func<string, string?> FindProgram { get; init; } = ProcessLauncher.FindOnPath;

    public Func<bool> CanInstall { get; init; } = () => ProcessLauncher.IsRoot && ProcessLauncher.FindOnPath("apt-get") is not null;

    public async Task<string> GetPostgresBinDirectoryAsync(Resource resource, RunContext context, CancellationToken cancellationToken)
    {
        var found = FindPostgres();
        if (found is null)
        {
            await InstallAsync(resource, context, "postgresql", "PostgreSQL server programs (initdb, postgres)", cancellationToken);
            found = FindPostgres()
                ?? throw new DistributedApplicationException("The Debian package 'postgresql' was installed but initdb/postgres are still not found.");
        }

        return found;
    }

    public async Task<string> GetRedisServerAsync(Resource resource, RunContext context, CancellationToken cancellationToken)
    {
        var found = FindProgram("redis-server");
        if (found is null)
        {
            await InstallAsync(resource, context, "redis-server", "The Redis server (redis-server)", cancellationToken);
            found = FindProgram("redis-server")
                ?? throw new DistributedApplicationException("The Debian package 'redis-server' was installed but redis-server is still not found.");
        }

        return found;
    }

    private string? FindPostgres()
    {
        foreach (var directory in PostgresBinDirectories())
        {
            if (File.Exists(Path.Combine(directory, "postgres")) && File.Exists(Path.Combine(directory, "initdb")))
            {
                return directory;
            }
        }

        return null;
    }

    private static IEnumerable<string> DefaultPostgresBinDirectories()
    {
        // Debian and Ubuntu keep each major version apart; other systems put the programs on PATH.
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            foreach (var version in Directory.EnumerateDirectories(debianRoot)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0))
            {
                yield return Path.Combine(version, "bin");
            }
        }

        if (ProcessLauncher.FindOnPath("postgres") is { } onPath)
        {
            yield return Path.GetDirectoryName(onPath)!;
        }
    }

    private async Task InstallAsync(Resource resource, RunContext context, string package, string what, CancellationToken cancellationToken)
    {
        if (!CanInstall())
        {
            throw new DistributedApplicationException(
                $"{what} not found. Install the Debian package '{package}' (sudo apt-get install -y {package}) or run `bash eng/install-prereqs.sh`, then start again.");
        }

        await AptLock.WaitAsync(cancellationToken);
        try
        {
            context.Announce(resource, $"{what} not found: installing the Debian package '{package}' with apt-get");
            await RunAptAsync(resource, context, ["update", "-qq"], cancellationToken);
            await RunAptAsync(resource, context, ["install", "-y", "-qq", "--no-install-recommends", package], cancellationToken);
            context.Announce(resource, $"installed '{package}'");
        }
        finally
        {
            AptLock.Release();
        }
    }

    private static async Task RunAptAsync(Resource resource, RunContext context, string[] arguments, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec { FileName = "apt-get" };
        spec.Arguments.AddRange(arguments);
        spec.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = await ProcessLauncher.StartAsync(
            spec,
            line => context.Logs.Write(resource.Name, line),
            line => context.Logs.Write(resource.Name, line, isError: true));
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"apt-get {string.Join(' ', arguments)} failed with exit code {process.ExitCode}.");
        }
    }
}
