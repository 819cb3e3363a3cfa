using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Tests;

/// <summary>The five seed campaigns of DOMAIN.md, exactly as listed, as campaign.v1 requests.</summary>
public static class Seeds
{
    public static Actor Operator { get; } = new() { ActorId = "op-zhang", Role = ActorRole.Operator, DisplayName = "张科长" };

    public static Actor Auditor { get; } = new() { ActorId = "audit-li", Role = ActorRole.Auditor, DisplayName = "审计局" };

    public static Actor Finance { get; } = new() { ActorId = "fin-wang", Role = ActorRole.Finance };

    public static long Yuan(long yuan) => yuan * 100;

    public static LocalDateTime At(int year, int month, int day, int hour = 0, int minute = 0) =>
        new() { Date = new LocalDate { Year = year, Month = month, Day = day }, Time = new LocalTimeOfDay { Hour = hour, Minute = minute } };

    public static DateTimeOffset Beijing(int year, int month, int day, int hour = 0, int minute = 0) =>
        new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.FromHours(8)).AddHours(hour).AddMinutes(minute);

    public static TierDefinition Tier(string id, long spendYuan, long offYuan, string[]? categories = null, SpendScope scope = SpendScope.Order, long cofundingYuan = 0)
    {
        var tier = new TierDefinition
        {
            TierId = id,
            Name = $"满{spendYuan}减{offYuan}",
            FaceValueCents = Yuan(offYuan),
            MinimumSpend = new MinimumSpendRule { FixedCents = Yuan(spendYuan), Scope = scope },
            MerchantCofundingCents = Yuan(cofundingYuan),
        };
        if (categories is not null)
        {
            tier.Categories = new CategoryRestriction();
            tier.Categories.CategoryIds.AddRange(categories);
        }

        return tier;
    }

    public static AllocationCell Cell(string tier, long quantity, string category = "", string channel = "") =>
        new() { TierId = tier, CategoryId = category, ChannelId = channel, Quantity = quantity };

    public static AllocationMatrix Matrix(params AllocationCell[] cells)
    {
        var matrix = new AllocationMatrix();
        matrix.Cells.AddRange(cells);
        return matrix;
    }

    public static CampaignSettings Settings(string code, string name, string region, string regionCode, long budgetYuan, LocalDateTime start, LocalDateTime end, params string[] categories)
    {
        var settings = new CampaignSettings
        {
            Code = code,
            Name = name,
            Theme = "助商惠民",
            Organizer = region + "商务局",
            RegionCode = regionCode,
            RegionName = region,
            TimeZone = "Asia/Shanghai",
            PeriodStart = start,
            PeriodEnd = end,
            BudgetCents = Yuan(budgetYuan),
            RemainderPolicy = RemainderPolicy.ReturnToTreasury,
            ExpiredValuePolicy = ExpiredValuePolicy.ReturnToPool,
            RedemptionPolicy = new RedemptionPolicy { RefundPolicy = RefundPolicy.VoucherStaysUsed },
            SettlementPolicy = new SettlementPolicy { Cadence = SettlementCadence.AfterCampaign, DaysAfterEnd = 30 },
        };
        settings.CoOrganizers.Add(region + "财政局");
        settings.Categories.AddRange(categories.Select(c => new CampaignCategory { CategoryId = c }));
        return settings;
    }

    public static ClaimRules Rules(ClaimMode mode, LimitScope scope, params IdentityKeyKind[] extraKeys)
    {
        var rules = new ClaimRules { Mode = mode, EnforceBlockList = true };
        if (mode == ClaimMode.LuckyDraw)
        {
            rules.DrawWeighting = DrawWeighting.ByRemainingStock;
        }

        rules.Limits.Add(new ClaimLimit { LimitId = "limit-1", Scope = scope, MaxClaims = 1 });
        rules.PersonKeys.Add(IdentityKeyKind.ChannelAccount);
        rules.PersonKeys.AddRange(extraKeys);
        return rules;
    }

    public static RoundDefinition Round(string id, string name, LocalDateTime opens, LocalDateTime? closes, ValidityRule validity, AllocationMatrix allocation, DailyTimeWindow? usage = null)
    {
        var round = new RoundDefinition { RoundId = id, Name = name, ClaimOpensAt = opens, Validity = validity, Allocation = allocation };
        if (closes is not null)
        {
            round.ClaimClosesAt = closes;
        }

        if (usage is not null)
        {
            round.DailyUsageHours = usage;
        }

        return round;
    }

    public static ValidityRule DaysFromClaim(int days) => new() { DaysFromClaim = new DaysFromClaim { Days = days, Counting = ValidityDayCounting.CalendarDays } };

    public static ValidityRule RoundDay(int day, int hour) => new() { RoundDayDeadline = new RoundDayDeadline { DayNumber = day, Time = new LocalTimeOfDay { Hour = hour } } };

    public static ValidityRule FixedEnd(LocalDateTime end) => new() { FixedEnd = end };

    /// <summary>A campaign configured step by step through the contract; <see cref="Details"/> is the last answer.</summary>
    public sealed class Configured(CampaignService.CampaignServiceClient client, CampaignDetails details)
    {
        public CampaignDetails Details { get; private set; } = details;

        public string Id => Details.CampaignId;

        public long Version => Details.Version;

        public async Task<Configured> TierAsync(TierDefinition tier)
        {
            Details = await client.CreateTierAsync(new CreateTierRequest { CampaignId = Id, ExpectedVersion = Version, Actor = Operator, Tier = tier });
            return this;
        }

        public async Task<SetAllocationPlanResponse> PlanAsync(AllocationMatrix plan)
        {
            var response = await client.SetAllocationPlanAsync(new SetAllocationPlanRequest { CampaignId = Id, ExpectedVersion = Version, Actor = Operator, Plan = plan });
            Details = response.Campaign;
            return response;
        }

        public async Task<Configured> RoundAsync(RoundDefinition round)
        {
            Details = await client.ScheduleRoundAsync(new ScheduleRoundRequest { CampaignId = Id, ExpectedVersion = Version, Actor = Operator, Round = round });
            return this;
        }

        public async Task<Configured> RulesAsync(ClaimRules rules)
        {
            Details = await client.SetClaimRulesAsync(new SetClaimRulesRequest { CampaignId = Id, ExpectedVersion = Version, Actor = Operator, Rules = rules });
            return this;
        }

        public async Task<CampaignDetails> PublishAsync()
        {
            Details = await client.PublishCampaignAsync(new CampaignTransitionRequest { CampaignId = Id, ExpectedVersion = Version, Actor = Operator, Reason = "公示" });
            return Details;
        }

        public async Task<CampaignDetails> TransitionAsync(Func<CampaignTransitionRequest, global::Grpc.Core.AsyncUnaryCall<CampaignDetails>> call, string reason = "", Actor? actor = null)
        {
            Details = await call(new CampaignTransitionRequest { CampaignId = Id, ExpectedVersion = Version, Actor = actor ?? Operator, Reason = reason });
            return Details;
        }

        public async Task RefreshAsync() => Details = await client.GetCampaignAsync(new GetCampaignRequest { CampaignId = Id });
    }

    public static async Task<Configured> CreateAsync(CampaignService.CampaignServiceClient client, CampaignSettings settings) =>
        new(client, await client.CreateCampaignAsync(new CreateCampaignRequest { RequestId = Guid.NewGuid().ToString(), Actor = Operator, Settings = settings }));

    /// <summary>
    /// A first-come campaign running at <paramref name="now"/> on the wall clock: for a service run as its own process, which
    /// reads the wall clock, not a test clock. One tier (100 → 20, no usage hours, vouchers valid 7 days) of
    /// <paramref name="quantity"/>, its round opened the day before; the budget is the plan's value. Configured and
    /// published with <paramref name="clock"/> three days back, which is left at <paramref name="now"/>.
    /// </summary>
    public static async Task<Configured> ConfigureRunningAtAsync(CampaignService.CampaignServiceClient client, TestSupport.TestClock clock, DateTimeOffset now, long quantity, params string[] categories)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var opened = Beijing(now.Year, now.Month, now.Day).AddDays(-1);
        var ends = opened.AddDays(31);
        clock.Now = now.AddDays(-3);
        var settings = Settings($"live-{Guid.NewGuid().ToString("N")[..8]}", "实时活动", "友好区", "230717", quantity * 20,
            At(opened.Year, opened.Month, opened.Day), At(ends.Year, ends.Month, ends.Day, 24), categories);
        var campaign = await CreateAsync(client, settings);
        await campaign.TierAsync(Tier("t-20", 100, 20));
        var plan = Matrix(Cell("t-20", quantity));
        await campaign.PlanAsync(plan);
        await campaign.RoundAsync(Round("round-1", "第一轮", At(opened.Year, opened.Month, opened.Day, 10), null, DaysFromClaim(7), plan.Clone()));
        await campaign.RulesAsync(Rules(ClaimMode.FirstComeFirstServed, LimitScope.PerTierPerCampaign, IdentityKeyKind.Phone));
        await campaign.PublishAsync();
        clock.Now = now;
        return campaign;
    }

    // ---- S1 华亭 2023 -------------------------------------------------------------------------

    public static CampaignSettings S1Settings(string code = "huating-2023")
    {
        var settings = Settings(code, "华亭市2023年消费券", "华亭市", "620823", 400_000, At(2023, 3, 1), At(2023, 3, 31, 24), "catering", "supermarket", "department_store");
        settings.Theme = "助商惠民·乐购平凉";
        settings.FundingSources.Add(new FundingSource { FundingSourceId = "pingliang-city", Name = "平凉市财政", AmountCents = Yuan(200_000) });
        settings.FundingSources.Add(new FundingSource { FundingSourceId = "huating-county", Name = "华亭市财政", AmountCents = Yuan(200_000) });
        settings.ChannelAllocations.Add(new ChannelAllocation { Channel = new ChannelRef { ChannelId = "unionpay", DisplayName = "云闪付" }, AmountCents = Yuan(300_000) });
        settings.ChannelAllocations.Add(new ChannelAllocation { Channel = new ChannelRef { ChannelId = "bestpay", DisplayName = "翼支付" }, AmountCents = Yuan(100_000) });
        return settings;
    }

    public static readonly (string Id, long Spend, long Off, long Quantity)[] S1Tiers =
        [("t-10", 30, 10, 2000), ("t-20", 60, 20, 1500), ("t-50", 150, 50, 3000), ("t-100", 400, 100, 1000), ("t-200", 800, 200, 200), ("t-300", 1200, 300, 200)];

    public static async Task<Configured> ConfigureS1Async(CampaignService.CampaignServiceClient client, string code = "huating-2023")
    {
        var campaign = await CreateAsync(client, S1Settings(code));
        foreach (var (id, spend, off, _) in S1Tiers)
        {
            await campaign.TierAsync(Tier(id, spend, off));
        }

        var plan = Matrix(S1Tiers.Select(t => Cell(t.Id, t.Quantity)).ToArray());
        await campaign.PlanAsync(plan);
        await campaign.RoundAsync(Round("batch-1", "第一批", At(2023, 3, 1, 10), At(2023, 3, 14, 24), DaysFromClaim(7), plan.Clone()));
        await campaign.RoundAsync(Round("batch-2", "第二批", At(2023, 3, 15, 10), At(2023, 3, 24, 24), DaysFromClaim(7), new AllocationMatrix()));
        await campaign.RulesAsync(Rules(ClaimMode.FirstComeFirstServed, LimitScope.PerRound));
        return campaign;
    }

    // ---- S2 乾安 2022 -------------------------------------------------------------------------

    public static readonly string[] S2Categories = ["lodging", "catering", "fuel", "produce", "books"];

    /// <summary>The table as the document prints it: rows 20/50/100/200/500 × lodging, catering, fuel, produce, books.</summary>
    public static readonly long?[][] S2Cells =
    [
        [null, null, null, 2500, 1000],
        [4000, null, 4000, 1400, 400],
        [2000, 500, 2000, 500, 100],
        [1000, 250, 500, null, null],
        [null, 100, 200, null, null],
    ];

    public static readonly long[] S2Faces = [20, 50, 100, 200, 500];

    public static AllocationMatrix S2Plan(bool asPrinted)
    {
        var plan = new AllocationMatrix();
        for (var row = 0; row < S2Faces.Length; row++)
        {
            for (var column = 0; column < S2Categories.Length; column++)
            {
                if (S2Cells[row][column] is { } quantity)
                {
                    plan.Cells.Add(Cell($"t-{S2Faces[row]}", quantity, S2Categories[column]));
                }
            }
        }

        // Printed row subtotals: count, amount (yuan). Several are wrong in the document.
        (long Count, long Amount)[] printedRows = asPrinted
            ? [(3500, 70_000), (10800, 540_000), (5600, 560_000), (1500, 300_000), (200, 100_000)]
            : [(3500, 70_000), (9800, 490_000), (5100, 510_000), (1750, 350_000), (300, 150_000)];
        for (var row = 0; row < S2Faces.Length; row++)
        {
            plan.DeclaredTotals.Add(new DeclaredTotal { Axis = AllocationAxis.Tier, Key = $"t-{S2Faces[row]}", Count = printedRows[row].Count, AmountCents = Yuan(printedRows[row].Amount) });
        }

        (long Count, long Amount)[] columns = [(7000, 600_000), (850, 150_000), (6700, 600_000), (4400, 170_000), (1500, 50_000)];
        for (var column = 0; column < S2Categories.Length; column++)
        {
            plan.DeclaredTotals.Add(new DeclaredTotal { Axis = AllocationAxis.Category, Key = S2Categories[column], Count = columns[column].Count, AmountCents = Yuan(columns[column].Amount) });
        }

        plan.DeclaredTotals.Add(new DeclaredTotal { Axis = AllocationAxis.Grand, Count = asPrinted ? 15950 : 20450, AmountCents = Yuan(1_570_000) });
        return plan;
    }

    public static async Task<Configured> ConfigureS2Async(CampaignService.CampaignServiceClient client, bool asPrinted, string code = "qianan-2022")
    {
        var settings = Settings(code, "乾安县2022年消费券", "乾安县", "220723", 1_570_000, At(2022, 6, 1), At(2022, 7, 5, 24), S2Categories);
        long[] budgets = [600_000, 150_000, 600_000, 170_000, 50_000];
        for (var i = 0; i < budgets.Length; i++)
        {
            settings.Categories[i].BudgetCents = Yuan(budgets[i]);
        }

        settings.RedemptionPolicy.RequiredDetails.Add(RedemptionDetail.OrderAmount);
        settings.RedemptionPolicy.MissingDetailHandling = MissingDetailHandling.AcceptWithoutSubsidy;
        var campaign = await CreateAsync(client, settings);
        foreach (var face in S2Faces)
        {
            await campaign.TierAsync(new TierDefinition
            {
                TierId = $"t-{face}",
                Name = $"{face}元券",
                FaceValueCents = Yuan(face),
                MinimumSpend = new MinimumSpendRule { FaceValueMultipleBasisPoints = 30000, Scope = SpendScope.Order },
            });
        }

        await campaign.PlanAsync(S2Plan(asPrinted));
        for (var round = 1; round <= 7; round++)
        {
            var first = new DateOnly(2022, 6, 1).AddDays(5 * (round - 1));
            var last = first.AddDays(4);
            var allocation = round == 1 ? Matrix(S2Plan(asPrinted: false).Cells.Select(c => c.Clone()).ToArray()) : new AllocationMatrix();
            await campaign.RoundAsync(Round($"round-{round}", $"第{round}轮", At(first.Year, first.Month, first.Day, 9), At(last.Year, last.Month, last.Day, 24), RoundDay(5, 24), allocation));
        }

        await campaign.RulesAsync(Rules(ClaimMode.LuckyDraw, LimitScope.PerCategoryPerRound));
        return campaign;
    }

    // ---- S3 友好 2023 -------------------------------------------------------------------------

    public static GeoFence YouhaoFence()
    {
        var polygon = new GeoPolygon();
        polygon.Vertices.Add(new GeoPoint { Latitude = 47.70, Longitude = 128.70 });
        polygon.Vertices.Add(new GeoPoint { Latitude = 47.70, Longitude = 128.95 });
        polygon.Vertices.Add(new GeoPoint { Latitude = 47.95, Longitude = 128.95 });
        polygon.Vertices.Add(new GeoPoint { Latitude = 47.95, Longitude = 128.70 });
        var fence = new GeoFence { RegionCode = "230717", RegionName = "友好区" };
        fence.Polygons.Add(polygon);
        return fence;
    }

    public static async Task<Configured> ConfigureS3Async(CampaignService.CampaignServiceClient client, string code = "youhao-2023")
    {
        var settings = Settings(code, "友好区2023年消费券", "友好区", "230717", 400_000, At(2023, 5, 1), At(2023, 5, 31, 24), "supermarket", "catering", "department_store");
        settings.RedemptionPolicy.RefundPolicy = RefundPolicy.VoucherStaysUsed;
        var campaign = await CreateAsync(client, settings);
        await campaign.TierAsync(Tier("t-20", 100, 20));
        await campaign.TierAsync(Tier("t-40", 200, 40));
        await campaign.TierAsync(Tier("t-80", 300, 80));
        var plan = Matrix(Cell("t-20", 4000), Cell("t-40", 4000), Cell("t-80", 2000));
        await campaign.PlanAsync(plan);
        var usage = new DailyTimeWindow { Start = new LocalTimeOfDay { Hour = 9 }, End = new LocalTimeOfDay { Hour = 22 } };
        await campaign.RoundAsync(Round("round-1", "第一轮", At(2023, 5, 1, 10), null, DaysFromClaim(7), plan.Clone(), usage));
        var rules = Rules(ClaimMode.FirstComeFirstServed, LimitScope.PerTierPerCampaign, IdentityKeyKind.Phone, IdentityKeyKind.NationalId, IdentityKeyKind.DeviceId);
        rules.RequiredKeys.Add(IdentityKeyKind.Phone);
        rules.GeoFence = YouhaoFence();
        await campaign.RulesAsync(rules);
        return campaign;
    }

    // ---- S4 乾安 2020 -------------------------------------------------------------------------

    public static async Task<Configured> ConfigureS4Async(CampaignService.CampaignServiceClient client, string code = "qianan-2020")
    {
        var settings = Settings(code, "乾安县2020年消费券", "乾安县", "220723", 2_000_000, At(2020, 9, 13), At(2020, 9, 30, 24), "produce", "supermarket", "appliances", "department_store");
        var campaign = await CreateAsync(client, settings);
        await campaign.TierAsync(Tier("t-local-100", 200, 100, ["produce.local"]));
        (string Id, long Spend, long Off, long Quantity)[] tiers = [("t-20", 100, 20, 250), ("t-50", 200, 50, 500), ("t-100", 500, 100, 900), ("t-200", 1000, 200, 1400), ("t-400", 2000, 400, 3000)];
        foreach (var (id, spend, off, _) in tiers)
        {
            await campaign.TierAsync(Tier(id, spend, off));
        }

        var plan = Matrix([Cell("t-local-100", 4000), .. tiers.Select(t => Cell(t.Id, t.Quantity))]);
        await campaign.PlanAsync(plan);
        await campaign.RoundAsync(Round("round-1", "全程", At(2020, 9, 13, 10), At(2020, 9, 30, 24), FixedEnd(At(2020, 9, 30, 24)), plan.Clone()));
        await campaign.RulesAsync(Rules(ClaimMode.FirstComeFirstServed, LimitScope.SingleTierPerCampaign));
        return campaign;
    }

    // ---- S5 张店 2023 -------------------------------------------------------------------------

    public static async Task<Configured> ConfigureS5Async(CampaignService.CampaignServiceClient client, string code = "zhangdian-2023")
    {
        var settings = Settings(code, "张店区2023年家电消费券", "张店区", "370303", 500_000, At(2023, 4, 22), At(2023, 5, 22, 24), "appliances");
        settings.FundingSources.Add(new FundingSource { FundingSourceId = "zhangdian-finance", Name = "张店区财政 (85%)", AmountCents = Yuan(425_000) });
        settings.FundingSources.Add(new FundingSource { FundingSourceId = "merchant-cofunding", Name = "商户让利 (15%)", AmountCents = Yuan(75_000) });
        settings.RedemptionPolicy.MaxVoucherValuePerTransactionCents = Yuan(200);
        settings.RedemptionPolicy.RequiredDetails.Add(RedemptionDetail.InvoiceNumber);
        settings.RedemptionPolicy.MissingDetailHandling = MissingDetailHandling.Refuse;
        settings.SettlementPolicy = new SettlementPolicy { Cadence = SettlementCadence.Weekly, WeekClosingDay = 7, InvoiceRequired = true };
        var campaign = await CreateAsync(client, settings);
        await campaign.TierAsync(Tier("t-200", 2000, 200, scope: SpendScope.SingleItem, cofundingYuan: 30));
        await campaign.TierAsync(Tier("t-100", 1000, 100, scope: SpendScope.SingleItem, cofundingYuan: 15));
        await campaign.PlanAsync(Matrix(Cell("t-200", 1000), Cell("t-100", 3000)));
        var batch = Matrix(Cell("t-200", 500), Cell("t-100", 1500));
        var redeemUntil = FixedEnd(At(2023, 5, 22, 24));
        await campaign.RoundAsync(Round("batch-1", "第一批", At(2023, 4, 22, 10), At(2023, 4, 30, 24), redeemUntil, batch));
        await campaign.RoundAsync(Round("batch-2", "第二批", At(2023, 5, 1, 10), At(2023, 5, 10, 24), redeemUntil, batch.Clone()));
        await campaign.RulesAsync(Rules(ClaimMode.FirstComeFirstServed, LimitScope.PerRound));
        return campaign;
    }
}
