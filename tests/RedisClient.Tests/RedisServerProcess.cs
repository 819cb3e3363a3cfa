using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RedisClient.Tests;

/// <summary>
/// A real redis-server child process on a free loopback port, with its own temporary directory.
/// It can be killed and started again on the same port to simulate an outage.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private Process? _process;

    private RedisServerProcess(string executable, int port, string directory, string[] extraArguments)
    {
        Executable = executable;
        Port = port;
        Directory = directory;
        _extraArguments = extraArguments;
    }

    public string Executable { get; }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync(params string[] extraArguments)
    {
        var executable = FindExecutable("redis-server") ?? throw new InvalidOperationException(
            "redis-server was not found on PATH. Install it with `bash eng/install-prereqs.sh` (Debian package redis-server).");
        var directory = Path.Combine(Path.GetTempPath(), "redis-client-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServerProcess(executable, FreePort(), directory, extraArguments);
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // Another process took the port between probing and binding; pick another.
                server.Kill();
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the server (again) on the same port and waits until it accepts commands.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", Directory, "--logfile", Path.Combine(Directory, "redis.log"), "--daemonize", "no",
                 }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                var log = File.Exists(Path.Combine(Directory, "redis.log")) ? await File.ReadAllTextAsync(Path.Combine(Directory, "redis.log")) : "";
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}: {log}");
            }

            if (await AnswersAsync())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException($"redis-server on port {Port} did not become ready within 30 s.");
    }

    /// <summary>SIGKILL: the server vanishes without closing anything politely.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var read = await stream.ReadAsync(buffer, cancel.Token);

            // NOAUTH also proves the server is up: it is the reply of a password-protected server.
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG") || reply.StartsWith("-NOAUTH");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string? FindExecutable(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Concat(["/usr/bin", "/usr/local/bin"]))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>One redis-server shared by the tests of the "redis" collection, flushed before each test.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh connection to an empty server (FLUSHALL, scripts flushed).</summary>
    public async Task<RedisConnection> ConnectCleanAsync(string extraOptions = "")
    {
        var connection = await RedisConnection.ConnectAsync(ConnectionString(extraOptions));
        await connection.GetDatabase().ExecuteAsync("FLUSHALL");
        await connection.GetDatabase().ExecuteAsync("SCRIPT", "FLUSH");
        return connection;
    }

    public string ConnectionString(string extraOptions = "") =>
        extraOptions.Length == 0 ? Server.EndPoint : $"{Server.EndPoint},{extraOptions}";
}

[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;
