using System.Globalization;

namespace Interop.Tests;

public enum Implementation
{
    /// <summary>tests/InteropServer and tests/InteropClient, thin programs over grpc-dotnet.</summary>
    Ours,

    /// <summary>tests/interop/*.py, on Debian's python3-grpcio.</summary>
    Grpcio,
}

/// <summary>Starts the interop programs with the command-line interface the gRPC project defines.</summary>
internal static class InteropPrograms
{
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Port 0: the server picks a free port and reports it in its "listening on" line.</summary>
    public static PeerProcess StartServer(Implementation implementation) => implementation switch
    {
        Implementation.Ours => StartDotnet("InteropServer", ["--port", "0"]),
        _ => StartPython("interop_server.py", ["--port", "0"]),
    };

    public static PeerProcess StartClient(Implementation implementation, int serverPort, string testCase)
    {
        string[] arguments =
        [
            "--server_host", "127.0.0.1",
            "--server_port", serverPort.ToString(CultureInfo.InvariantCulture),
            "--test_case", testCase,
        ];
        return implementation switch
        {
            Implementation.Ours => StartDotnet("InteropClient", arguments),
            _ => StartPython("interop_client.py", arguments),
        };
    }

    public static PeerProcess StartPython(string script, IEnumerable<string> arguments) =>
        PeerProcess.Start(
            RepositoryLayout.Python,
            [Path.Combine(RepositoryLayout.PythonInteropDirectory, script), .. arguments],
            RepositoryLayout.PythonInteropDirectory);

    private static PeerProcess StartDotnet(string project, IEnumerable<string> arguments) =>
        PeerProcess.Start(RepositoryLayout.DotnetHost, [RepositoryLayout.BuiltProgram(project), .. arguments], RepositoryLayout.Root);

    /// <summary>Waits for "listening on 127.0.0.1:PORT" and returns PORT.</summary>
    public static async Task<int> WaitUntilListeningAsync(PeerProcess server)
    {
        const string marker = "listening on 127.0.0.1:";
        var line = await server.WaitForLineAsync(l => l.Contains(marker, StringComparison.Ordinal), StartupTimeout);
        var portText = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
        return int.Parse(portText, CultureInfo.InvariantCulture);
    }
}
