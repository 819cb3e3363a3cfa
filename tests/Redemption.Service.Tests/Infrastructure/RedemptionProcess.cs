using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Grpc.Net.Client;
using TestSupport;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Tests.Infrastructure;

/// <summary>
/// The Redemption service as its own operating-system process (the built Redemption.Service.dll on the dotnet host),
/// configured like the world's in-process copy: a copy that can be killed with SIGKILL in the middle of its work, with
/// no chance to finish or undo anything, as a crashed or OOM-killed pod is. It runs on the wall clock, not the world's.
/// </summary>
public sealed class RedemptionProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly GrpcChannel _channel;

    private RedemptionProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _channel = GrpcChannel.ForAddress(address);
        Redemptions = new RedemptionService.RedemptionServiceClient(_channel.WithActorTokens());
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public RedemptionService.RedemptionServiceClient Redemptions { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote, for a failure message.</summary>
    public string Tail => string.Join('\n', _output.TakeLast(40));

    /// <summary>Starts a copy on a fresh port against the world's databases and services, with short leases so recovery runs within seconds.</summary>
    public static RedemptionProcess Start(RedemptionWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var assembly = BuiltService();
        var address = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        var settings = new Dictionary<string, string?>(InProcessEndpoints.Settings(out _))
        {
            ["Kestrel:Endpoints:grpc:Url"] = address.ToString(),
            ["ConnectionStrings:redemptiondb"] = world.RedemptionDb.ConnectionString,
            ["services:campaign:grpc:0"] = world.Campaign.Address,
            ["services:claim:grpc:0"] = world.ClaimAddress,
            ["services:settlement:grpc:0"] = world.SettlementAddress,
            ["Redemption:IdentitySecret"] = RedemptionWorld.IdentitySecret,
            ["Redemption:LockTtl"] = "00:00:30",
            ["Redemption:AttemptLease"] = "00:00:03",
            ["Redemption:RecoveryInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["OTEL_SDK_DISABLED"] = "true";
        return new RedemptionProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), address);
    }

    /// <summary>SIGKILL: the process ends at once, whatever it was doing; nothing in it runs again.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        _channel.Dispose();
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
    private static string BuiltService()
    {
        var configuration = typeof(RedemptionProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "Redemption.Service", "bin", configuration, "net10.0", "Redemption.Service.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Redemption.Service is not built for {configuration} in this checkout (build the solution first).");
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
