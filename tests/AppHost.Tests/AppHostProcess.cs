using TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AppHost.Tests;

/// <summary>
/// The built app host started as <c>dotnet run --project src/AppHost</c> starts it (launch profile
/// environment, the project folder as working directory), isolated from a developer's app host on the
/// same machine: its own state folder, and no fixed port of its own.
/// </summary>
internal sealed partial class AppHostProcess : IDisposable
{
    private const string LaunchProfile = "http";

    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();
    private readonly string logName;

    private AppHostProcess(Process process, string stateDirectory, string logName)
    {
        this.process = process;
        this.logName = logName;
        ResourcesFile = Path.Combine(stateDirectory, "resources.json");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    public string ResourcesFile { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts the app host over <paramref name="stateDirectory"/>; its console goes to artifacts/test-results/{logName}.log when disposed.</summary>
    public static AppHostProcess Start(string stateDirectory, string logName)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repository.AppHostDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Repository.AppHostAssembly);
        start.ArgumentList.Add($"--StateDirectory={stateDirectory}");
        // The services' Kestrel endpoints (7101, 7102, …, 8080 in their appsettings) become fixed DCP proxy
        // ports, and so do the dashboard's and the gateway's: a second app host next to a developer's would
        // fail to bind them. RandomizePorts (what `aspire run --isolated` sets) gives every proxied endpoint a
        // free port instead; the tests read the ports from resources.json and the ready line.
        start.ArgumentList.Add("--DcpPublisher:RandomizePorts=true");

        foreach (var (name, value) in LaunchProfileEnvironment())
        {
            start.Environment[name] = value;
        }

        return new AppHostProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), stateDirectory, logName);
    }

    /// <summary>
    /// What <c>dotnet run</c> puts in the environment from Properties/launchSettings.json, except that each
    /// loopback address gets a free port: the resource service (18887) is the app host's own listener, which
    /// RandomizePorts does not move.
    /// </summary>
    private static Dictionary<string, string> LaunchProfileEnvironment()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.AppHostDirectory, "Properties", "launchSettings.json")));
        var profile = settings.RootElement.GetProperty("profiles").GetProperty(LaunchProfile);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_LAUNCH_PROFILE"] = LaunchProfile };
        if (profile.TryGetProperty("applicationUrl", out var urls))
        {
            environment["ASPNETCORE_URLS"] = urls.GetString()!;
        }

        foreach (var variable in profile.GetProperty("environmentVariables").EnumerateObject())
        {
            environment[variable.Name] = variable.Value.GetString()!;
        }

        foreach (var (name, value) in environment.ToList())
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsLoopback && !uri.IsDefaultPort)
            {
                environment[name] = new UriBuilder(uri) { Port = FreePorts.Next() }.Uri.GetLeftPart(UriPartial.Authority);
            }
        }

        return environment;
    }

    /// <summary>The first console line matching <paramref name="pattern"/>; fails with the console's tail when the app host exits or time runs out.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var line in lines)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match;
                }
            }

            if (process.HasExited)
            {
                Assert.Fail($"The app host exited ({process.ExitCode}) before printing /{pattern}/:\n{Tail(60)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No line /{pattern}/ within {timeout}:\n{Tail(60)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>resources.json as the app host last wrote it (it replaces the file whole, so a read never sees half of it).</summary>
    public IReadOnlyList<ResourceEntry> ReadResources()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ResourcesFile));
        return document.RootElement.GetProperty("resources").Deserialize<List<ResourceEntry>>(ResourceEntry.Json)!;
    }

    public void Signal(int signal) =>
        Assert.True(Kill(process.Id, signal) == 0, $"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public string Tail(int count) => string.Join('\n', lines.TakeLast(count));

    public void Dispose()
    {
        if (!process.HasExited)
        {
            // A failed test: DCP notices the app host is gone and stops what it started.
            process.Kill();
            process.WaitForExit(10_000);
        }

        process.WaitForExit();
        File.WriteAllLines(Path.Combine(Repository.TestResults, logName + ".log"), lines);
        process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>One resource instance in resources.json.</summary>
internal sealed record ResourceEntry(string Name, string Instance, string Type, string State, string? Health, int? Pid, IReadOnlyList<EndpointEntry> Endpoints)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri Endpoint(string name) =>
        Endpoints.FirstOrDefault(e => e.Name == name) is { } endpoint
            ? new Uri(endpoint.Url)
            : throw new Xunit.Sdk.XunitException($"{Instance} has no endpoint '{name}' (has: {string.Join(", ", Endpoints.Select(e => e.Name))})");

    public override string ToString() =>
        $"{Instance} {Type} {State}/{Health} pid {Pid?.ToString(CultureInfo.InvariantCulture) ?? "-"} {string.Join(' ', Endpoints.Select(e => e.Url))}";
}

internal sealed record EndpointEntry(string Name, string Url, bool Internal);
