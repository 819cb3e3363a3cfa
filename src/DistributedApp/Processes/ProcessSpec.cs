namespace DistributedApp.Processes;

/// <summary>What to launch for a resource, independent of how the launcher wraps it.</summary>
internal sealed class ProcessSpec
{
    public required string FileName { get; init; }

    public List<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public Dictionary<string, string?> Environment { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Account to run as when the orchestrator is root (PostgreSQL refuses to run as root).</summary>
    public string? RunAsUser { get; init; }

    /// <summary>The signal that asks this program for a clean, quick shutdown.</summary>
    public int StopSignal { get; init; } = Signals.SigTerm;
}
