using System.Globalization;

namespace ClaimBench;

/// <summary>
/// CPU time (user + system) of this process and every process it started, read from /proc, so a run can say where
/// each claim's CPU went: load generator, Claim service, Redis, PostgreSQL. A process's time includes that of its
/// children that ended and were reaped (Redis's AOF-rewrite fork, PostgreSQL's short-lived workers).
/// </summary>
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100;

    /// <summary>redis-server retitles itself "redis-server host:port"; a listed address names the process instead.</summary>
    public static Dictionary<string, string> RedisLabels { get; } = new(StringComparer.Ordinal);

    public static Dictionary<string, double> Sample()
    {
        var processes = new List<(int Pid, int Parent, string Name, double Seconds)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                var name = NameOf(directory, stat[(stat.IndexOf('(') + 1)..close]);
                var seconds = fields[11..15].Sum(f => double.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
                processes.Add((pid, int.Parse(fields[1], CultureInfo.InvariantCulture), name, seconds));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }

        // DCP starts the resources from its own daemon, not as our descendants: a process is ours when its command line
        // or working directory is under one of the roots (this checkout, the bench's state folder), or it is a Redis
        // listed by address, and so is everything below it (PostgreSQL's backends, `dotnet run`'s service process).
        var ours = new HashSet<int> { Environment.ProcessId };
        foreach (var process in processes)
        {
            if (IsRoot(process.Pid))
            {
                ours.Add(process.Pid);
            }
        }

        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var process in processes.Where(p => !ours.Contains(p.Pid) && ours.Contains(p.Parent)))
            {
                grew |= ours.Add(process.Pid);
            }
        }

        return processes.Where(p => ours.Contains(p.Pid))
            .GroupBy(p => p.Pid == Environment.ProcessId ? "load generator" : p.Name)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Seconds));
    }

    /// <summary>Folders whose processes are ours; see <see cref="Sample"/>.</summary>
    public static List<string> Roots { get; } = [];

    private static bool IsRoot(int pid)
    {
        try
        {
            var directory = $"/proc/{pid}";
            var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            if (RedisLabels.Keys.Any(address => commandLine.StartsWith("redis-server", StringComparison.Ordinal) && commandLine.Contains(address, StringComparison.Ordinal)))
            {
                return true;
            }

            var workingDirectory = new DirectoryInfo(Path.Combine(directory, "cwd")).LinkTarget ?? string.Empty;
            return Roots.Any(root => commandLine.Contains(root, StringComparison.Ordinal) || (workingDirectory + "/").StartsWith(root, StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>.NET services all run as "dotnet"; their assembly name tells them apart.</summary>
    private static string NameOf(string directory, string command)
    {
        if (command == "redis-server" && RedisLabels.Count > 0)
        {
            try
            {
                var title = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                return RedisLabels.Where(l => title.Contains(l.Key, StringComparison.Ordinal)).Select(l => l.Value).FirstOrDefault() ?? command;
            }
            catch (IOException)
            {
                return command;
            }
        }

        if (command != "dotnet")
        {
            return command;
        }

        try
        {
            var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
            if (arguments.Length > 1 && arguments[1] == "run")
            {
                return "dotnet run";
            }

            return arguments.Select(Path.GetFileNameWithoutExtension).LastOrDefault(a => a is { Length: > 0 } && !a.StartsWith('-')) ?? command;
        }
        catch (IOException)
        {
            return command;
        }
    }

    public static string Describe(Dictionary<string, double> before, Dictionary<string, double> after, long claims)
    {
        var rows = after
            .Select(a => (a.Key, Seconds: a.Value - before.GetValueOrDefault(a.Key)))
            .Where(r => r.Seconds > 0.005)
            .OrderByDescending(r => r.Seconds)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Seconds * 1_000_000 / claims:F0}"));
        var total = after.Sum(a => a.Value - before.GetValueOrDefault(a.Key));
        return string.Create(CultureInfo.InvariantCulture, $"CPU µs per claim: {string.Join(", ", rows)}; total {total * 1_000_000 / claims:F0}");
    }
}
