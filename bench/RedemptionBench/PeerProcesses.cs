using System.Globalization;
using Npgsql;

/// <summary>
/// CPU time of the processes a call also runs in besides this one: the PostgreSQL server (its postmaster's children:
/// every backend and background worker) and this process's redis-server. Read from /proc, so Linux only; zero elsewhere.
/// </summary>
internal sealed class PeerProcesses
{
    private readonly int _postmaster;
    private readonly int _redis;

    private PeerProcesses(int postmaster, int redis)
    {
        _postmaster = postmaster;
        _redis = redis;
    }

    public static async Task<PeerProcesses> FindAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var backend = connection.ProcessID;
        var self = Environment.ProcessId;
        var postmaster = Stats().FirstOrDefault(s => s.Pid == backend).Parent;
        var redis = Stats().FirstOrDefault(s => s.Parent == self && s.Name == "redis-server").Pid;
        return new PeerProcesses(postmaster, redis);
    }

    /// <summary>CPU seconds used so far by PostgreSQL and by Redis.</summary>
    public (double Postgres, double Redis) CpuSeconds()
    {
        double postgres = 0, redis = 0;
        foreach (var s in Stats())
        {
            if (s.Pid == _postmaster || s.Parent == _postmaster)
            {
                postgres += s.Seconds;
            }
            else if (s.Pid == _redis)
            {
                redis += s.Seconds;
            }
        }

        return (postgres, redis);
    }

    private static IEnumerable<(int Pid, int Parent, string Name, double Seconds)> Stats()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid …: the name may hold spaces and brackets, so fields count from the last ')'.
            var open = text.IndexOf('(', StringComparison.Ordinal);
            var close = text.LastIndexOf(')');
            var fields = text[(close + 2)..].Split(' ');
            yield return (pid, int.Parse(fields[1], CultureInfo.InvariantCulture), text[(open + 1)..close], OnCpuSeconds(directory, fields));
        }
    }

    // The scheduler's own count (schedstat: nanoseconds on the CPU), not stat's utime + stime: those come in ticks of
    // 10 ms per process, and a thin run of 1,500 calls spreads some 75 ms of PostgreSQL's CPU over dozens of backends, so
    // most of it fell below a tick and the thin call's PostgreSQL CPU read as nearly nothing.
    private static double OnCpuSeconds(string directory, string[] statFields)
    {
        try
        {
            var schedstat = File.ReadAllText(Path.Combine(directory, "schedstat"));
            return long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture) / 1e9;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return (long.Parse(statFields[11], CultureInfo.InvariantCulture) + long.Parse(statFields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
    }
}

/// <summary>
/// Samples what PostgreSQL's busy client backends are doing (pg_stat_activity) every few milliseconds while a phase
/// runs: on CPU (no wait event), waiting for a lock (and which statement), for the client, for I/O. A redemption that
/// queued behind one hot row or advisory lock would show as Lock waits here.
/// </summary>
internal sealed class WaitSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _counts = [];
    private readonly Task _loop;
    private int _samples;

    public WaitSampler(string connectionString) => _loop = Task.Run(() => LoopAsync(connectionString));

    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var total = Math.Max(1, _samples);
        return string.Join(", ", _counts.OrderByDescending(c => c.Value).Take(8)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {(double)c.Value / total:F2}")));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') || CASE WHEN wait_event_type = 'Lock' THEN ' [' || left(query, 40) || ']' ELSE '' END
            FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()
            """, connection);
        while (!_stop.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var key = reader.GetString(0);
                    _counts[key] = _counts.GetValueOrDefault(key) + 1;
                }
            }

            _samples++;
            try
            {
                await Task.Delay(5, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
