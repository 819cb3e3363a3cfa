using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

namespace AppHost.Tests;

/// <summary>What a gRPC client sees of a service: its health and the services its reflection lists.</summary>
internal static class GrpcProbes
{
    private static readonly string[] Common = [Health.Descriptor.FullName, ServerReflection.Descriptor.FullName];

    /// <summary>
    /// The gRPC services each resource must list, spelled by the protos.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> ExpectedServices { get; } = new Dictionary<string, string[]>
    {
        [ResourceNames.Campaign] =
        [
            .. Common,
            CampaignService.Descriptor.FullName,
            CategoryService.Descriptor.FullName,
            AuditService.Descriptor.FullName,
            MerchantService.Descriptor.FullName,
            CampaignSnapshotService.Descriptor.FullName,
        ],
        [ResourceNames.Claim] =
        [
            .. Common,
            ClaimService.Descriptor.FullName,
            IssuanceFeedService.Descriptor.FullName,
            VoucherUsageService.Descriptor.FullName,
            ClaimAdminService.Descriptor.FullName,
        ],
        [ResourceNames.Redemption] =
        [
            .. Common,
            RedemptionService.Descriptor.FullName,
            RedemptionAdminService.Descriptor.FullName,
            RedemptionFeedService.Descriptor.FullName,
        ],
        [ResourceNames.Settlement] =
        [
            .. Common,
            SettlementService.Descriptor.FullName,
            ReconciliationService.Descriptor.FullName,
            ReportService.Descriptor.FullName,
        ],
    };

    /// <summary>
    /// grpc.health.v1 Check for the whole server. Polled: the health service reports what the checks
    /// said last, which can trail /health by a poll period right after start-up.
    /// </summary>
    public static async Task<HealthCheckResponse.Types.ServingStatus?> HealthAsync(Uri address, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new Health.HealthClient(channel);
        HealthCheckResponse.Types.ServingStatus? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                last = (await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken)).Status;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
            {
                // Not reported yet (NotFound) or the proxy not yet connected through (Unavailable).
            }

            if (last == HealthCheckResponse.Types.ServingStatus.Serving || DateTime.UtcNow > deadline)
            {
                return last;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>grpc.reflection.v1 ListServices: the fully qualified names of the services the server exposes.</summary>
    public static async Task<IReadOnlyList<string>> ListServicesAsync(Uri address, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ServerReflection.ServerReflectionClient(channel);
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty }, cancellationToken);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken), $"{address}: reflection closed without an answer");
        var response = call.ResponseStream.Current;
        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.ListServicesResponse, response.MessageResponseCase);
        return [.. response.ListServicesResponse.Service.Select(s => s.Name)];
    }

    /// <summary>Asserts Serving health and every expected service in the reflection list of <paramref name="resource"/> at <paramref name="address"/>.</summary>
    public static async Task AssertServingAsync(string resource, Uri address, CancellationToken cancellationToken)
    {
        var health = await HealthAsync(address, cancellationToken);
        Assert.True(health == HealthCheckResponse.Types.ServingStatus.Serving, $"{resource} at {address}: gRPC health {health?.ToString() ?? "never answered"}");
        var listed = await ListServicesAsync(address, cancellationToken);
        foreach (var expected in ExpectedServices[resource])
        {
            Assert.True(listed.Contains(expected), $"{resource} at {address} does not list {expected} (lists: {string.Join(", ", listed)})");
        }
    }
}
