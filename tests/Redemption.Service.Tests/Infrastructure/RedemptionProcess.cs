using TestSupport;
using Vouchers.Redemption.V1;

namespace Redemption.Service.Tests.Infrastructure;

/// <summary>The Redemption service as its own process (<see cref="ServiceProcess"/>), configured like the world's in-process copy.</summary>
public static class RedemptionProcess
{
    /// <summary>Starts a copy on a fresh port against the world's databases and services, with short leases so recovery runs within seconds.</summary>
    public static ServiceProcess Start(RedemptionWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return ServiceProcess.Start("Redemption.Service", new Dictionary<string, string?>
        {
            ["ConnectionStrings:redemptiondb"] = world.RedemptionDb.ConnectionString,
            ["services:campaign:grpc:0"] = world.Campaign.Address,
            ["services:claim:grpc:0"] = world.ClaimAddress,
            ["services:settlement:grpc:0"] = world.SettlementAddress,
            ["Redemption:IdentitySecret"] = RedemptionWorld.IdentitySecret,
            ["Redemption:LockTtl"] = "00:00:30",
            ["Redemption:AttemptLease"] = "00:00:03",
            ["Redemption:RecoveryInterval"] = "00:00:00.200",
        });
    }

    public static RedemptionService.RedemptionServiceClient Redemptions(this ServiceProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return new RedemptionService.RedemptionServiceClient(process.Channel.WithActorTokens());
    }
}
