namespace DistributedApp;

/// <summary>One line a resource (or the orchestrator on its behalf) wrote.</summary>
public sealed record LogLine(string Resource, string Text, bool IsError, DateTimeOffset Timestamp);

/// <summary>
/// Keeps the recent output of every resource in memory (for failure reports and tests) and the full
/// output in state/logs/{name}.log (for after the fact).
/// </summary>
public sealed class ResourceLogStore : IDisposable
{
    private const int LinesKept = 400;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<LogLine>> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamWriter> _files = new(StringComparer.Ordinal);
    private readonly string? _directory;
    private readonly TimeProvider _timeProvider;

    internal ResourceLogStore(string? directory, TimeProvider timeProvider)
    {
        _directory = directory;
        _timeProvider = timeProvider;
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>Raised for every line, on the thread that read it; handlers must be quick.</summary>
    public event Action<LogLine>? LineWritten;

    public IReadOnlyList<LogLine> GetRecent(string resource, int maxLines = LinesKept)
    {
        lock (_gate)
        {
            return _recent.TryGetValue(resource, out var lines) ? [.. lines.TakeLast(maxLines)] : [];
        }
    }

    internal void Write(string resource, string text, bool isError = false)
    {
        var line = new LogLine(resource, text, isError, _timeProvider.GetUtcNow());
        lock (_gate)
        {
            if (!_recent.TryGetValue(resource, out var lines))
            {
                lines = new Queue<LogLine>();
                _recent[resource] = lines;
            }

            lines.Enqueue(line);
            while (lines.Count > LinesKept)
            {
                lines.Dequeue();
            }

            if (_directory is not null)
            {
                if (!_files.TryGetValue(resource, out var file))
                {
                    file = new StreamWriter(Path.Combine(_directory, resource + ".log"), append: false) { AutoFlush = true };
                    _files[resource] = file;
                }

                file.WriteLine($"{line.Timestamp:O} {(isError ? "ERR" : "OUT")} {text}");
            }
        }

        LineWritten?.Invoke(line);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
        }
    }
}
