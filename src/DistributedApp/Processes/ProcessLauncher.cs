using System.Collections.Concurrent;
using System.Diagnostics;

namespace DistributedApp.Processes;

/// <summary>
/// Starts child processes so that none outlives the orchestrator: each child gets its own session and
/// process group (so Ctrl+C in the terminal reaches only the orchestrator, which stops children in
/// dependency order, and a whole tree can be killed at once), and a parent-death signal (SIGKILL) so
/// they die even when the orchestrator itself is SIGKILLed or crashes.
/// </summary>
internal static class ProcessLauncher
{
    // The kernel sends the parent-death signal when the *thread* that forked the child exits, not the
    // process. Thread-pool threads come and go, so every fork happens on this one long-lived thread.
    private static readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> Requests = [];
    private static readonly Lazy<Thread> SpawnerThread = new(StartSpawnerThread);
    private static readonly Lazy<string?> SetprivPath = new(() => FindOnPath("setpriv"));
    private static readonly Lazy<string?> SetsidPath = new(() => FindOnPath("setsid"));

    public static bool IsRoot => OperatingSystem.IsLinux() && Signals.GetEffectiveUserId() == 0;

    /// <summary>True when children are guaranteed to die with the orchestrator.</summary>
    public static bool IsContained => OperatingSystem.IsLinux() && SetprivPath.Value is not null && SetsidPath.Value is not null;

    public static Task<Process> StartAsync(ProcessSpec spec, Action<string> onOutputLine, Action<string> onErrorLine)
    {
        var startInfo = CreateStartInfo(spec);
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = SpawnerThread.Value;
        Requests.Add((startInfo, started));
        return AttachOutputAsync(started.Task, onOutputLine, onErrorLine);
    }

    private static async Task<Process> AttachOutputAsync(Task<Process> started, Action<string> onOutputLine, Action<string> onErrorLine)
    {
        var process = await started;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onOutputLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onErrorLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static ProcessStartInfo CreateStartInfo(ProcessSpec spec)
    {
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };

        if (IsContained)
        {
            startInfo.FileName = SetprivPath.Value!;
            startInfo.ArgumentList.Add("--pdeathsig");
            startInfo.ArgumentList.Add("KILL");
            if (spec.RunAsUser is { } user && IsRoot)
            {
                startInfo.ArgumentList.Add($"--reuid={user}");
                startInfo.ArgumentList.Add($"--regid={user}");
                startInfo.ArgumentList.Add("--init-groups");
            }

            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(SetsidPath.Value!);
            startInfo.ArgumentList.Add(spec.FileName);
        }
        else
        {
            startInfo.FileName = spec.FileName;
        }

        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

    private static Thread StartSpawnerThread()
    {
        var thread = new Thread(SpawnLoop) { IsBackground = true, Name = "DistributedApp process spawner" };
        thread.Start();
        return thread;
    }

    private static void SpawnLoop()
    {
        foreach (var (startInfo, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
                process.Start();
                // Nothing is ever written to children; closing stdin keeps them from waiting on a terminal.
                process.StandardInput.Close();
                started.SetResult(process);
            }
#pragma warning disable CA1031 // The failure belongs to the caller waiting on this start, whatever it is.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                started.SetException(ex);
            }
        }
    }

    internal static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var directory in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
