namespace DistributedApp;

/// <summary>Latest state of every resource, change notifications, and waiting for health.</summary>
public sealed class ResourceNotificationService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResourceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Raised after every state change, on the thread that made it; handlers must be quick.</summary>
    public event Action<ResourceSnapshot>? SnapshotChanged;

    public IReadOnlyList<ResourceSnapshot> GetSnapshots()
    {
        lock (_gate)
        {
            return [.. _snapshots.Values];
        }
    }

    public ResourceSnapshot GetSnapshot(string name)
    {
        lock (_gate)
        {
            return _snapshots.TryGetValue(name, out var snapshot)
                ? snapshot
                : throw new InvalidOperationException($"There is no resource named '{name}'.");
        }
    }

    /// <summary>Completes when the resource is healthy; fails when it ends without becoming healthy.</summary>
    public async Task<ResourceSnapshot> WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var snapshot = GetSnapshot(name);
            if (snapshot.State == ResourceState.Healthy)
            {
                return snapshot;
            }

            if (snapshot.IsTerminal)
            {
                throw new DistributedApplicationException(
                    $"Resource '{name}' ended as {snapshot.State} without becoming healthy{FormatDetail(snapshot)}.");
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes when the resource reaches <paramref name="state"/>.</summary>
    public async Task<ResourceSnapshot> WaitForResourceStateAsync(string name, ResourceState state, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var snapshot = GetSnapshot(name);
            if (snapshot.State == state)
            {
                return snapshot;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    internal void Publish(ResourceSnapshot snapshot)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (_snapshots.TryGetValue(snapshot.Name, out var previous) && previous == snapshot)
            {
                return;
            }

            _snapshots[snapshot.Name] = snapshot;
            changed = _changed;
            _changed = NewSignal();
        }

        SnapshotChanged?.Invoke(snapshot);
        changed.SetResult();
    }

    internal void Update(string name, Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        ResourceSnapshot next;
        lock (_gate)
        {
            next = change(_snapshots[name]);
        }

        Publish(next);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string FormatDetail(ResourceSnapshot snapshot) =>
        (snapshot.ExitCode, snapshot.Message) switch
        {
            (int code, string message) => $" (exit code {code}: {message})",
            (int code, null) => $" (exit code {code})",
            (null, string message) => $" ({message})",
            _ => string.Empty,
        };
}

/// <summary>Something about the application model or its resources went wrong.</summary>
public sealed class DistributedApplicationException : Exception
{
    public DistributedApplicationException()
    {
    }

    public DistributedApplicationException(string message)
        : base(message)
    {
    }

    public DistributedApplicationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
