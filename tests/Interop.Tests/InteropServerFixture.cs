namespace Interop.Tests;

/// <summary>One interop server per test class, on a port chosen by the server itself.</summary>
public abstract class InteropServerFixture : IAsyncLifetime
{
    private PeerProcess? server;

    protected InteropServerFixture(Implementation implementation)
    {
        Implementation = implementation;
    }

    public Implementation Implementation { get; }

    public int Port { get; private set; }

    internal PeerProcess Process => server ?? throw new InvalidOperationException("The server has not been started.");

    public async Task InitializeAsync()
    {
        server = InteropPrograms.StartServer(Implementation);
        Port = await InteropPrograms.WaitUntilListeningAsync(server);
    }

    public Task DisposeAsync()
    {
        server?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The server's output, for failure messages: a crash on the server side shows up here.</summary>
    public string Output => server?.Output ?? string.Empty;
}

public sealed class OurInteropServer() : InteropServerFixture(Implementation.Ours);

public sealed class GrpcioInteropServer() : InteropServerFixture(Implementation.Grpcio);
