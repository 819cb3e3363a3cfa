using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistributedApp;

/// <summary>
/// state/resources.json: every resource's name, kind, state, pid, endpoints by name and connection
/// string, rewritten atomically (write + rename) on each change, for scripts and tools.
/// </summary>
internal sealed class ResourcesFile : IDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string _path;
    private readonly ResourceNotificationService _notifications;
    private readonly IReadOnlyList<Resource> _resources;
    private readonly DateTimeOffset _startedAt;
    private readonly Lock _gate = new();
    private bool _disposed;

    public ResourcesFile(string path, ResourceNotificationService notifications, IReadOnlyList<Resource> resources, TimeProvider timeProvider)
    {
        _path = path;
        _notifications = notifications;
        _resources = resources;
        _startedAt = timeProvider.GetUtcNow();
        notifications.SnapshotChanged += OnChanged;
    }

    public void Dispose()
    {
        _notifications.SnapshotChanged -= OnChanged;
        lock (_gate)
        {
            Write();
            _disposed = true;
        }
    }

    private void OnChanged(ResourceSnapshot snapshot)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                Write();
            }
        }
    }

    private void Write()
    {
        var snapshots = _notifications.GetSnapshots().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var document = new ResourcesDocument(
            Environment.ProcessId,
            _startedAt,
            [.. _resources.Where(r => snapshots.ContainsKey(r.Name)).Select(r =>
            {
                var s = snapshots[r.Name];
                return new ResourceEntry(
                    s.Name, s.Kind, s.State, s.Pid, s.Endpoints, s.ExitCode, s.Restarts, s.Message,
                    r is IResourceWithConnectionString withConnection ? withConnection.GetConnectionString() : null);
            })]);
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(document, JsonOptions));
        File.Move(temporary, _path, overwrite: true);
    }

    private sealed record ResourcesDocument(int AppHostPid, DateTimeOffset StartedAt, IReadOnlyList<ResourceEntry> Resources);

    private sealed record ResourceEntry(
        string Name,
        string Kind,
        ResourceState State,
        int? Pid,
        IReadOnlyDictionary<string, string> Endpoints,
        int? ExitCode,
        int Restarts,
        string? Message,
        string? ConnectionString);
}
