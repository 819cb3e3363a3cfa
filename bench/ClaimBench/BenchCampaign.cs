using Grpc.Core;
using Grpc.Net.Client;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace ClaimBench;

/// <summary>
/// The benchmark's campaign, configured through the Campaign API like an operator would: one round open from today's
/// start, a tier with stock no run can exhaust and a tier of one voucher for the sold-out measurement.
/// </summary>
internal static class BenchCampaign
{
    public const string AmpleTier = "t50";
    public const string SoldOutTier = "t20";
    public const long AmpleQuantity = 50_000_000;
    public const long SoldOutQuantity = 1;

    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static async Task<string> PublishAsync(GrpcChannel channel)
    {
        var client = new CampaignService.CampaignServiceClient(channel);
        // Rounds open on a whole minute and must open in the future: the next minute at least 20 s away.
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Zone).DateTime;
        var opens = local.Date.AddHours(local.Hour).AddMinutes(local.Minute + 1);
        opens = (opens - local).TotalSeconds < 20 ? opens.AddMinutes(1) : opens;
        var start = Local(local.Date);
        var end = Local(local.Date.AddDays(30));
        var settings = new CampaignSettings
        {
            Code = $"bench-{Guid.NewGuid():N}"[..20],
            Name = "压测消费券",
            Theme = "claim benchmark",
            Organizer = "压测商务局",
            RegionCode = "000000",
            RegionName = "压测市",
            TimeZone = Zone.Id,
            PeriodStart = start,
            PeriodEnd = end,
            BudgetCents = (AmpleQuantity * 5_000) + (SoldOutQuantity * 2_000),
            RemainderPolicy = RemainderPolicy.ReturnToTreasury,
            ExpiredValuePolicy = ExpiredValuePolicy.ReturnToPool,
            RedemptionPolicy = new RedemptionPolicy { RefundPolicy = RefundPolicy.VoucherStaysUsed },
            SettlementPolicy = new SettlementPolicy { Cadence = SettlementCadence.AfterCampaign, DaysAfterEnd = 30 },
        };
        settings.Categories.Add(new CampaignCategory { CategoryId = "supermarket" });
        settings.FundingSources.Add(new FundingSource { FundingSourceId = "treasury", Name = "财政", AmountCents = settings.BudgetCents });
        var details = await client.CreateCampaignAsync(new CreateCampaignRequest { RequestId = Guid.NewGuid().ToString(), Settings = settings });
        details = await client.CreateTierAsync(new CreateTierRequest { CampaignId = details.CampaignId, ExpectedVersion = details.Version, Tier = Tier(AmpleTier, 5_000, 15_000) });
        details = await client.CreateTierAsync(new CreateTierRequest { CampaignId = details.CampaignId, ExpectedVersion = details.Version, Tier = Tier(SoldOutTier, 2_000, 6_000) });
        var plan = new AllocationMatrix
        {
            Cells =
            {
                new AllocationCell { TierId = AmpleTier, Quantity = AmpleQuantity },
                new AllocationCell { TierId = SoldOutTier, Quantity = SoldOutQuantity },
            },
        };
        details = (await client.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = details.CampaignId, ExpectedVersion = details.Version, Plan = plan })).Campaign;
        details = await client.ScheduleRoundAsync(new ScheduleRoundRequest
        {
            CampaignId = details.CampaignId,
            ExpectedVersion = details.Version,
            Round = new RoundDefinition
            {
                RoundId = "r1",
                Name = "第一批",
                ClaimOpensAt = Local(opens),
                ClaimClosesAt = end,
                Validity = new ValidityRule { DaysFromClaim = new DaysFromClaim { Days = 7, Counting = ValidityDayCounting.CalendarDays } },
                Allocation = plan.Clone(),
            },
        });
        var rules = new ClaimRules { Mode = ClaimMode.FirstComeFirstServed, EnforceBlockList = true };
        rules.Limits.Add(new ClaimLimit { LimitId = "one-per-round", Scope = LimitScope.PerRound, MaxClaims = 1 });
        rules.PersonKeys.AddRange([IdentityKeyKind.ChannelAccount, IdentityKeyKind.Phone, IdentityKeyKind.DeviceId]);
        details = await client.SetClaimRulesAsync(new SetClaimRulesRequest { CampaignId = details.CampaignId, ExpectedVersion = details.Version, Rules = rules });
        details = await client.PublishCampaignAsync(new CampaignTransitionRequest { CampaignId = details.CampaignId, ExpectedVersion = details.Version, Reason = "压测" });
        return details.CampaignId;
    }

    /// <summary>
    /// Claims as a probe user until the Claim service has the running campaign from the snapshot stream (the lifecycle
    /// scheduler starts it within a second of publishing) and its round opened. Returns how many vouchers the probes were granted.
    /// </summary>
    public static async Task<int> WaitUntilClaimableAsync(ClaimService.ClaimServiceClient client, string campaignId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(150);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var outcome = await client.ClaimVoucherAsync(
                    new ClaimVoucherRequest
                    {
                        RequestId = $"probe-{attempt}",
                        CampaignId = campaignId,
                        TierId = AmpleTier,
                        Person = new PersonIdentity { ChannelId = LocalTokenClient.ChannelOfChannelClient, ChannelAccountId = $"probe-{attempt}", Phone = $"199{attempt:00000000}" },
                    },
                    deadline: DateTime.UtcNow.AddSeconds(10));
                if (outcome.Voucher is not null)
                {
                    return 1;
                }

                if (outcome.Refusal.Reason == ClaimRefusalReason.NotStarted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                    continue;
                }

                throw new InvalidOperationException($"the probe claim was refused: {outcome.Refusal}");
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static LocalDateTime Local(DateTime date) =>
        new() { Date = new LocalDate { Year = date.Year, Month = date.Month, Day = date.Day }, Time = new LocalTimeOfDay { Hour = date.Hour, Minute = date.Minute } };

    private static TierDefinition Tier(string id, long faceValueCents, long minimumSpendCents) => new()
    {
        TierId = id,
        Name = $"满{minimumSpendCents / 100}减{faceValueCents / 100}",
        FaceValueCents = faceValueCents,
        MinimumSpend = new MinimumSpendRule { FixedCents = minimumSpendCents, Scope = SpendScope.Order },
    };
}
