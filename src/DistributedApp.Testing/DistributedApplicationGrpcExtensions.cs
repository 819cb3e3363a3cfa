using Grpc.Core;
using Grpc.Net.Client;

namespace DistributedApp.Testing;

/// <summary>Typed gRPC clients for a resource's <c>grpc</c> endpoint (h2c), over Grpc.Net.Client.</summary>
public static class DistributedApplicationGrpcExtensions
{
    public const string GrpcEndpointName = "grpc";

    /// <summary>A channel to the resource's gRPC endpoint; the caller disposes it.</summary>
    public static GrpcChannel CreateGrpcChannel(this DistributedApplication app, string resourceName, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        return GrpcChannel.ForAddress(app.GetEndpoint(resourceName, GrpcEndpointName), options ?? new GrpcChannelOptions());
    }

    /// <summary>A generated client (e.g. <c>ClaimService.ClaimServiceClient</c>) over <paramref name="channel"/>.</summary>
    public static TClient CreateGrpcClient<TClient>(this GrpcChannel channel)
        where TClient : ClientBase
    {
        ArgumentNullException.ThrowIfNull(channel);
        return (TClient)(Activator.CreateInstance(typeof(TClient), (ChannelBase)channel)
            ?? throw new InvalidOperationException($"{typeof(TClient).Name} has no constructor taking a channel."));
    }
}
