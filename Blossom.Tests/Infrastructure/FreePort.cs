using System.Net;
using System.Net.Sockets;

namespace Blossom.Tests.Infrastructure;

/// <summary>Ports for the programs tests start that cannot be told to pick one themselves.</summary>
internal static class FreePort
{
    /// <summary>A loopback port nothing listens on now (the system's pick for port 0, released at once).</summary>
    public static int OnLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
