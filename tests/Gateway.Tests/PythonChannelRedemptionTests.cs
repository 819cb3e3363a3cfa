using Campaign.Service.Tests;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Gateway.Tests.JsonApiScenarioTests;

namespace Gateway.Tests;

/// <summary>
/// An outside channel on another gRPC stack (Debian's python3-grpcio, tests/interop/channel_redeem.py) applies its
/// user's voucher to a payment through the gateway: S5's rules, the four real services behind the gateway.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PythonChannelRedemptionTests(ApiWorld world)
{
    [Fact]
    public async Task A_grpcio_channel_applies_the_best_voucher_to_a_payment_through_the_gateway_and_its_retry_gets_the_same_redemption()
    {
        var platform = await world.GrpcAsAsync("system-cli");
        var campaignId = await PublishRunningS5Async(world, platform, "zd-py");
        var merchants = new MerchantService.MerchantServiceClient(platform);
        var merchantId = await RegisterSignedMerchantAsync(merchants);
        var registered = await merchants.GetMerchantAsync(new GetMerchantRequest { Actor = Seeds.Operator, MerchantId = merchantId });
        await merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = merchantId, ExpectedVersion = registered.Version });
        await merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = campaignId, MerchantId = merchantId, CategoryIds = { "appliances" } });
        await world.WaitForRedemptionToSeeAsync(campaignId, merchantId);

        var person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = "unionpay-py-1", Phone = "13800000002", NationalId = "220723199001010002", DeviceId = "device-py-1" };
        var claims = new ClaimService.ClaimServiceClient(await world.GrpcAsAsync("channel-unionpay"));
        var voucher = await ClaimAsync(claims, campaignId, person, "t-200");
        world.Clock.Now = Seeds.Beijing(2023, 4, 23, 12);

        var (exit, output) = await PythonChannelTests.RunAsync(
            "channel_redeem.py",
            "--gateway", world.Gateway.Address.ToString(),
            "--client_id", "channel-unionpay",
            "--client_secret", GatewayHost.Secret,
            "--channel", "unionpay",
            "--campaign", campaignId,
            "--merchant", merchantId,
            "--account", person.ChannelAccountId,
            "--phone", person.Phone,
            "--order_cents", "250001",
            "--item_cents", "200000",
            "--category", "appliances",
            "--invoice", "FP-PY-1");

        Assert.True(exit == 0, output);
        Assert.Matches($@"^redemption \S+ {voucher} 20000 230001 unionpay true$", output.Trim());
        var used = await claims.GetVoucherAsync(new GetVoucherRequest { Person = person, VoucherId = voucher });
        Assert.Equal(VoucherStatus.Used, used.Status);
    }
}
