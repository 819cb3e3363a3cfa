namespace Interop.Tests;

/// <summary>
/// The 18 interop cases of the gRPC project's interop test descriptions, each run by the client
/// program of one implementation against the server program of another.
/// </summary>
public abstract class InteropPairingTests
{
    private readonly InteropServerFixture server;
    private readonly Implementation client;

    protected InteropPairingTests(InteropServerFixture server, Implementation client)
    {
        this.server = server;
        this.client = client;
    }

    public static TheoryData<string> Cases =>
    [
        "empty_unary",
        "large_unary",
        "client_compressed_unary",
        "server_compressed_unary",
        "client_streaming",
        "client_compressed_streaming",
        "server_streaming",
        "server_compressed_streaming",
        "ping_pong",
        "empty_stream",
        "cancel_after_begin",
        "cancel_after_first_response",
        "timeout_on_sleeping_server",
        "custom_metadata",
        "status_code_and_message",
        "special_status_message",
        "unimplemented_method",
        "unimplemented_service",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Interop_case_passes(string testCase)
    {
        using var run = InteropPrograms.StartClient(client, server.Port, testCase);
        var exitCode = await run.WaitForExitAsync(InteropPrograms.ClientTimeout);

        Assert.True(
            exitCode == 0,
            $"{client} client, case {testCase}, against the {server.Implementation} server exited with {exitCode}:\n{run.Output}\n--- server output ---\n{server.Output}");
    }
}

public sealed class OurClientToOurServer(OurInteropServer server)
    : InteropPairingTests(server, Implementation.Ours), IClassFixture<OurInteropServer>;

public sealed class GrpcioClientToOurServer(OurInteropServer server)
    : InteropPairingTests(server, Implementation.Grpcio), IClassFixture<OurInteropServer>;

public sealed class OurClientToGrpcioServer(GrpcioInteropServer server)
    : InteropPairingTests(server, Implementation.Ours), IClassFixture<GrpcioInteropServer>;

/// <summary>The reference pairing: proves the Python programs themselves implement the cases right,
/// so a failure in a cross pairing points at our side.</summary>
public sealed class GrpcioClientToGrpcioServer(GrpcioInteropServer server)
    : InteropPairingTests(server, Implementation.Grpcio), IClassFixture<GrpcioInteropServer>;
