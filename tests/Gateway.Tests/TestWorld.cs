namespace Gateway.Tests;

/// <summary>A fixture that starts several hosts; a start that fails stops what did start (xunit does not dispose a fixture whose start failed).</summary>
public abstract class TestWorld : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        try
        {
            await StartAllAsync();
        }
        catch
        {
            // Redis servers, PostgreSQL databases and hosts would otherwise outlive the failed run.
            await DisposeAsync();
            throw;
        }
    }

    protected abstract Task StartAllAsync();

    public abstract Task DisposeAsync();
}
