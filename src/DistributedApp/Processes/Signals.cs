using System.Runtime.InteropServices;

namespace DistributedApp.Processes;

/// <summary>POSIX signals by number; .NET has no public API to send one to another process.</summary>
internal static partial class Signals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends a signal to one process; false when it no longer exists.</summary>
    public static bool Send(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    /// <summary>Sends a signal to every process in the group led by <paramref name="groupLeaderPid"/>.</summary>
    public static bool SendToGroup(int groupLeaderPid, int signal) => groupLeaderPid > 0 && Kill(-groupLeaderPid, signal) == 0;

    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        // A zombie still answers kill(pid, 0); /proc tells us it has finished.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName < 0 || afterName + 2 >= stat.Length || stat[afterName + 2] != 'Z';
        }
        catch (IOException)
        {
            return Kill(pid, 0) == 0 && !OperatingSystem.IsLinux();
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();
}
