namespace DistributedApp;

/// <summary>What resources need while they are prepared, launched and probed.</summary>
internal sealed class RunContext(
    string stateDirectory,
    string configuration,
    ResourceLogStore logs,
    HttpClient http,
    TimeProvider timeProvider,
    ServerBinaries binaries)
{
    public ServerBinaries Binaries { get; } = binaries;

    public string StateDirectory { get; } = stateDirectory;

    public string Configuration { get; } = configuration;

    public ResourceLogStore Logs { get; } = logs;

    public HttpClient Http { get; } = http;

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>A resource's own directory under the state directory.</summary>
    public string ResourceDirectory(Resource resource) => Path.Combine(StateDirectory, resource.Name);

    /// <summary>A line the orchestrator writes into a resource's log (installs, builds, failures).</summary>
    public void Announce(Resource resource, string text) => Logs.Write(resource.Name, "» " + text);
}
