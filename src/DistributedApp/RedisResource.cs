using System.Globalization;
using System.Net.Sockets;
using System.Text;
using DistributedApp.Processes;

namespace DistributedApp;

/// <summary>
/// A Redis server on a free loopback port with its files in state/{name}: append-only file on
/// (fsync every second, so an acknowledged write survives a restart), RDB snapshots off.
/// </summary>
public sealed class RedisResource : Resource, IResourceWithConnectionString
{
    public const string TcpEndpointName = "tcp";
    private string? _serverPath;

    public RedisResource(string name, int? port)
        : base(name)
    {
        AddEndpoint(new EndpointAnnotation(TcpEndpointName, EndpointProtocol.Tcp, port, environmentVariable: null));
    }

    public override string Kind => "redis";

    /// <summary>host:port, the form Redis clients take.</summary>
    public string GetConnectionString() => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{GetEndpoint(TcpEndpointName).AllocatedPort}");

    internal override async Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        _serverPath = await context.Binaries.GetRedisServerAsync(this, context, cancellationToken);
        Directory.CreateDirectory(context.ResourceDirectory(this));
    }

    internal override ProcessSpec? CreateProcess(RunContext context)
    {
        var spec = new ProcessSpec
        {
            FileName = _serverPath!,
            WorkingDirectory = context.ResourceDirectory(this),
            StopSignal = Signals.SigTerm,
            Arguments =
            {
                "--bind", "127.0.0.1",
                "--port", GetEndpoint(TcpEndpointName).AllocatedPort.ToString(CultureInfo.InvariantCulture),
                "--dir", context.ResourceDirectory(this),
                "--daemonize", "no",
                "--logfile", string.Empty,
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--save", string.Empty,
            },
        };

        foreach (var (name, value) in BuildEnvironment())
        {
            spec.Environment[name] = value;
        }

        return spec;
    }

    internal override async Task<bool> CheckHealthAsync(RunContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", GetEndpoint(TcpEndpointName).AllocatedPort, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            // While loading the AOF Redis answers -LOADING; only +PONG means it serves commands.
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
