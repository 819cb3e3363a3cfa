using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Api;

/// <summary>
/// /api/merchant/{merchantId}: a merchant's till and back office — quote and redeem, its redemptions with totals,
/// its statements and payouts, its cashiers. Only the merchant the token belongs to; the services check it again.
/// </summary>
public static class MerchantApi
{
    public static RouteGroupBuilder MapMerchantApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/merchant/{merchantId}").RequireAuthorization(Audiences.Merchant).WithTags("merchant")
            .AddEndpointFilter(OwnMerchantOnlyAsync)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", GetMerchantAsync).WithName("GetOwnMerchant").WithSummary("The merchant's own record and review status.");
        group.MapPost("/quotes", QuoteAsync).WithName("QuoteRedemption")
            .WithSummary("What a voucher (or the best of the buyer's) takes off an order, before redeeming; reads only.")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapPost("/redemptions", RedeemAsync).WithName("Redeem")
            .WithSummary("Redeems a voucher at the till; idempotent on idempotencyKey. A voucher that does not qualify is 422 with the reason.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/redemptions", ListRedemptionsAsync).WithName("ListOwnRedemptions")
            .WithSummary("The merchant's redemptions, newest first, with totals over the whole selection.");
        group.MapGet("/statements", ListStatementsAsync).WithName("ListOwnStatements")
            .WithSummary("Settlement statements of the merchant with their payout status, and totals.");
        group.MapGet("/cashiers", ListCashiersAsync).WithName("ListCashiers").WithSummary("The cashiers bound to the merchant.");
        group.MapPost("/cashiers", BindCashierAsync).WithName("BindCashier")
            .WithSummary("Binds a cashier's account with a binding code the bureau issued to this merchant.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    /// <summary>A merchant's token reaches its own merchant only; another merchant's path is 403 before any service is asked.</summary>
    private static async ValueTask<object?> OwnMerchantOnlyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requested = http.GetRouteValue("merchantId") as string;
        if (!string.Equals(requested, http.User.FindFirstValue(TokenClaims.MerchantId), StringComparison.Ordinal))
        {
            return TypedResults.Problem($"this token may only act for its own merchant, not '{requested}'", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        return await next(context).ConfigureAwait(false);
    }

    private static async Task<Ok<MerchantView>> GetMerchantAsync(HttpContext http, MerchantService.MerchantServiceClient merchants, string merchantId) =>
        TypedResults.Ok(MerchantView.From(await merchants.GetMerchantAsync(new GetMerchantRequest { MerchantId = merchantId }, http.AsCaller())));

    private static async Task<Results<Ok<QuoteView>, ValidationProblem>> QuoteAsync(
        HttpContext http, RedemptionService.RedemptionServiceClient redemptions, string merchantId, TillOrder order)
    {
        if (order.Problems().ToArray() is { Length: > 0 } problems)
        {
            return ApiProblems.Invalid(problems);
        }

        var request = new QuoteRedemptionRequest { MerchantId = merchantId, Order = order.Details() };
        order.ApplySource(t => request.PresentationToken = t, v => request.VoucherId = v, a => request.AutoPick = a);
        return TypedResults.Ok(QuoteView.From(await redemptions.QuoteRedemptionAsync(request, http.AsCaller())));
    }

    private static async Task<Results<Created<RedemptionView>, Ok<RedemptionView>, ValidationProblem, ProblemHttpResult>> RedeemAsync(
        HttpContext http, RedemptionService.RedemptionServiceClient redemptions, string merchantId, RedeemBody body)
    {
        var problems = body.Order.Problems("order.").ToList();
        if (string.IsNullOrWhiteSpace(body.IdempotencyKey))
        {
            problems.Add(("idempotencyKey", "required: one key per sale, reused when the till retries"));
        }

        if (problems.Count > 0)
        {
            return ApiProblems.Invalid([.. problems]);
        }

        var request = new RedeemRequest { IdempotencyKey = body.IdempotencyKey, MerchantId = merchantId, StaffId = body.StaffId ?? string.Empty, Order = body.Order.Details() };
        body.Order.ApplySource(t => request.PresentationToken = t, v => request.VoucherId = v, a => request.AutoPick = a);
        var outcome = await redemptions.RedeemAsync(request, http.AsCaller());
        if (outcome.ResultCase == RedeemOutcome.ResultOneofCase.Refusal)
        {
            var refusal = outcome.Refusal;
            return ApiProblems.Refused("The voucher cannot be redeemed", refusal.Message, new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["reason"] = Json.Name(refusal.Reason),
                ["voucherId"] = refusal.VoucherId,
                ["requiredAmountCents"] = refusal.RequiredAmountCents,
                ["usableFromUtc"] = Json.Utc(refusal.UsableFrom),
            });
        }

        var redemption = RedemptionView.From(outcome.Redemption);
        return outcome.Replayed
            ? TypedResults.Ok(redemption)
            : TypedResults.Created($"{ApiEndpoints.Prefix}/merchant/{merchantId}/redemptions/{redemption.RedemptionId}", redemption);
    }

    private static async Task<Ok<RedemptionList>> ListRedemptionsAsync(
        HttpContext http, RedemptionService.RedemptionServiceClient redemptions, string merchantId,
        string? campaignId, DateTimeOffset? fromUtc, DateTimeOffset? toUtc, int? pageSize, string? pageToken)
    {
        var request = new ListRedemptionsRequest { MerchantId = merchantId, CampaignId = campaignId ?? string.Empty, Page = Json.Page(pageSize, pageToken) };
        if (fromUtc is not null || toUtc is not null)
        {
            request.Window = new TimeWindow { StartTime = Json.Timestamp(fromUtc), EndTime = Json.Timestamp(toUtc) };
        }

        var response = await redemptions.ListRedemptionsAsync(request, http.AsCaller());
        var totals = response.Totals ?? new RedemptionTotals();
        return TypedResults.Ok(new RedemptionList(
            [.. response.Redemptions.Select(RedemptionView.From)], Json.Next(response.Page),
            new RedemptionTotalsView(totals.Count, totals.FaceValueCents, totals.OrderAmountCents, totals.SubsidyCents, totals.LeverageBasisPoints)));
    }

    private static async Task<Ok<StatementList>> ListStatementsAsync(
        HttpContext http, SettlementService.SettlementServiceClient settlement, string merchantId, string? campaignId, int? pageSize, string? pageToken)
    {
        var response = await settlement.ListStatementsAsync(
            new ListStatementsRequest { MerchantId = merchantId, CampaignId = campaignId ?? string.Empty, Page = Json.Page(pageSize, pageToken) }, http.AsCaller());
        return TypedResults.Ok(new StatementList([.. response.Statements.Select(StatementView.From)], Json.Next(response.Page), AmountsView.From(response.Totals)));
    }

    private static async Task<Ok<Page<CashierView>>> ListCashiersAsync(
        HttpContext http, MerchantService.MerchantServiceClient merchants, string merchantId, bool? includeInactive, int? pageSize, string? pageToken)
    {
        var response = await merchants.ListStaffAsync(
            new ListStaffRequest { MerchantId = merchantId, IncludeInactive = includeInactive ?? false, Page = Json.Page(pageSize, pageToken) }, http.AsCaller());
        return TypedResults.Ok(new Page<CashierView>([.. response.Staff.Select(CashierView.From)], Json.Next(response.Page)));
    }

    /// <remarks>
    /// The binding code names the merchant (the bureau issues it to one merchant, and whoever holds it may use it, as on
    /// gRPC); the answer's merchantId says which. The service cannot yet refuse a code of another merchant before it
    /// binds, so the gateway does not pretend to refuse one after the binding happened.
    /// </remarks>
    private static async Task<Results<Created<CashierView>, ValidationProblem>> BindCashierAsync(
        HttpContext http, MerchantService.MerchantServiceClient merchants, string merchantId, BindCashierBody body)
    {
        var problems = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(body.RequestId))
        {
            problems.Add(("requestId", "required: a UUID that makes the binding idempotent"));
        }

        if (string.IsNullOrWhiteSpace(body.BindingCode))
        {
            problems.Add(("bindingCode", "required: the code the bureau issued for this merchant"));
        }

        if (string.IsNullOrWhiteSpace(body.AccountId))
        {
            problems.Add(("accountId", "required: the cashier's account"));
        }

        if (problems.Count > 0)
        {
            return ApiProblems.Invalid([.. problems]);
        }

        var staff = await merchants.BindStaffAsync(
            new BindStaffRequest { RequestId = body.RequestId, BindingCode = body.BindingCode, AccountId = body.AccountId, Name = body.Name ?? string.Empty, Phone = body.Phone ?? string.Empty },
            http.AsCaller());
        var cashier = CashierView.From(staff);
        return TypedResults.Created($"{ApiEndpoints.Prefix}/merchant/{merchantId}/cashiers/{cashier.StaffId}", cashier);
    }
}

