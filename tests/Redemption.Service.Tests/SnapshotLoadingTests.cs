using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Redemption.Service.Tests.Infrastructure;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using static Redemption.Service.Tests.Infrastructure.Scenes;

namespace Redemption.Service.Tests;

/// <summary>A copy that has not received the campaigns' snapshots yet (just started, Campaign slow or away) does not call a merchant or campaign unknown.</summary>
[Collection(RedemptionCollection.Name)]
public sealed class SnapshotLoadingTests(RedemptionWorld world)
{
    [Fact]
    public async Task A_copy_still_loading_the_campaigns_answers_a_redemption_UNAVAILABLE_not_NOT_FOUND_and_reports_itself_not_ready()
    {
        await using var loading = await RedemptionHost.StartAsync(
            world,
            world.ClaimAddress,
            new Dictionary<string, string?> { ["services:campaign:grpc:0"] = $"http://127.0.0.1:{TestSupport.FreePorts.Next()}" },
            listenAddress: new Uri($"http://127.0.0.1:{TestSupport.FreePorts.Next()}"));
        var request = new RedeemRequest
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Actor = Channel(),
            MerchantId = "mch-0123456789abcdef0123456789abcdef",
            Order = new OrderDetails { OrderAmountCents = 15000, CategoryId = "supermarket" },
            VoucherId = "v-0123456789abcdef0123456789abcdef",
            Person = Person(RedemptionWorld.NextSeed()),
            AcquiringChannelId = "unionpay",
            ChannelTransactionId = "txn-" + Guid.NewGuid().ToString("N")[..12],
        };

        var refused = await Assert.ThrowsAsync<RpcException>(() => loading.Redemptions.RedeemAsync(request, deadline: RedemptionWorld.Deadline).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("retry", refused.Status.Detail, StringComparison.Ordinal);
        var health = await loading.Get<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Entries["campaign-snapshots"].Status);
    }
}
