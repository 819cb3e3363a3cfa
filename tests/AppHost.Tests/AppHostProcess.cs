using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace AppHost.Tests;

/// <summary>The app host as a separate process, the way a developer runs it, with its console captured.</summary>
internal sealed partial class AppHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _stateDirectory;

    private AppHostProcess(Process process, string stateDirectory, int gatewayPort)
    {
        _process = process;
        _stateDirectory = stateDirectory;
        GatewayPort = gatewayPort;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public int GatewayPort { get; }

    public string ResourcesFile => Path.Combine(_stateDirectory, "resources.json");

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public static AppHostProcess Start(string stateDirectory, params string[] extraArgs)
    {
        var gatewayPort = FreePort();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(AppHostAssemblyPath());
        foreach (var arg in new[] { "--state-dir", stateDirectory, "--GatewayPort", gatewayPort.ToString() }.Concat(extraArgs))
        {
            startInfo.ArgumentList.Add(arg);
        }

        // The test host's MSBuild settings would confuse the app host's own `dotnet build`.
        foreach (var name in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH" })
        {
            startInfo.Environment.Remove(name);
        }

        return new AppHostProcess(Process.Start(startInfo)!, stateDirectory, gatewayPort);
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = _lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"No matching console line within {timeout} (exited: {_process.HasExited}). Output tail:\n" + Tail(80));
    }

    public Dictionary<string, JsonElement> ReadResources()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(ResourcesFile));
                return document.RootElement.GetProperty("resources").EnumerateArray()
                    .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.Clone());
            }
            catch (Exception ex) when ((ex is IOException or JsonException) && attempt < 20)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    public string Tail(int lines) => string.Join('\n', _lines.TakeLast(lines));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // Its children carry a parent-death signal, so killing the app host takes them along.
            _ = Kill(_process.Id, 9);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    public static string AppHostAssemblyPath()
    {
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(RepositoryRoot(), "src", "AppHost", "bin", configuration, "net10.0", "AppHost.dll");
        Assert.True(File.Exists(path), $"AppHost is not built at {path}");
        return path;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Microservices.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}

internal static class ProcessTree
{
    /// <summary>Every live descendant of a process, read from /proc.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                }
                catch (IOException)
                {
                }
            }
        }

        var result = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var (pid, parent) in parents.Where(p => p.Value == current))
            {
                result.Add(pid);
                pending.Enqueue(pid);
            }
        }

        return result;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static string Describe(int pid)
    {
        try
        {
            return $"{pid} {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')}";
        }
        catch (IOException)
        {
            return pid.ToString();
        }
    }

    public static async Task<bool> AllDeadAsync(IReadOnlyCollection<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (pids.All(p => !IsAlive(p)))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return pids.All(p => !IsAlive(p));
    }
}
