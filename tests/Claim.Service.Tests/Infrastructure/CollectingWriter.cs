using Grpc.Core;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>A server stream that keeps what the service wrote, for tests that call streaming adapters directly.</summary>
public sealed class CollectingWriter<T> : IServerStreamWriter<T>
{
    public List<T> Events { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message)
    {
        Events.Add(message);
        return Task.CompletedTask;
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken) => WriteAsync(message);
}
