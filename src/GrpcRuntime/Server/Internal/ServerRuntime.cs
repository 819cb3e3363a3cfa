using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrpcRuntime.Server.Internal;

/// <summary>Per-application state every call handler shares.</summary>
internal sealed class ServerRuntime
{
    public ServerRuntime(TimeProvider timeProvider, ILoggerFactory loggerFactory, IHostApplicationLifetime? lifetime)
    {
        TimeProvider = timeProvider;
        Logger = loggerFactory.CreateLogger("GrpcRuntime.Server");
        Stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
    }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    /// <summary>Cancelled when the host starts shutting down; running calls end with UNAVAILABLE.</summary>
    public CancellationToken Stopping { get; }
}
