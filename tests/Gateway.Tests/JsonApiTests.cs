using System.Net;
using System.Text.Json;
using Campaign.Service.Domain;
using Campaign.Service.Tests;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vouchers.Campaign.V1;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Gateway.Tests;

/// <summary>
/// S5 (张店区 appliances, weekly settlement 85/15) from publication to payout, driven through the JSON APIs of the
/// gateway with real tokens against the four real services; every figure is the one the gRPC scenario of Settlement's
/// end-to-end test gets for the same redemption.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class JsonApiScenarioTests(ApiWorld world)
{
    private static readonly HttpMethod Get = HttpMethod.Get, Post = HttpMethod.Post;

    [Fact]
    public async Task A_campaign_from_publication_to_payout_through_the_json_apis_gives_exact_figures()
    {
        // The platform seeds the campaign and the merchant over gRPC (system client acting for the bureau's operator).
        var platform = await world.GrpcAsAsync("system-cli");
        var id = await PublishRunningS5Async(world, platform, "zd");

        // Public: the running campaign, its tiers and rules.
        var running = await world.JsonAsync("consumer-demo", Get, "/api/public/campaigns");
        var card = running.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("campaignId").GetString() == id);
        Assert.Equal(50_000_000, card.GetProperty("budgetCents").GetInt64());
        Assert.Equal("2023-04-21T16:00:00Z", card.GetProperty("periodStartUtc").GetString());
        var campaign = await world.JsonAsync("channel-unionpay", Get, $"/api/public/campaigns/{id}");
        var t200 = campaign.GetProperty("tiers").EnumerateArray().Single(t => t.GetProperty("tierId").GetString() == "t-200");
        Assert.Equal((20_000L, 200_000L, 3_000L, "single_item"), (t200.GetProperty("faceValueCents").GetInt64(), t200.GetProperty("minimumSpendCents").GetInt64(),
            t200.GetProperty("merchantCofundingCents").GetInt64(), t200.GetProperty("minimumSpendScope").GetString()));
        Assert.Equal(["batch-1", "batch-2"], campaign.GetProperty("rounds").EnumerateArray().Select(r => r.GetProperty("roundId").GetString()));
        Assert.Equal("first_come_first_served", campaign.GetProperty("claimRules").GetProperty("mode").GetString());

        // Bureau: the merchant awaiting review, a stale approval (409), an auditor's approval (403), the operator's.
        var merchants = new MerchantService.MerchantServiceClient(platform);
        var merchantId = await RegisterSignedMerchantAsync(merchants);
        var pending = await world.JsonAsync("auditor-cli", Get, "/api/bureau/merchants/pending");
        var waiting = pending.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("merchantId").GetString() == merchantId);
        Assert.Equal("pending_review", waiting.GetProperty("status").GetString());
        var version = waiting.GetProperty("version").GetInt64();
        await AssertProblemAsync(HttpStatusCode.Conflict, await world.SendAsync("operator-cli", Post, $"/api/bureau/merchants/{merchantId}/approve", new { expectedVersion = version + 7 }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, await world.SendAsync("auditor-cli", Post, $"/api/bureau/merchants/{merchantId}/approve", new { expectedVersion = version }));
        var approved = await world.JsonAsync("operator-cli", Post, $"/api/bureau/merchants/{merchantId}/approve", new { expectedVersion = version });
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        var enroll = new EnrollMerchantRequest { Actor = Seeds.Operator, CampaignId = id, MerchantId = merchantId, CategoryIds = { "appliances" } };
        await merchants.EnrollMerchantAsync(enroll);
        var code = (await merchants.IssueStaffBindingCodesAsync(new IssueStaffBindingCodesRequest { Actor = Seeds.Operator, MerchantId = merchantId, Count = 1, ValidFor = Duration.FromTimeSpan(TimeSpan.FromDays(30)) })).Codes[0].Code;
        world.Gateway.LinkMerchant("merchant-a", merchantId);
        world.ForgetToken("merchant-a");

        // Merchant: its record, binding its cashier.
        var own = await world.JsonAsync("merchant-a", Get, $"/api/merchant/{merchantId}");
        Assert.Equal("approved", own.GetProperty("status").GetString());
        Assert.Equal([id], own.GetProperty("enrolledCampaignIds").EnumerateArray().Select(e => e.GetString()));
        var cashier = await world.JsonAsync("merchant-a", Post, $"/api/merchant/{merchantId}/cashiers",
            new { requestId = Guid.NewGuid().ToString(), bindingCode = code, accountId = "cashier-zd-1", name = "李收银", phone = "13900001111" }, HttpStatusCode.Created);
        var staffId = cashier.GetProperty("staffId").GetString()!;
        Assert.Equal((merchantId, true), (cashier.GetProperty("merchantId").GetString(), cashier.GetProperty("active").GetBoolean()));
        var cashiers = await world.JsonAsync("merchant-a", Get, $"/api/merchant/{merchantId}/cashiers");
        Assert.Equal(staffId, cashiers.GetProperty("items").EnumerateArray().Single().GetProperty("staffId").GetString());
        await world.WaitForRedemptionToSeeAsync(id, merchantId, staffId);

        // A channel's user claims a 200-yuan voucher (gRPC), and shows its code at the till the next day.
        var person = new PersonIdentity { ChannelId = "unionpay", ChannelAccountId = "unionpay-zd-1", Phone = "13800000001", NationalId = "220723199001010001", DeviceId = "device-zd-1" };
        var claims = new ClaimService.ClaimServiceClient(await world.GrpcAsAsync("channel-unionpay"));
        var voucher = await ClaimAsync(claims, id, person, "t-200");
        world.Clock.Now = Seeds.Beijing(2023, 4, 23, 12);
        var token = (await claims.CreatePresentationCodeAsync(new CreatePresentationCodeRequest { Person = person, VoucherId = voucher })).Token;

        // Merchant: quote, redeem, the replay, its redemptions with totals.
        var order = new { orderAmountCents = 250_001L, qualifyingItemAmountCents = 200_000L, categoryId = "appliances", presentationToken = token, invoiceNumber = "FP-1", merchantOrderNumber = "POS-1" };
        var quote = await world.JsonAsync("merchant-a", Post, $"/api/merchant/{merchantId}/quotes", order);
        Assert.Equal((voucher, true, 20_000L, 230_001L), (quote.GetProperty("best").GetProperty("voucherId").GetString(), quote.GetProperty("best").GetProperty("qualifies").GetBoolean(),
            quote.GetProperty("best").GetProperty("faceValueCents").GetInt64(), quote.GetProperty("best").GetProperty("paidCents").GetInt64()));
        var sale = new { idempotencyKey = Guid.NewGuid().ToString(), staffId, order };
        var redeemed = await world.JsonAsync("merchant-a", Post, $"/api/merchant/{merchantId}/redemptions", sale, HttpStatusCode.Created);
        Assert.Equal((20_000L, 250_001L, 230_001L, 17_000L, 3_000L, "completed"), (redeemed.GetProperty("faceValueCents").GetInt64(), redeemed.GetProperty("orderAmountCents").GetInt64(),
            redeemed.GetProperty("paidCents").GetInt64(), redeemed.GetProperty("governmentShareCents").GetInt64(), redeemed.GetProperty("merchantCofundingCents").GetInt64(), redeemed.GetProperty("status").GetString()));
        Assert.Equal("2023-04-23T04:00:00Z", redeemed.GetProperty("redeemedAtUtc").GetString());
        var replay = await world.JsonAsync("merchant-a", Post, $"/api/merchant/{merchantId}/redemptions", sale, HttpStatusCode.OK);
        Assert.Equal(redeemed.GetProperty("redemptionId").GetString(), replay.GetProperty("redemptionId").GetString());
        var spent = await world.JsonAsync("merchant-a", Post, $"/api/merchant/{merchantId}/redemptions", sale with { idempotencyKey = Guid.NewGuid().ToString() }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The voucher cannot be redeemed", spent.GetProperty("title").GetString());
        var mine = await world.JsonAsync("merchant-a", Get, $"/api/merchant/{merchantId}/redemptions?campaignId={id}");
        Assert.Equal(redeemed.GetProperty("redemptionId").GetString(), mine.GetProperty("items").EnumerateArray().Single().GetProperty("redemptionId").GetString());
        var totals = mine.GetProperty("totals");
        Assert.Equal((1L, 20_000L, 250_001L, 17_000L), (totals.GetProperty("count").GetInt64(), totals.GetProperty("faceValueCents").GetInt64(),
            totals.GetProperty("orderAmountCents").GetInt64(), totals.GetProperty("subsidyCents").GetInt64()));

        // Bureau: the week's settlement run (retried while Settlement's feeds catch up: 422), the batch approved and paid.
        world.Clock.Now = Seeds.Beijing(2023, 4, 24, 1);
        var runRequest = new { requestId = Guid.NewGuid().ToString(), campaignId = id, kind = "periodic", periodStartUtc = Seeds.Beijing(2023, 4, 22), periodEndUtc = Seeds.Beijing(2023, 4, 24) };
        JsonElement run = default;
        await EventuallyAsync(async () =>
        {
            using var response = await world.SendAsync("finance-cli", Post, "/api/bureau/settlement-runs", runRequest);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity, $"run: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            run = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return response.StatusCode == HttpStatusCode.Created;
        });
        Assert.Equal((1, 17_000L), (run.GetProperty("statementCount").GetInt32(), run.GetProperty("totals").GetProperty("netPayableCents").GetInt64()));
        var runs = await world.JsonAsync("auditor-cli", Get, $"/api/bureau/settlement-runs?campaignId={id}");
        Assert.Equal(run.GetProperty("runId").GetString(), runs.GetProperty("items").EnumerateArray().Single().GetProperty("runId").GetString());
        var batches = await world.JsonAsync("finance-cli", Get, $"/api/bureau/payout-batches?campaignId={id}&status=draft");
        var batch = batches.GetProperty("items").EnumerateArray().Single();
        Assert.Equal((17_000L, merchantId), (batch.GetProperty("totalCents").GetInt64(), batch.GetProperty("lines").EnumerateArray().Single().GetProperty("merchantId").GetString()));
        var batchId = batch.GetProperty("batchId").GetString();
        await AssertProblemAsync(HttpStatusCode.UnprocessableEntity, await world.SendAsync("finance-cli", Post, $"/api/bureau/payout-batches/{batchId}/pay", new { expectedVersion = batch.GetProperty("version").GetInt64(), paymentReference = "ZD-2023-W17" }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, await world.SendAsync("operator-cli", Post, $"/api/bureau/payout-batches/{batchId}/approve", new { expectedVersion = batch.GetProperty("version").GetInt64() }));
        var approvedBatch = await world.JsonAsync("finance-cli", Post, $"/api/bureau/payout-batches/{batchId}/approve", new { expectedVersion = batch.GetProperty("version").GetInt64() });
        var paid = await world.JsonAsync("finance-cli", Post, $"/api/bureau/payout-batches/{batchId}/pay", new { expectedVersion = approvedBatch.GetProperty("version").GetInt64(), paymentReference = "ZD-2023-W17" });
        Assert.Equal(("paid", "ZD-2023-W17", 17_000L), (paid.GetProperty("status").GetString(), paid.GetProperty("paymentReference").GetString(), paid.GetProperty("totalCents").GetInt64()));

        // Merchant: its statement, paid, to the cent.
        var statements = await world.JsonAsync("merchant-a", Get, $"/api/merchant/{merchantId}/statements?campaignId={id}");
        var statement = statements.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("paid", statement.GetProperty("payoutStatus").GetString());
        Assert.Equal(
            """{"redemptionCount":1,"faceValueCents":20000,"leveragedSpendCents":250001,"governmentShareCents":17000,"merchantShareCents":3000,"adjustmentsCents":0,"netPayableCents":17000}""",
            statement.GetProperty("amounts").GetRawText());

        // Merchant: a refund after the payout is refused, naming the batch (Redemption asks Settlement); the bureau revokes.
        var redemptions = new Vouchers.Redemption.V1.RedemptionService.RedemptionServiceClient(await world.GrpcAsAsync("merchant-a"));
        var refund = new Vouchers.Redemption.V1.ReverseRedemptionRequest
        {
            ReversalId = Guid.NewGuid().ToString(), RedemptionId = redeemed.GetProperty("redemptionId").GetString(),
            Kind = Vouchers.Redemption.V1.ReversalKind.Refund, RefundedAmountCents = 250_001, Reason = "顾客退货",
        };
        var refused = await Assert.ThrowsAsync<RpcException>(() => redemptions.ReverseRedemptionAsync(refund).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains(batchId!, refused.Status.Detail, StringComparison.Ordinal);

        // Bureau: the campaign with its tier × category report; the report alone; the list by state. Public: the 公示.
        JsonElement detail = default;
        await EventuallyAsync(async () =>
        {
            detail = await world.JsonAsync("auditor-cli", Get, $"/api/bureau/campaigns/{id}");
            return detail.GetProperty("report").GetProperty("totals").GetProperty("claimed").GetProperty("count").GetInt64() == 1;
        });
        var reportTotals = detail.GetProperty("report").GetProperty("totals");
        Assert.False(detail.GetProperty("reportUnavailable").GetBoolean());
        Assert.Equal("""{"count":4000,"faceValueCents":50000000}""", reportTotals.GetProperty("allocated").GetRawText());
        Assert.Equal("""{"count":1,"faceValueCents":20000}""", reportTotals.GetProperty("used").GetRawText());
        Assert.Equal(250_001, reportTotals.GetProperty("leveragedSpendCents").GetInt64());
        var report = await world.JsonAsync("operator-cli", Get, $"/api/bureau/campaigns/{id}/report");
        Assert.Equal(reportTotals.GetRawText(), report.GetProperty("totals").GetRawText());
        var listed = await world.JsonAsync("finance-cli", Get, "/api/bureau/campaigns?state=running");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), c => c.GetProperty("campaignId").GetString() == id);
        var disclosure = await world.JsonAsync("consumer-demo", Get, $"/api/public/campaigns/{id}/disclosure");
        Assert.Equal((50_000_000L, 1L, 20_000L, 1L, 250_001L), (disclosure.GetProperty("budgetCents").GetInt64(), disclosure.GetProperty("issued").GetProperty("count").GetInt64(),
            disclosure.GetProperty("used").GetProperty("faceValueCents").GetInt64(), disclosure.GetProperty("merchantCount").GetInt64(), disclosure.GetProperty("leveragedSpendCents").GetInt64()));

        // Bureau: suspending needs a reason (400 naming it), then the merchant sees itself suspended.
        var invalid = await world.JsonAsync("operator-cli", Post, $"/api/bureau/merchants/{merchantId}/suspend", new { expectedVersion = approved.GetProperty("version").GetInt64() }, HttpStatusCode.BadRequest);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("reason", out _), invalid.GetRawText());
        var current = await world.JsonAsync("merchant-a", Get, $"/api/merchant/{merchantId}");
        var suspended = await world.JsonAsync("operator-cli", Post, $"/api/bureau/merchants/{merchantId}/suspend", new { expectedVersion = current.GetProperty("version").GetInt64(), reason = "虚假交易调查" });
        Assert.Equal(("suspended", "虚假交易调查"), (suspended.GetProperty("status").GetString(), suspended.GetProperty("statusReason").GetString()));
    }

    /// <summary>S5 configured and published on 2023-04-20, the clock then moved into its first round until it runs.</summary>
    internal static async Task<string> PublishRunningS5Async(ApiWorld world, CallInvoker platform, string prefix)
    {
        world.Clock.Now = Seeds.Beijing(2023, 4, 20);
        var configured = await Seeds.ConfigureS5Async(new CampaignService.CampaignServiceClient(platform), $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        await configured.PublishAsync();
        world.Clock.Now = Seeds.Beijing(2023, 4, 22, 10).AddSeconds(5);
        await EventuallyAsync(async () => (await world.JsonAsync("operator-cli", Get, $"/api/bureau/campaigns/{configured.Id}")).GetProperty("campaign").GetProperty("state").GetString() == "running");
        return configured.Id;
    }

    internal static async Task<string> RegisterSignedMerchantAsync(MerchantService.MerchantServiceClient merchants)
    {
        var seed = Random.Shared.Next(1, 999_999_999);
        var body = "91370303" + seed.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
        var profile = new MerchantProfile
        {
            LegalName = $"张店家电{seed}有限公司", TradeName = $"张店家电{seed}", UnifiedCreditCode = body + UnifiedCreditCode.CheckCharacter(body),
            Address = "张店区人民路1号", ContactName = "王经理", ContactPhone = "13812345678", CategoryIds = { "appliances" },
            PayoutAccount = new PayoutAccount { AccountName = "张店家电", BankName = "农业银行", AccountNumber = "6222000011112222" },
        };
        var registered = await merchants.RegisterMerchantAsync(new RegisterMerchantRequest { RequestId = Guid.NewGuid().ToString(), Actor = Seeds.Operator, RegistrationChannel = RegistrationChannel.OnSite, Profile = profile });
        IntegrityPledge pledge;
        try
        {
            pledge = await merchants.GetIntegrityPledgeAsync(new GetIntegrityPledgeRequest());
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            pledge = await merchants.PublishIntegrityPledgeAsync(new PublishIntegrityPledgeRequest
            {
                Actor = Seeds.Operator, Pledge = new IntegrityPledge { Version = "2023-01", Title = "诚信经营承诺书", Text = "不虚假交易，不抬高价格，开具发票。" },
            });
        }

        var signed = await merchants.SignIntegrityPledgeAsync(new SignIntegrityPledgeRequest { Actor = Seeds.Operator, MerchantId = registered.MerchantId, ExpectedVersion = registered.Version, PledgeVersion = pledge.Version, SignatoryName = "王经理" });
        return signed.MerchantId;
    }

    /// <summary>Claims as the channel does (retrying while the stock is armed) and waits until the voucher is stored.</summary>
    internal static async Task<string> ClaimAsync(ClaimService.ClaimServiceClient claims, string campaignId, PersonIdentity person, string tierId)
    {
        var request = new ClaimVoucherRequest { RequestId = Guid.NewGuid().ToString(), CampaignId = campaignId, TierId = tierId, Person = person };
        ClaimOutcome? outcome = null;
        await EventuallyAsync(async () =>
        {
            try
            {
                outcome = await claims.ClaimVoucherAsync(request, deadline: DateTime.UtcNow.AddSeconds(15));
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        });
        Assert.True(outcome!.Voucher is not null, $"the claim was refused: {outcome.Refusal}");
        await EventuallyAsync(async () =>
        {
            try
            {
                await claims.GetVoucherAsync(new GetVoucherRequest { Person = person, VoucherId = outcome.Voucher.VoucherId });
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        });
        return outcome.Voucher.VoucherId;
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held within a minute");
            await Task.Delay(50);
        }
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement.Clone();
            Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
            return problem;
        }
    }
}
