extern alias campaigntests;

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using MerchantTests = campaigntests::Campaign.Service.Tests.MerchantTests;
using Seeds = campaigntests::Campaign.Service.Tests.Seeds;

namespace Redemption.Service.Tests.Infrastructure;

/// <summary>A merchant enrolled in a campaign, with one bound cashier and the actor its staff call with.</summary>
public sealed record Shop(string MerchantId, string StaffId, Actor Cashier, string TradeName);

/// <summary>The steps every scenario takes: merchants, people, claims and redemptions through the real services.</summary>
public static class Scenes
{
    public static readonly GeoPoint InYouhao = new() { Latitude = 47.80, Longitude = 128.80 };

    public static Actor Channel(string channel = "unionpay") => new() { ActorId = "acquirer-" + channel, Role = ActorRole.Channel, ChannelId = channel };

    public static PersonIdentity Person(int n, string channel = "unionpay") => new()
    {
        ChannelId = channel,
        ChannelAccountId = $"{channel}-{n}",
        Phone = $"138{n % 100_000_000:00000000}",
        NationalId = $"22072319900101{n % 10_000:0000}",
        DeviceId = $"device-{n}",
        DisplayName = "王*",
    };

    /// <summary>Registers, approves and enrolls a merchant in the campaign for <paramref name="categories"/>, and binds one cashier.</summary>
    public static async Task<Shop> ShopAsync(RedemptionWorld world, string campaignId, params string[] categories)
    {
        var merchants = world.Campaign.Merchants;
        var seed = RedemptionWorld.NextSeed();
        var profile = new MerchantProfile
        {
            LegalName = $"测试商店{seed}有限公司",
            TradeName = $"测试商店{seed}",
            UnifiedCreditCode = MerchantTests.CreditCode(seed),
            Address = "友好区友谊路1号",
            ContactName = "王经理",
            ContactPhone = "13812345678",
            PayoutAccount = new PayoutAccount { AccountName = "测试商店", BankName = "农业银行", AccountNumber = "6222000011112222" },
        };
        profile.CategoryIds.AddRange(categories);
        var registered = await merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = $"reg-{seed}", Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = profile });
        var pledge = await PledgeAsync(world);
        var signed = await merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version, PledgeVersion = pledge.Version, SignatoryName = "王经理" });
        var approved = await merchants.ApproveMerchantAsync(new ReviewMerchantRequest { Actor = Seeds.Operator, MerchantId = signed.MerchantId, ExpectedVersion = signed.Version });
        var enroll = new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = campaignId, MerchantId = approved.MerchantId };
        enroll.CategoryIds.AddRange(categories);
        await merchants.EnrollMerchantAsync(enroll);
        var codes = await merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = approved.MerchantId, Count = 1, ValidFor = Duration.FromTimeSpan(TimeSpan.FromDays(30)) });
        var staff = await merchants.BindStaffAsync(new BindStaffRequest { RequestId = $"bind-{seed}", BindingCode = codes.Codes[0].Code, AccountId = $"cashier-{seed}", Name = "李收银", Phone = "13900001111" });
        await world.WaitForRedemptionToSeeAsync(campaignId, view => view.Merchants.TryGetValue(approved.MerchantId, out var m) && m.Terms.ActiveStaffIds.Contains(staff.StaffId));
        return new Shop(approved.MerchantId, staff.StaffId, new Actor { ActorId = $"cashier-{seed}", Role = ActorRole.Merchant, MerchantId = approved.MerchantId, DisplayName = "李收银" }, profile.TradeName);
    }

    /// <summary>A claim as a channel sends it, retried with the same request id while Claim answers UNAVAILABLE; then waits until the wallet holds it.</summary>
    public static async Task<Voucher> ClaimAsync(RedemptionWorld world, string campaignId, PersonIdentity person, string tierId, GeoPoint? at = null, string categoryId = "")
    {
        var request = new ClaimVoucherRequest { RequestId = Guid.NewGuid().ToString(), CampaignId = campaignId, TierId = tierId, CategoryId = categoryId, Person = person };
        if (at is not null)
        {
            request.Location = at;
        }

        var outcome = await RetryAsync(() => world.Claims.ClaimVoucherAsync(request, deadline: RedemptionWorld.Deadline).ResponseAsync);
        Assert.True(outcome.Voucher is not null, $"the claim of {tierId} was refused: {outcome.Refusal}");
        return await world.WaitForVoucherAsync(person, outcome.Voucher.VoucherId);
    }

    public static async Task<Voucher> DrawAsync(RedemptionWorld world, string campaignId, PersonIdentity person, string categoryId)
    {
        var request = new DrawVoucherRequest { RequestId = Guid.NewGuid().ToString(), CampaignId = campaignId, CategoryId = categoryId, Person = person };
        var outcome = await RetryAsync(() => world.Claims.DrawVoucherAsync(request, deadline: RedemptionWorld.Deadline).ResponseAsync);
        Assert.True(outcome.Voucher is not null, $"the draw in {categoryId} was refused: {outcome.Refusal}");
        return await world.WaitForVoucherAsync(person, outcome.Voucher.VoucherId);
    }

    public static async Task<string> CodeAsync(RedemptionWorld world, PersonIdentity person, string voucherId) =>
        (await world.Claims.CreatePresentationCodeAsync(new CreatePresentationCodeRequest { Person = person, VoucherId = voucherId }, deadline: RedemptionWorld.Deadline)).Token;

    /// <summary>A till's redemption of a scanned code.</summary>
    public static RedeemRequest AtTill(Shop shop, string token, long orderCents, string category, long itemCents = 0, string invoice = "", string? key = null)
    {
        var request = new RedeemRequest
        {
            IdempotencyKey = key ?? Guid.NewGuid().ToString(),
            Actor = shop.Cashier,
            MerchantId = shop.MerchantId,
            StaffId = shop.StaffId,
            Order = new OrderDetails { OrderAmountCents = orderCents, QualifyingItemAmountCents = itemCents, CategoryId = category, InvoiceNumber = invoice, MerchantOrderNumber = "POS-" + Guid.NewGuid().ToString("N")[..10] },
            PresentationToken = token,
        };
        return request;
    }

    /// <summary>A channel applying one of the person's vouchers automatically to its payment (no cashier named).</summary>
    public static RedeemRequest ThroughChannel(Shop shop, PersonIdentity person, long orderCents, string category, string campaignId = "", string? transaction = null) => new()
    {
        IdempotencyKey = transaction ?? Guid.NewGuid().ToString(),
        Actor = Channel(),
        MerchantId = shop.MerchantId,
        Order = new OrderDetails { OrderAmountCents = orderCents, CategoryId = category },
        AutoPick = new AutoPick { CampaignId = campaignId },
        Person = person,
        AcquiringChannelId = "unionpay",
        ChannelTransactionId = transaction ?? "txn-" + Guid.NewGuid().ToString("N")[..12],
    };

    /// <summary>A channel redeeming a voucher the person names, with every order detail.</summary>
    public static RedeemRequest Named(Shop shop, PersonIdentity person, string voucherId, long orderCents, string category, long itemCents = 0, string invoice = "") => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString(),
        Actor = Channel(),
        MerchantId = shop.MerchantId,
        Order = new OrderDetails { OrderAmountCents = orderCents, QualifyingItemAmountCents = itemCents, CategoryId = category, InvoiceNumber = invoice },
        VoucherId = voucherId,
        Person = person,
        AcquiringChannelId = "unionpay",
        ChannelTransactionId = "txn-" + Guid.NewGuid().ToString("N")[..12],
    };

    public static async Task<RedeemOutcome> RedeemAsync(RedemptionWorld world, RedeemRequest request) =>
        await world.Redemption.Redemptions.RedeemAsync(request, deadline: RedemptionWorld.Deadline);

    public static RedemptionRefusalReason RefusalOf(RedeemOutcome outcome) =>
        outcome.ResultCase == RedeemOutcome.ResultOneofCase.Refusal ? outcome.Refusal.Reason : RedemptionRefusalReason.Unspecified;

    public static async Task<List<RedemptionEvent>> FeedAsync(RedemptionWorld world, string campaignId, string after = "")
    {
        using var call = world.Redemption.Feed.StreamRedemptionEvents(new StreamRedemptionEventsRequest { CampaignId = campaignId, AfterCursor = after }, deadline: RedemptionWorld.Deadline);
        var events = new List<RedemptionEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }

        return events;
    }

    private static async Task<IntegrityPledge> PledgeAsync(RedemptionWorld world)
    {
        try
        {
            return await world.Campaign.Merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest());
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            try
            {
                return await world.Campaign.Merchants.PublishIntegrityPledgeAsync(new PublishIntegrityPledgeRequest
                {
                    Actor = Seeds.Operator,
                    Pledge = new IntegrityPledge { Version = "2023-01", Title = "诚信经营承诺书", Text = "不虚假交易，不抬高价格，开具发票。" },
                });
            }
            catch (RpcException again) when (again.StatusCode == StatusCode.AlreadyExists)
            {
                return await world.Campaign.Merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest());
            }
        }
    }

    private static async Task<ClaimOutcome> RetryAsync(Func<Task<ClaimOutcome>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
