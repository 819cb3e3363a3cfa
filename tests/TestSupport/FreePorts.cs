using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// A loopback port nobody listens on at the moment of asking, for a server the caller starts soon after. It is taken
/// below the kernel's ephemeral range (ip_local_port_range), never from it: a port the OS hands out for port 0 is also
/// the kind it hands to every outgoing connection as its local port, and a test world opens hundreds of those
/// (PostgreSQL, Redis, gRPC) between asking and binding. One of them took a Redemption test server's port in a CI run,
/// and the whole test class failed with "address already in use".
/// </summary>
public static class FreePorts
{
    private const int LowestPort = 10_000;
    private const int DefaultEphemeralStart = 32_768;

    public static int Next()
    {
        var below = EphemeralRangeStart();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, below);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Someone listens there already: draw again.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {LowestPort} and {below} after 200 draws");
    }

    private static int EphemeralRangeStart()
    {
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(Range)
            && int.TryParse(File.ReadAllText(Range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture, out var start)
            && start > LowestPort + 1_000)
        {
            return start;
        }

        return DefaultEphemeralStart;
    }

    /// <summary>
    /// A loopback port held until disposed, for a server that must be known by address before it can start (the
    /// gateway, whose address the services it fronts are configured with): while held, no other bind to port 0 gets it.
    /// </summary>
    public static PortReservation Reserve() => new();

    public sealed class PortReservation : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        internal PortReservation()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public void Dispose() => _listener.Dispose();
    }
}
