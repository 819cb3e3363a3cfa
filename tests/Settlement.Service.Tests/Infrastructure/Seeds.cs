using Vouchers.Common.V1;

namespace Settlement.Service.Tests.Infrastructure;

/// <summary>The people who call Settlement, and local times in the seeds' time zone (Asia/Shanghai).</summary>
public static class Seeds
{
    public static readonly Actor Operator = new() { ActorId = "op-1", Role = ActorRole.Operator, DisplayName = "Bureau" };
    public static readonly Actor Finance = new() { ActorId = "fin-1", Role = ActorRole.Finance, DisplayName = "Treasury" };
    public static readonly Actor Auditor = new() { ActorId = "aud-1", Role = ActorRole.Auditor, DisplayName = "Audit" };

    public static Actor Merchant(string merchantId) => new() { ActorId = "owner-" + merchantId, Role = ActorRole.Merchant, MerchantId = merchantId };

    public static DateTimeOffset Shanghai(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.FromHours(8));
}
