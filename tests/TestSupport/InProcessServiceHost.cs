using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TestSupport;

/// <summary>
/// A service built as its Program.cs builds it, running in the test process, with an h2c channel to its gRPC endpoint.
/// Disposing closes the channel and stops the service without waiting for anything it was doing to finish.
/// </summary>
public abstract class InProcessServiceHost(WebApplication app, GrpcChannel channel) : IAsyncDisposable
{
    public GrpcChannel Channel { get; } = channel;

    /// <summary>The h2c address of the gRPC endpoint, for another service's configuration.</summary>
    public string Address => $"http://{Channel.Target}";

    public IServiceProvider Services => App.Services;

    protected WebApplication App { get; } = app;

    /// <summary>Brings the service's database to its latest migration, maps its endpoints and starts it.</summary>
    protected static async Task MigrateMapAndStartAsync<TContext>(WebApplication app, Action<WebApplication> map)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(map);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TContext>().Database.MigrateAsync();
        }

        map(app);
        await app.StartAsync();
    }

    private int _disposed;

    /// <summary>Stops the service; a second call does nothing (a test may stop a copy before its world does).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
