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
}
