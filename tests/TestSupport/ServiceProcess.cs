using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Grpc.Net.Client;

namespace TestSupport;

/// <summary>
/// A service of the suite as its own operating-system process: the built src/{project} assembly on the dotnet host, its
/// gRPC endpoint on a free port, configured through environment variables like the app host configures it. It can be
/// killed with SIGKILL in the middle of its work, with no chance to finish or undo anything, as a crashed or
/// OOM-killed pod is. It runs on the wall clock, not a test clock.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>An h2c channel to the gRPC endpoint; wrap it with <see cref="TestTokens.WithActorTokens"/> for tokens.</summary>
    public GrpcChannel Channel { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote, for a failure message.</summary>
    public string Tail => string.Join('\n', _output.TakeLast(40));

    /// <param name="project">The project under src/, e.g. Redemption.Service.</param>
    /// <param name="settings">Configuration keys (section:key) on top of the test endpoints and signing key.</param>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var assembly = BuiltService(project);
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        var configuration = new Dictionary<string, string?>(InProcessEndpoints.Settings(out _))
        {
            ["Kestrel:Endpoints:grpc:Url"] = address.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in configuration)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["OTEL_SDK_DISABLED"] = "true";
        return new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), address);
    }

    /// <summary>SIGKILL: the process ends at once, whatever it was doing; nothing in it runs again.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Channel.Dispose();
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>The service as the solution build left it, for the configuration these tests were built in.</summary>
    private static string BuiltService(string project)
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", project, "bin", configuration, "net10.0", project + ".dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{project} is not built for {configuration} in this checkout (build the solution first).");
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