/// <summary>
/// An order at the till and the voucher to use: exactly one of <see cref="PresentationToken"/> (the buyer's QR code),
/// <see cref="VoucherId"/>, or <see cref="AutoPickCampaignId"/> (the best of the buyer's vouchers in that campaign).
/// </summary>
public sealed record TillOrder(
    long OrderAmountCents, long? QualifyingItemAmountCents, string? CategoryId, string? PresentationToken, string? VoucherId, string? AutoPickCampaignId,
    string? MerchantOrderNumber, string? InvoiceNumber, string? Note)
{
    public IEnumerable<(string Field, string Message)> Problems(string prefix = "")
    {
        if (OrderAmountCents <= 0)
        {
            yield return (prefix + "orderAmountCents", "must be a positive amount in cents");
        }

        if (QualifyingItemAmountCents is < 0 || QualifyingItemAmountCents > OrderAmountCents)
        {
            yield return (prefix + "qualifyingItemAmountCents", "must be between 0 and orderAmountCents");
        }

        if (new[] { PresentationToken, VoucherId, AutoPickCampaignId }.Count(s => !string.IsNullOrWhiteSpace(s)) != 1)
        {
            yield return (prefix + "presentationToken", "give exactly one of presentationToken, voucherId, autoPickCampaignId");
        }
    }

    public OrderDetails Details() => new()
    {
        OrderAmountCents = OrderAmountCents,
        QualifyingItemAmountCents = QualifyingItemAmountCents ?? 0,
        CategoryId = CategoryId ?? string.Empty,
        MerchantOrderNumber = MerchantOrderNumber ?? string.Empty,
        InvoiceNumber = InvoiceNumber ?? string.Empty,
        Note = Note ?? string.Empty,
    };

    /// <summary>Sets the voucher source of a quote or redeem request (two messages with the same oneof).</summary>
    public void ApplySource(Action<string> presentationToken, Action<string> voucherId, Action<AutoPick> autoPick)
    {
        ArgumentNullException.ThrowIfNull(presentationToken);
        ArgumentNullException.ThrowIfNull(voucherId);
        ArgumentNullException.ThrowIfNull(autoPick);
        if (!string.IsNullOrWhiteSpace(PresentationToken))
        {
            presentationToken(PresentationToken);
        }
        else if (!string.IsNullOrWhiteSpace(VoucherId))
        {
            voucherId(VoucherId);
        }
        else
        {
            autoPick(new AutoPick { CampaignId = AutoPickCampaignId ?? string.Empty });
        }
    }
}

