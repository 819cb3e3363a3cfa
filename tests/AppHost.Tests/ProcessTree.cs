using System.Globalization;

namespace AppHost.Tests;

/// <summary>A process as /proc knows it; the start time tells a process from a later one that reuses its pid.</summary>
internal readonly record struct ProcessIdentity(int Pid, long StartTime)
{
    public override string ToString() => $"{Pid} {ProcessTree.CommandLine(Pid)}";
}

/// <summary>Process relations read from /proc (Linux only, like the app host's local servers).</summary>
internal static class ProcessTree
{
    /// <summary>
    /// Every live process of the app an app host runs: its descendants, and DCP with everything DCP started.
    /// The app host launches DCP's API server detached (<c>dcp start-apiserver --monitor PID --detach</c>), so
    /// DCP, the dashboard, the servers and the services hang under init, not under the app host; the
    /// <c>--monitor PID</c> argument is what ties them to it. Read before the app host ends: DCP goes with it.
    /// </summary>
    public static IReadOnlyList<ProcessIdentity> AppProcesses(int appHost)
    {
        var children = new Dictionary<int, List<ProcessIdentity>>();
        var roots = new List<ProcessIdentity>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ReadStat(pid) is not { } stat
                || stat.State == 'Z')
            {
                continue;
            }

            var process = new ProcessIdentity(pid, stat.StartTime);
            if (!children.TryGetValue(stat.Parent, out var siblings))
            {
                children[stat.Parent] = siblings = [];
            }

            siblings.Add(process);
            if (Monitors(pid, appHost))
            {
                roots.Add(process);
            }
        }

        var result = new List<ProcessIdentity>(roots);
        var pending = new Queue<int>(roots.Select(r => r.Pid).Prepend(appHost));
        while (pending.TryDequeue(out var current))
        {
            foreach (var child in children.GetValueOrDefault(current) ?? [])
            {
                if (!result.Contains(child))
                {
                    result.Add(child);
                    pending.Enqueue(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>The process was started with <c>--monitor {target}</c> (DCP's watch on the process that started it).</summary>
    private static bool Monitors(int pid, int target)
    {
        string[] arguments;
        try
        {
            arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var index = Array.IndexOf(arguments, "--monitor");
        return index >= 0 && index + 1 < arguments.Length && arguments[index + 1] == target.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Still running: the pid exists with the same start time and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(ProcessIdentity process) =>
        ReadStat(process.Pid) is { } stat && stat.StartTime == process.StartTime && stat.State != 'Z';

    /// <summary>Waits until none of <paramref name="processes"/> is alive; returns those still alive at the deadline.</summary>
    public static async Task<IReadOnlyList<ProcessIdentity>> WaitForAllToEndAsync(IReadOnlyCollection<ProcessIdentity> processes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alive = processes.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > deadline)
            {
                return alive;
            }

            await Task.Delay(200);
        }
    }

    public static string CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return text.Length > 160 ? text[..160] + "…" : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "(gone)";
        }
    }

    private static (char State, int Parent, long StartTime)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … starttime …": comm may hold spaces and parentheses, so split after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
