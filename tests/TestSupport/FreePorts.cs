using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>A loopback port nobody listens on at the moment of asking (the OS picks it; the caller binds it soon after).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