/// <summary>A sale to redeem a voucher on; the same <see cref="IdempotencyKey"/> on a retry returns the first answer.</summary>
public sealed record RedeemBody(string IdempotencyKey, string? StaffId, TillOrder Order);

/// <summary>A cashier to bind with a binding code; <see cref="RequestId"/> makes a retried binding harmless.</summary>
public sealed record BindCashierBody(string RequestId, string BindingCode, string AccountId, string? Name, string? Phone);

public sealed record MerchantView(
    string MerchantId, long Version, string Status, string LegalName, string TradeName, string RegionCode, IReadOnlyList<string> CategoryIds,
    IReadOnlyList<string> EnrolledCampaignIds, string StatusReason, DateTime? RegisteredAtUtc)
{
    public static MerchantView From(MerchantDetails m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var p = m.Profile ?? new MerchantProfile();
        return new(m.MerchantId, m.Version, Json.Name(m.Status), p.LegalName, p.TradeName, p.RegionCode, [.. p.CategoryIds], [.. m.EnrolledCampaignIds], m.StatusReason, Json.Utc(m.RegisteredAt));
    }
}

public sealed record VoucherOptionView(
    string VoucherId, string CampaignId, string TierId, string TierName, long FaceValueCents, DateTime? ValidUntilUtc, bool Qualifies, IReadOnlyList<string> Reasons, long PaidCents)
{
    public static VoucherOptionView From(VoucherOption o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var v = o.Voucher ?? new Vouchers.Claim.V1.Voucher();
        return new(v.VoucherId, v.CampaignId, v.TierId, v.TierName, v.FaceValueCents, Json.Utc(v.ValidUntil), o.Qualifies, [.. o.Reasons.Select(Json.Name)], o.PaidCents);
    }
}

