namespace DistributedApp;

/// <summary>Where a resource is in its life; the console and resources.json show these names.</summary>
public enum ResourceState
{
    NotStarted,
    Waiting,
    Building,
    Starting,
    Running,
    Healthy,
    Unhealthy,
    Restarting,
    Exited,
    FailedToStart,
    Stopping,
    Stopped,
}

/// <summary>An immutable view of one resource at one moment.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    ResourceState State,
    int? Pid,
    IReadOnlyDictionary<string, string> Endpoints,
    int? ExitCode,
    int Restarts,
    string? Message)
{
    /// <summary>True when nothing will change this resource's state any more until the app is restarted.</summary>
    public bool IsTerminal => State is ResourceState.Exited or ResourceState.FailedToStart or ResourceState.Stopped;
}
