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
    /// Every live descendant of <paramref name="root"/>. DCP, the dashboard, the servers and the services
    /// all descend from the app host while it runs (DCP's API server is its child, the resources are DCP's
    /// children); once the app host is gone they are re-parented, which is why this is read beforehand.
    /// </summary>
    public static IReadOnlyList<ProcessIdentity> Descendants(int root)
    {
        var children = new Dictionary<int, List<ProcessIdentity>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat
                && stat.State != 'Z')
            {
                if (!children.TryGetValue(stat.Parent, out var list))
                {
                    children[stat.Parent] = list = [];
                }

                list.Add(new ProcessIdentity(pid, stat.StartTime));
            }
        }

        var result = new List<ProcessIdentity>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var child in children.GetValueOrDefault(current) ?? [])
            {
                result.Add(child);
                pending.Enqueue(child.Pid);
            }
        }

        return result;
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
