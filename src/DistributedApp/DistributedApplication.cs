using System.Runtime.InteropServices;
using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>
/// A built application model: starts every resource in dependency order, keeps them running (restarts
/// when configured), reports state on the console and in resources.json, and stops them all.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly Orchestrator _orchestrator;
    private readonly StateDirectory _state;
    private readonly ConsoleReporter? _console;
    private readonly ResourcesFile _resourcesFile;
    private int _disposed;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        Options = builder.Options;
        Resources = [.. builder.Resources];
        _state = StateDirectory.Open(Options.StateDirectory ?? DefaultStateDirectory(builder.AppHostDirectory), Options.ResetState);
        try
        {
            AllocatePorts(Resources, Options.AllocateFixedPortsDynamically);
            foreach (var parameter in builder.Parameters)
            {
                parameter.Initialize(_state.Path);
            }

            foreach (var resource in Resources)
            {
                resource.Initialize(_state.Path);
            }

            Notifications = new ResourceNotificationService();
            Logs = new ResourceLogStore(Path.Combine(_state.Path, "logs"), Options.TimeProvider);
            _resourcesFile = new ResourcesFile(ResourcesFilePath, Notifications, Resources, Options.TimeProvider);
            if (Options.ShowConsole)
            {
                _console = new ConsoleReporter(this);
            }

            _orchestrator = new Orchestrator(this, _state.Path);
        }
        catch
        {
            _state.Dispose();
            throw;
        }
    }

    public DistributedApplicationOptions Options { get; }

    public IReadOnlyList<Resource> Resources { get; }

    public ResourceNotificationService Notifications { get; }

    public ResourceLogStore Logs { get; }

    public string StateDirectoryPath => _state.Path;

    /// <summary>Run after everything has stopped, in order; a test harness drops its databases here.</summary>
    internal List<Func<ValueTask>> AfterStop { get; } = [];

    /// <summary>How long a test harness waits for health; null outside tests.</summary>
    internal TimeSpan? StartTimeout { get; set; }

    /// <summary>Machine-readable state of every resource, rewritten on each change.</summary>
    public string ResourcesFilePath => Path.Combine(_state.Path, "resources.json");

    public static IDistributedApplicationBuilder CreateBuilder(string[] args) =>
        CreateBuilder(new DistributedApplicationOptions { Args = args });

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DistributedApplicationBuilder(options, BuilderInterception.Current.Value);
    }

    public Resource GetResource(string name) =>
        Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))
        ?? throw new DistributedApplicationException($"There is no resource named '{name}'.");

    /// <summary>The URL of a resource's endpoint (<c>grpc</c>, <c>http</c>, <c>tcp</c>).</summary>
    public Uri GetEndpoint(string resourceName, string endpointName = ProjectResource.HttpEndpointName) =>
        GetResource(resourceName).GetEndpoint(endpointName).Url;

    public string GetConnectionString(string resourceName) =>
        GetResource(resourceName) is IResourceWithConnectionString withConnectionString
            ? withConnectionString.GetConnectionString()
            : throw new DistributedApplicationException($"Resource '{resourceName}' has no connection string.");

    /// <summary>Starts every resource; returns once they are launching (use WaitForHealthyAsync to wait for them).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _console?.Start();
        return _orchestrator.StartAsync(cancellationToken);
    }

    /// <summary>Waits until every resource is healthy; fails as soon as one ends without becoming healthy.</summary>
    public async Task WaitForHealthyAsync(CancellationToken cancellationToken = default)
    {
        foreach (var resource in Resources)
        {
            await Notifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken);
        }
    }

    /// <summary>Stops every resource, dependents first, killing what does not stop within the stop timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _orchestrator.StopAsync(cancellationToken);
        _console?.Flush();
    }

    /// <summary>Starts everything, runs until Ctrl+C / SIGTERM (or the token), then stops everything.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                _console?.Announce($"{context.Signal} received: stopping all resources (again to kill at once)");
                shutdown.Cancel();
            }
            else
            {
                _orchestrator.ForceStop();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);

        await StartAsync(shutdown.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C, SIGTERM or the caller's token: the normal way to end a run.
        }

        await StopAsync(CancellationToken.None);
    }

    public void Run() => RunAsync().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await StopAsync(CancellationToken.None);
        }
        finally
        {
            _console?.Dispose();
            _orchestrator.Dispose();
            _resourcesFile.Dispose();
            Logs.Dispose();
            _state.Dispose();
            foreach (var callback in AfterStop)
            {
                await callback();
            }
        }
    }

    internal RunContext CreateRunContext(HttpClient http) =>
        new(_state.Path, Options.Configuration ?? BuildConfiguration.OfEntryAssembly(), Logs, http, Options.TimeProvider, Options.Binaries);

    private static void AllocatePorts(IEnumerable<Resource> resources, bool replaceFixedPorts)
    {
        foreach (var endpoint in resources.SelectMany(r => r.Endpoints))
        {
            if (endpoint.IsAllocated)
            {
                continue;
            }

            endpoint.AllocatedPort = endpoint.Port is { } fixedPort && !replaceFixedPorts ? fixedPort : PortAllocator.GetFreePort();
        }
    }

    private static string DefaultStateDirectory(string appHostDirectory)
    {
        for (var directory = new DirectoryInfo(appHostDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".git")) || File.Exists(Path.Combine(directory.FullName, ".git"))
                || directory.EnumerateFiles("*.sln").Any() || directory.EnumerateFiles("*.slnx").Any())
            {
                return Path.Combine(directory.FullName, ".state");
            }
        }

        return Path.Combine(appHostDirectory, ".state");
    }
}

internal static class BuildConfiguration
{
    /// <summary>Debug or Release: build projects the way the app host itself was built.</summary>
    public static string OfEntryAssembly() => Of(System.Reflection.Assembly.GetEntryAssembly());

    public static string Of(System.Reflection.Assembly? assembly) =>
        assembly?
            .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), inherit: false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>()
            .FirstOrDefault()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : "Debug";
}
