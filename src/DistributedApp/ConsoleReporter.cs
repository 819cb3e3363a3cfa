using System.Globalization;
using System.Text;

namespace DistributedApp;

/// <summary>
/// The orchestrator's console: every resource's log lines with a coloured name prefix, a table of
/// resources re-printed when states change, failures with exit code and the last log lines, and the
/// entry-point URLs once everything is healthy.
/// </summary>
internal sealed class ConsoleReporter : IDisposable
{
    private const int FailureTailLines = 12;
    private static readonly string[] Palette = ["36", "35", "33", "32", "34", "96", "95", "93", "92", "94", "37"];
    private static readonly TimeSpan TableDelay = TimeSpan.FromMilliseconds(300);

    private readonly DistributedApplication _app;
    private readonly Lock _gate = new();
    private readonly bool _colour;
    private readonly Dictionary<string, string> _colours = new(StringComparer.Ordinal);
    private readonly int _nameWidth;
    private readonly ITimer _tableTimer;
    private string _lastTable = string.Empty;
    private bool _allHealthyAnnounced;
    private bool _disposed;

    public ConsoleReporter(DistributedApplication app)
    {
        _app = app;
        _colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        var names = app.Resources.Select(r => r.Name).Append("build").Append("apphost").ToList();
        _nameWidth = names.Max(n => n.Length);
        for (var i = 0; i < names.Count; i++)
        {
            _colours[names[i]] = Palette[i % Palette.Length];
        }

        _tableTimer = app.Options.TimeProvider.CreateTimer(_ => PrintTableIfChanged(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start()
    {
        _app.Logs.LineWritten += OnLine;
        _app.Notifications.SnapshotChanged += OnSnapshot;
        Announce($"state directory {_app.StateDirectoryPath}; resources.json there is kept up to date");
    }

    public void Announce(string text) => WriteLine(Prefix("apphost") + text);

    public void Flush() => PrintTableIfChanged();

    public void Dispose()
    {
        _app.Logs.LineWritten -= OnLine;
        _app.Notifications.SnapshotChanged -= OnSnapshot;
        _tableTimer.Dispose();
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private void OnLine(LogLine line) =>
        WriteLine(Prefix(line.Resource) + (line.IsError && _colour ? $"\u001b[31m{line.Text}\u001b[0m" : line.Text));

    private void OnSnapshot(ResourceSnapshot snapshot)
    {
        if (snapshot.State is ResourceState.Restarting or ResourceState.Exited or ResourceState.FailedToStart)
        {
            PrintFailure(snapshot);
        }

        _tableTimer.Change(TableDelay, Timeout.InfiniteTimeSpan);
    }

    private void PrintFailure(ResourceSnapshot snapshot)
    {
        var text = new StringBuilder();
        var headline = snapshot.ExitCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"✖ {snapshot.Name} exited with code {code}")
            : $"✖ {snapshot.Name} failed to start";
        text.Append(Paint("31;1", headline));
        if (snapshot.Message is { } message)
        {
            text.Append(" — ").Append(message);
        }

        text.Append('\n');
        var tail = _app.Logs.GetRecent(snapshot.Name, FailureTailLines);
        if (tail.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  last {tail.Count} log lines of {snapshot.Name}:\n");
            foreach (var line in tail)
            {
                text.Append("  │ ").Append(line.Text).Append('\n');
            }
        }

        WriteLine(text.ToString().TrimEnd('\n'));
    }

    private void PrintTableIfChanged()
    {
        var snapshots = _app.Notifications.GetSnapshots().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var rows = _app.Resources.Where(r => snapshots.ContainsKey(r.Name)).Select(r => snapshots[r.Name]).ToList();
        var table = RenderTable(rows);
        var allHealthy = rows.Count > 0 && rows.All(s => s.State == ResourceState.Healthy);
        lock (_gate)
        {
            if (_disposed || table == _lastTable)
            {
                return;
            }

            _lastTable = table;
        }

        WriteLine(table);
        if (allHealthy && !_allHealthyAnnounced)
        {
            _allHealthyAnnounced = true;
            var entry = new StringBuilder(Paint("32;1", string.Create(CultureInfo.InvariantCulture, $"✔ all {rows.Count} resources healthy")));
            foreach (var resource in _app.Resources.Where(r => r.HasExternalHttpEndpoints))
            {
                if (resource.FindEndpoint(ProjectResource.HttpEndpointName) is { } http)
                {
                    entry.Append(CultureInfo.InvariantCulture, $"\n  {resource.Name}: {http.UrlString}");
                }
            }

            entry.Append(CultureInfo.InvariantCulture, $"\n  resources: {_app.ResourcesFilePath}\n  press Ctrl+C to stop");
            WriteLine(entry.ToString());
        }
        else if (!allHealthy)
        {
            _allHealthyAnnounced = false;
        }
    }

    private string RenderTable(List<ResourceSnapshot> rows)
    {
        var header = new[] { "RESOURCE", "KIND", "STATE", "PID", "ENDPOINTS" };
        var cells = rows.Select(s => new[]
        {
            s.Name,
            s.Kind,
            s.State.ToString() + (s.Restarts > 0 ? string.Create(CultureInfo.InvariantCulture, $" (restarts: {s.Restarts})") : string.Empty),
            s.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",
            s.Endpoints.Count == 0 ? "-" : string.Join("  ", s.Endpoints.Select(e => $"{e.Key}={e.Value}")),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length)
            .Select(i => cells.Select(c => c[i].Length).Append(header[i].Length).Max())
            .ToArray();

        var text = new StringBuilder();
        AppendRow(text, header, widths, "1");
        for (var i = 0; i < cells.Count; i++)
        {
            AppendRow(text, cells[i], widths, StateColour(rows[i].State));
        }

        return text.ToString().TrimEnd('\n');
    }

    private void AppendRow(StringBuilder text, string[] cells, int[] widths, string colour)
    {
        text.Append("  ");
        for (var i = 0; i < cells.Length; i++)
        {
            var cell = i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2);
            text.Append(i == 2 ? Paint(colour, cell) : cell);
        }

        text.Append('\n');
    }

    private static string StateColour(ResourceState state) => state switch
    {
        ResourceState.Healthy => "32",
        ResourceState.Exited or ResourceState.FailedToStart or ResourceState.Unhealthy => "31",
        ResourceState.Stopped or ResourceState.NotStarted => "90",
        _ => "33",
    };

    private string Prefix(string resource)
    {
        var name = resource.PadRight(_nameWidth);
        return _colours.TryGetValue(resource, out var colour) ? Paint(colour, name) + " │ " : name + " │ ";
    }

    private string Paint(string colour, string text) => _colour ? $"\u001b[{colour}m{text}\u001b[0m" : text;

    private void WriteLine(string text)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                Console.Out.WriteLine(text);
            }
        }
    }
}
