using System.Diagnostics;

namespace LocalServers;

/// <summary>
/// Finds the server programs the Debian packages install and, when this process may (root with
/// apt-get), installs a missing package first, announcing each step on its own line.
/// </summary>
public static class DebianPrograms
{
    private static readonly Lock InstallLock = new();

    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>redis-server's path, installing the package when it is missing.</summary>
    public static string RedisServer() =>
        FindOnPath("redis-server") ?? InstallThen("redis-server", () => FindOnPath("redis-server"));

    /// <summary>The directory with PostgreSQL's initdb and postgres (newest major version), installing the package when it is missing.</summary>
    public static string PostgresBinDirectory() =>
        FindPostgresBinDirectory() ?? InstallThen("postgresql", FindPostgresBinDirectory);

    private static string? FindPostgresBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "postgres")) && File.Exists(Path.Combine(bin, "initdb")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
            .FirstOrDefault();
    }

    private static string InstallThen(string package, Func<string?> find)
    {
        lock (InstallLock)
        {
            if (find() is { } found)
            {
                return found;
            }

            if (!IsRoot || FindOnPath("apt-get") is null)
            {
                throw new InvalidOperationException(
                    $"The Debian package '{package}' is missing. Install it (sudo apt-get install -y {package}) or run `bash eng/install-prereqs.sh`, then start again.");
            }

            Console.WriteLine($"apphost: installing the Debian package '{package}' (apt-get update, apt-get install -y {package})");
            Run("apt-get", "update", "-qq");
            Run("apt-get", "install", "-y", "-qq", "--no-install-recommends", package);
            return find() ?? throw new InvalidOperationException($"The Debian package '{package}' was installed but its programs are still not found.");
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {error.Result}{output.Result}");
        }
    }
}
