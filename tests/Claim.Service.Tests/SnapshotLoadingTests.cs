using Claim.Service.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TestSupport;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests;

/// <summary>A copy that has not received the campaigns' snapshots yet (just started, Campaign slow or away) does not call a campaign unknown.</summary>
[Collection(ClaimCollection.Name)]
public sealed class SnapshotLoadingTests(ClaimFixture fixture)
{
    [Fact]
    public async Task A_copy_still_loading_the_campaigns_answers_a_claim_UNAVAILABLE_not_NOT_FOUND_and_reports_itself_not_ready()
    {
        await fixture.ResetAsync(Opens);
        var campaignAway = $"http://127.0.0.1:{FreePorts.Next()}";
        var (app, address) = await InProcessClaimService.StartAsync(fixture, new TestClock(Opens), "snapshot-loading-identity-secret", new Dictionary<string, string?>
        {
            ["services:campaign:grpc:0"] = campaignAway,
        });
        try
        {
            using var channel = GrpcChannel.ForAddress(address);
            var claims = new ClaimService.ClaimServiceClient(channel.WithActorTokens());
            var request = new ClaimVoucherRequest
            {
                RequestId = Guid.NewGuid().ToString(),
                CampaignId = "cmp-0123456789abcdef0123456789abcdef",
                TierId = "t-20",
                Person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = "u-1", Phone = "13800000001" },
            };

            var refused = await Assert.ThrowsAsync<RpcException>(() => claims.ClaimVoucherAsync(request).ResponseAsync);

            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.Contains("retry", refused.Status.Detail, StringComparison.Ordinal);
            var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Degraded, health.Entries["campaign-snapshots"].Status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