/// <summary>The best voucher for the order (null when none qualifies), every candidate, and details the till still has to give.</summary>
public sealed record QuoteView(VoucherOptionView? Best, IReadOnlyList<VoucherOptionView> Candidates, IReadOnlyList<string> MissingDetails)
{
    public static QuoteView From(QuoteRedemptionResponse q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return new(q.Best is null ? null : VoucherOptionView.From(q.Best), [.. q.Candidates.Select(VoucherOptionView.From)], [.. q.MissingDetails.Select(Json.Name)]);
    }
}

public sealed record RedemptionView(
    string RedemptionId, string VoucherId, string CampaignId, string TierId, string MerchantId, string StaffId, string Status,
    long FaceValueCents, long OrderAmountCents, long PaidCents, long GovernmentShareCents, long MerchantCofundingCents, string CategoryId,
    string MerchantOrderNumber, DateTime? RedeemedAtUtc)
{
    public static RedemptionView From(RedemptionRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RedemptionId, r.VoucherId, r.CampaignId, r.TierId, r.MerchantId, r.StaffId, Json.Name(r.Status), r.FaceValueCents, r.OrderAmountCents,
            r.PaidCents, r.GovernmentShareCents, r.MerchantCofundingCents, r.CategoryId, r.MerchantOrderNumber, Json.Utc(r.RedeemedAt));
    }
}

/// <summary>Totals over every redemption the filter selects (not just this page); leverage in basis points (spend ÷ face value).</summary>
public sealed record RedemptionTotalsView(long Count, long FaceValueCents, long OrderAmountCents, long SubsidyCents, long LeverageBasisPoints);

public sealed record RedemptionList(IReadOnlyList<RedemptionView> Items, string? NextPageToken, RedemptionTotalsView Totals);

public sealed record AmountsView(
    long RedemptionCount, long FaceValueCents, long LeveragedSpendCents, long GovernmentShareCents, long MerchantShareCents, long AdjustmentsCents, long NetPayableCents)
{
    public static AmountsView From(StatementAmounts? a) => a is null
        ? new(0, 0, 0, 0, 0, 0, 0)
        : new(a.RedemptionCount, a.FaceValueCents, a.LeveragedSpendCents, a.GovernmentShareCents, a.MerchantShareCents, a.AdjustmentsCents, a.NetPayableCents);
}

public sealed record StatementView(
    string StatementId, string RunId, string CampaignId, string MerchantId, string MerchantTradeName, DateTime? PeriodStartUtc, DateTime? PeriodEndUtc,
    AmountsView Amounts, string PayoutStatus, string PayoutBatchId, string HoldReason)
{
    public static StatementView From(MerchantStatement s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.StatementId, s.RunId, s.CampaignId, s.MerchantId, s.MerchantTradeName, Json.Utc(s.Period?.StartTime), Json.Utc(s.Period?.EndTime),
            AmountsView.From(s.Amounts), Json.Name(s.PayoutStatus), s.PayoutBatchId, s.HoldReason);
    }
}

public sealed record StatementList(IReadOnlyList<StatementView> Items, string? NextPageToken, AmountsView Totals);

public sealed record CashierView(string StaffId, string MerchantId, string AccountId, string Name, bool Active, DateTime? BoundAtUtc)
{
    public static CashierView From(StaffMember s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.StaffId, s.MerchantId, s.AccountId, s.Name, s.Active, Json.Utc(s.BoundAt));
    }
}
