using Claim.Service.Grpc;
using Claim.Service.Usage;
using Google.Protobuf.WellKnownTypes;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using static Claim.Service.Tests.Infrastructure.TestCampaigns;

namespace Claim.Service.Tests.Infrastructure;

/// <summary>The usage service and its requests as the usage tests call them directly.</summary>
public static class VoucherUsageCalls
{
    public static readonly Duration Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));

    public static VoucherUsageGrpcService UsageAdapter(Harness h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new(new Claim.Service.Usage.VoucherUsageService(new VoucherUsageStore(h.Fixture.DataSource), h.Identities, h.Clock));
    }

    /// <summary>Claims one t50 voucher per person (1..count) and persists them; returns their ids.</summary>
    public static async Task<List<string>> IssueAsync(Harness h, Vouchers.Campaign.V1.CampaignSnapshot campaign, int count)
    {
        ArgumentNullException.ThrowIfNull(h);
        await h.LoadAsync(campaign);
        var ids = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            ids.Add((await h.Engine.ClaimAsync(ClaimFor(campaign, Person(i), "t50"))).Voucher.VoucherId);
        }

        await h.PersistAllAsync();
        return ids;
    }

    public static LockVoucherRequest LockOf(string voucherId, string lockId, PersonIdentity? person = null) =>
        new() { VoucherId = voucherId, LockId = lockId, MerchantId = "m1", Person = person, Ttl = Ttl };

    public static ConsumeVoucherRequest ConsumeOf(string voucherId, string lockId, string redemptionId, string tradeName = "老王面馆") =>
        new() { VoucherId = voucherId, LockId = lockId, RedemptionId = redemptionId, MerchantId = "m1", MerchantTradeName = tradeName };
}
