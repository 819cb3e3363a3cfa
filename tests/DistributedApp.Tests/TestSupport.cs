using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace DistributedApp.Tests;

/// <summary>Small helpers the tests share: a throw-away directory, raw Redis commands, process trees.</summary>
internal static class TestSupport
{
    public static string NewTempDirectory() => Directory.CreateTempSubdirectory("distributedapp-tests-").FullName;

    public static DistributedApplicationOptions Options(string stateDirectory, params string[] args) => new()
    {
        Args = args,
        StateDirectory = stateDirectory,
        ShowConsole = false,
        BuildProjects = false,
        AppHostDirectory = stateDirectory,
    };

    public static async Task StartHealthyAsync(DistributedApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(timeout.Token);
        try
        {
            await app.WaitForHealthyAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DistributedApplicationException)
        {
            var detail = string.Join('\n', app.Notifications.GetSnapshots().Select(s =>
                $"{s.Name}: {s.State} {s.Message}\n  " + string.Join("\n  ", app.Logs.GetRecent(s.Name, 15).Select(l => l.Text))));
            throw new Xunit.Sdk.XunitException("Not healthy:\n" + detail);
        }
    }

    /// <summary>Sends one command over RESP and returns the raw reply text.</summary>
    public static async Task<string> RedisAsync(string connectionString, params string[] command)
    {
        var separator = connectionString.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(connectionString[..separator], int.Parse(connectionString[(separator + 1)..]));
        var stream = client.GetStream();
        var request = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var part in command)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Every live descendant of a process (children, grandchildren...), read from /proc.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
            }
            catch (IOException)
            {
            }
        }

        var result = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var (pid, parent) in parents)
            {
                if (parent == current)
                {
                    result.Add(pid);
                    pending.Enqueue(pid);
                }
            }
        }

        return result;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition();
    }
}
