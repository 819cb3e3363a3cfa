using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Campaign.Service.Tests;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Playwright;
using ServiceDefaults;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;

namespace BackOffice.Tests;

/// <summary>
/// The app host's whole model (PostgreSQL, Redis, the four services, the gateway with its token server, the back
/// office), started once for the page tests and seeded through the services' APIs with the token of the seeded
/// system-cli account: S2 configured for today with its first round opening a minute or two after the start, S2's
/// document table waiting in a draft, two merchants awaiting approval. People sign in on the gateway's sign-in page
/// as the app host seeds them; the merchant owner then belongs to merchant A and the cashier to merchant B (the
/// gateway restarts once with those ids, which Campaign only hands out when the merchants register).
/// Chromium is Debian's (eng/install-prereqs.sh).
/// </summary>
public sealed class BackOfficeApp : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The seeded people the tests sign in as, with the names the pages and the audit log show.</summary>
    public static readonly IReadOnlyDictionary<string, string> People = new Dictionary<string, string>
    {
        ["operator"] = "张科长",
        ["finance"] = "财政局王科长",
        ["auditor"] = "审计局",
        ["merchant-owner"] = "李经理",
        ["cashier"] = "收银员小赵",
    };

    private readonly TemporaryStateDirectory state = new();
    private readonly Dictionary<string, string> passwords = [];
    private DistributedApplication? app;
    private GrpcChannel? campaignChannel;
    private GrpcChannel? claimChannel;
    private GrpcChannel? redemptionChannel;
    private GrpcChannel? settlementChannel;
    private IPlaywright? playwright;
    private string? merchantOfOwner;
    private string? merchantOfCashier;

    public Uri BackOffice { get; private set; } = default!;

    public Uri Gateway { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public CampaignService.CampaignServiceClient Campaigns { get; private set; } = default!;

    public MerchantService.MerchantServiceClient Merchants { get; private set; } = default!;

    public AuditService.AuditServiceClient Audit { get; private set; } = default!;

    public ClaimService.ClaimServiceClient Claims { get; private set; } = default!;

    public ClaimAdminService.ClaimAdminServiceClient ClaimAdmin { get; private set; } = default!;

    public RedemptionService.RedemptionServiceClient Redemptions { get; private set; } = default!;

    /// <summary>Settlement's channel, with the system token on every call.</summary>
    public CallInvoker Settlement { get; private set; } = default!;

    /// <summary>S2 (乾安 2022) as configured for a run starting today: published, round 1 opening at <see cref="RoundOneOpens"/>.</summary>
    public CampaignDetails S2 { get; private set; } = default!;

    public DateTimeOffset RoundOneOpens { get; private set; }

    /// <summary>S2's header and tiers in DRAFT without a plan: where the printed table is entered.</summary>
    public CampaignDetails S2Draft { get; private set; } = default!;

    /// <summary>Merchant A (乾安县宾馆): the seeded merchant owner's.</summary>
    public MerchantDetails MerchantA { get; private set; } = default!;

    /// <summary>Merchant B (乾安县加油站): the seeded cashier's.</summary>
    public MerchantDetails MerchantB { get; private set; } = default!;

    /// <summary>Screenshots of every page, kept by CI with the test results.</summary>
    public static string Screenshots
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Microservices.sln")))
            {
                directory = directory.Parent;
            }

            var path = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "test-results", "backoffice");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run eng/install-prereqs.sh (Debian package chromium).");
        using var timeout = new CancellationTokenSource(StartTimeout);
        var cancellationToken = timeout.Token;
        var builder = await AppHostTesting.CreateBuilderAsync(state.Path, cancellationToken: cancellationToken);
        foreach (var person in People.Keys)
        {
            var parameter = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == "token-person-" + person);
            passwords[person] = await parameter.GetValueAsync(cancellationToken) ?? string.Empty;
        }

        var gateway = builder.Resources.OfType<ProjectResource>().Single(p => p.Name == ResourceNames.Gateway);
        builder.CreateResourceBuilder(gateway).WithEnvironment(DescribePeople);

        app = await builder.BuildAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        await Task.WhenAll(new[] { ResourceNames.Campaign, ResourceNames.Claim, ResourceNames.Redemption, ResourceNames.Settlement, ResourceNames.Gateway, ResourceNames.BackOffice }
            .Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken)));

        BackOffice = app.GetEndpoint(ResourceNames.BackOffice, EndpointNames.Http);
        Gateway = app.GetEndpoint(ResourceNames.Gateway, EndpointNames.Http);
        var system = await LocalTokenClient.RequestAsync(app, LocalTokenClient.SystemClient, cancellationToken);
        campaignChannel = GrpcChannel.ForAddress(app.GetEndpoint(ResourceNames.Campaign, EndpointNames.Grpc));
        claimChannel = GrpcChannel.ForAddress(app.GetEndpoint(ResourceNames.Claim, EndpointNames.Grpc));
        redemptionChannel = GrpcChannel.ForAddress(app.GetEndpoint(ResourceNames.Redemption, EndpointNames.Grpc));
        settlementChannel = GrpcChannel.ForAddress(app.GetEndpoint(ResourceNames.Settlement, EndpointNames.Grpc));
        Campaigns = new CampaignService.CampaignServiceClient(WithToken(campaignChannel, system));
        Merchants = new MerchantService.MerchantServiceClient(WithToken(campaignChannel, system));
        Audit = new AuditService.AuditServiceClient(WithToken(campaignChannel, system));
        Claims = new ClaimService.ClaimServiceClient(WithToken(claimChannel, system));
        ClaimAdmin = new ClaimAdminService.ClaimAdminServiceClient(WithToken(claimChannel, system));
        Redemptions = new RedemptionService.RedemptionServiceClient(WithToken(redemptionChannel, system));
        Settlement = WithToken(settlementChannel, system);

        (S2, RoundOneOpens) = await SeedS2TodayAsync();
        S2Draft = (await Seeds.CreateAsync(Campaigns, S2Settings("qianan-2022-printed", DateOnly.FromDateTime(RoundOneOpens.ToOffset(Beijing).Date)))).Details;
        var draft = new Seeds.Configured(Campaigns, S2Draft);
        foreach (var tier in S2Tiers())
        {
            await draft.TierAsync(tier);
        }

        S2Draft = draft.Details;
        MerchantA = await RegisterAwaitingApprovalAsync(701, "乾安县宾馆");
        MerchantB = await RegisterAwaitingApprovalAsync(702, "乾安县加油站");

        // The seeded merchant people now belong to the merchants just registered: the gateway reads its accounts at start.
        (merchantOfOwner, merchantOfCashier) = (MerchantA.MerchantId, MerchantB.MerchantId);
        await app.ResourceCommands.ExecuteCommandAsync(ResourceNames.Gateway, KnownResourceCommands.RestartCommand, cancellationToken);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Gateway, WaitBehavior.WaitOnResourceUnavailable, cancellationToken);

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
    }

    /// <summary>The display names of the seeded people, and (after the restart) the merchants the merchant people belong to.</summary>
    private void DescribePeople(EnvironmentCallbackContext context)
    {
        foreach (var (key, value) in context.EnvironmentVariables.ToList())
        {
            if (!key.StartsWith("TokenServer__People__", StringComparison.Ordinal) || !key.EndsWith("__UserName", StringComparison.Ordinal)
                || value is not string person || !People.TryGetValue(person, out var name))
            {
                continue;
            }

            var prefix = key[..^"UserName".Length];
            context.EnvironmentVariables[prefix + "DisplayName"] = name;
            if ((person == "merchant-owner" ? merchantOfOwner : person == "cashier" ? merchantOfCashier : null) is { } merchant)
            {
                context.EnvironmentVariables[prefix + "MerchantId"] = merchant;
            }
        }
    }

    private static CallInvoker WithToken(GrpcChannel channel, string token) =>
        channel.Intercept(metadata =>
        {
            metadata.Add("Authorization", "Bearer " + token);
            return metadata;
        });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        campaignChannel?.Dispose();
        claimChannel?.Dispose();
        redemptionChannel?.Dispose();
        settlementChannel?.Dispose();
        redemptionOnce.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        state.Dispose();
    }

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>
    /// A page (its own browser context: its own cookies) signed in as the seeded <paramref name="person"/> the way a
    /// person does it: the back office sends the browser to the gateway's sign-in page, the person types their user
    /// name and password there, and the gateway's code comes back to the back office.
    /// </summary>
    public async Task<IPage> SignInAsync(string person, string returnUrl = "/")
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1500, Height = 1000 }, BaseURL = BackOffice.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync(returnUrl);
        await SignInOnGatewayPageAsync(page, person, passwords[person]);
        await page.WaitForURLAsync(url => url.StartsWith(BackOffice.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !url.Contains("/signin", StringComparison.Ordinal));
        return page;
    }

    /// <summary>A database's connection string (the page benchmark loads redemptions straight into redemptiondb).</summary>
    public async Task<string> ConnectionStringAsync(string resource) =>
        await app!.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"no connection string for {resource}");

    /// <summary>The seeded password of <paramref name="person"/> (the app host's secret parameter).</summary>
    public string PasswordOf(string person) => passwords[person];

    /// <summary>Fills in the gateway's sign-in page, which <paramref name="page"/> must be on or on its way to.</summary>
    public async Task SignInOnGatewayPageAsync(IPage page, string userName, string password)
    {
        await page.WaitForURLAsync(url => url.StartsWith(Gateway.GetLeftPart(UriPartial.Authority) + "/account/login", StringComparison.Ordinal));
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    /// <summary>Returns once round 1 of <see cref="S2"/> has opened.</summary>
    public async Task WaitForRoundOneAsync()
    {
        var wait = RoundOneOpens - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    /// <summary>Draws one voucher of <paramref name="category"/>, retrying while the services' clocks have not reached the opening.</summary>
    public async Task<(Voucher? Voucher, ClaimRefusalReason Refusal)> DrawUntilOpenAsync(string category, string account)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var outcome = await DrawAsync(category, account);
            if (outcome.Voucher is not null || outcome.Refusal != ClaimRefusalReason.NotStarted || DateTime.UtcNow > deadline)
            {
                return outcome;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Draws one voucher of <paramref name="category"/> for a new person; null when refused (the refusal's reason).</summary>
    public async Task<(Voucher? Voucher, ClaimRefusalReason Refusal)> DrawAsync(string category, string account)
    {
        var outcome = await Claims.DrawVoucherAsync(new DrawVoucherRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CampaignId = S2.CampaignId,
            CategoryId = category,
            Person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = account, DisplayName = "张*" },
        });
        return (outcome.Voucher, outcome.Refusal?.Reason ?? ClaimRefusalReason.Unspecified);
    }

    private readonly SemaphoreSlim redemptionOnce = new(1, 1);
    private (Voucher Voucher, RedemptionRecord Redemption, long Order)? redemptionAtMerchantB;

    /// <summary>
    /// Merchant B approved and enrolled in S2's fuel category, and one voucher redeemed there by a channel for a 92#
    /// fuel order: done once, by whichever test needs it first.
    /// </summary>
    public async Task<(Voucher Voucher, RedemptionRecord Redemption, long Order)> RedemptionAtMerchantBAsync()
    {
        await redemptionOnce.WaitAsync();
        try
        {
            redemptionAtMerchantB ??= await RedeemAtMerchantBAsync();
            return redemptionAtMerchantB.Value;
        }
        finally
        {
            redemptionOnce.Release();
        }
    }

    private async Task<(Voucher, RedemptionRecord, long)> RedeemAtMerchantBAsync()
    {
        var merchant = await Merchants.GetMerchantAsync(new GetMerchantRequest { Actor = Seeds.Operator, MerchantId = MerchantB.MerchantId });
        merchant = await Merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = merchant.MerchantId, ExpectedVersion = merchant.Version });
        await Merchants.EnrollMerchantAsync(new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = S2.CampaignId, MerchantId = merchant.MerchantId, CategoryIds = { "fuel" } });
        await WaitForRoundOneAsync();
        var (voucher, refusal) = await DrawUntilOpenAsync("fuel", "acct-redeem-1");
        Assert.True(voucher is not null, $"draw refused: {refusal}");

        // A channel applies the voucher to a 92# fuel order at merchant B; Redemption learns of the enrolment
        // through Campaign's snapshot, so the first attempts may come too early.
        var channel = new Actor { ActorId = "unionpay-gateway", Role = ActorRole.Channel, ChannelId = "unionpay" };
        var order = (voucher.FaceValueCents * 4) + 37;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var outcome = await Redemptions.RedeemAsync(new RedeemRequest
            {
                IdempotencyKey = Guid.NewGuid().ToString(),
                Actor = channel,
                MerchantId = merchant.MerchantId,
                Order = new OrderDetails { OrderAmountCents = order, CategoryId = "fuel", Note = "92#" },
                VoucherId = voucher.VoucherId,
                Person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = "acct-redeem-1" },
                AcquiringChannelId = "unionpay",
                ChannelTransactionId = Guid.NewGuid().ToString("N"),
            });
            if (outcome.Redemption is not null || DateTime.UtcNow > deadline)
            {
                Assert.True(outcome.Redemption is not null, $"redemption refused: {outcome.Refusal}");
                return (voucher, outcome.Redemption, order);
            }

            await Task.Delay(300);
        }
    }

    private static IEnumerable<TierDefinition> S2Tiers() =>
        Seeds.S2Faces.Select(face => new TierDefinition
        {
            TierId = $"t-{face}",
            Name = $"{face}元券",
            FaceValueCents = Seeds.Yuan(face),
            MinimumSpend = new MinimumSpendRule { FaceValueMultipleBasisPoints = 30000, Scope = SpendScope.Order },
        });

    /// <summary>S2's header with its period moved to start today (Beijing time): seven rounds of five days.</summary>
    private static CampaignSettings S2Settings(string code, DateOnly first)
    {
        var last = first.AddDays(34);
        var settings = Seeds.Settings(code, "乾安县2022年消费券", "乾安县", "220723", 1_570_000,
            Seeds.At(first.Year, first.Month, first.Day), Seeds.At(last.Year, last.Month, last.Day, 24), Seeds.S2Categories);
        long[] budgets = [600_000, 150_000, 600_000, 170_000, 50_000];
        for (var i = 0; i < budgets.Length; i++)
        {
            settings.Categories[i].BudgetCents = Seeds.Yuan(budgets[i]);
        }

        settings.RedemptionPolicy.RequiredDetails.Add(RedemptionDetail.OrderAmount);
        settings.RedemptionPolicy.MissingDetailHandling = MissingDetailHandling.AcceptWithoutSubsidy;
        return settings;
    }

    /// <summary>
    /// S2 as Seeds.ConfigureS2Async sets it up, shifted to today: the services run on the real clock and a round
    /// may only be scheduled to open in the future, so round 1 opens at the next whole minute at least 20 s away.
    /// </summary>
    private async Task<(CampaignDetails, DateTimeOffset)> SeedS2TodayAsync()
    {
        var now = DateTimeOffset.UtcNow.ToOffset(Beijing);
        var opens = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, Beijing).AddMinutes(now.Second < 40 ? 1 : 2);
        var first = DateOnly.FromDateTime(now.Date);
        var campaign = await Seeds.CreateAsync(Campaigns, S2Settings("qianan-2022", first));
        foreach (var tier in S2Tiers())
        {
            await campaign.TierAsync(tier);
        }

        await campaign.PlanAsync(Seeds.S2Plan(asPrinted: false));
        for (var round = 1; round <= 7; round++)
        {
            var day = first.AddDays(5 * (round - 1));
            var end = day.AddDays(4);
            var opening = round == 1 ? Seeds.At(opens.Year, opens.Month, opens.Day, opens.Hour, opens.Minute) : Seeds.At(day.Year, day.Month, day.Day, 9);
            var allocation = round == 1 ? Seeds.Matrix([.. Seeds.S2Plan(asPrinted: false).Cells.Select(c => c.Clone())]) : new AllocationMatrix();
            await campaign.RoundAsync(Seeds.Round($"round-{round}", $"第{round}轮", opening, Seeds.At(end.Year, end.Month, end.Day, 24), Seeds.RoundDay(5, 24), allocation));
        }

        await campaign.RulesAsync(Seeds.Rules(ClaimMode.LuckyDraw, LimitScope.PerCategoryPerRound));
        return (await campaign.PublishAsync(), opens);
    }

    private async Task<MerchantDetails> RegisterAwaitingApprovalAsync(int seed, string tradeName)
    {
        var pledge = await CurrentPledgeAsync();
        var profile = new MerchantProfile
        {
            LegalName = $"{tradeName}有限公司",
            TradeName = tradeName,
            UnifiedCreditCode = seed == 701 ? "91220723000000701J" : "91220723000000702M",
            Address = "乾安县政达大街1号",
            ContactName = "李经理",
            ContactPhone = "13912345678",
            PayoutAccount = new PayoutAccount { AccountName = tradeName, BankName = "吉林银行", AccountNumber = "6222000011113333" },
        };
        profile.CategoryIds.Add(seed == 701 ? "lodging" : "fuel");
        var registered = await Merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = $"reg-{seed}", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = profile });
        return await Merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version, PledgeVersion = pledge.Version, SignatoryName = "李经理" });
    }

    private async Task<IntegrityPledge> CurrentPledgeAsync()
    {
        try
        {
            return await Merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest());
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            return await Merchants.PublishIntegrityPledgeAsync(new PublishIntegrityPledgeRequest
            {
                Actor = Seeds.Operator,
                Pledge = new IntegrityPledge { Version = "2022-01", Title = "诚信经营承诺书", Text = "不虚假交易，不抬高价格。" },
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BackOfficeCollection : ICollectionFixture<BackOfficeApp>
{
    public const string Name = "back office";
}
