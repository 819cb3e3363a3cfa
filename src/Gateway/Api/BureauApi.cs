using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Api;

/// <summary>
/// /api/bureau: the commerce bureau's dashboard — campaigns and their tier × category report, merchants awaiting
/// review, settlement runs and payout batches. Operators, finance and auditors read; which of them may write what
/// is the services' decision (auditors never), so a refused write is their 403.
/// </summary>
public static class BureauApi
{
    public static RouteGroupBuilder MapBureauApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/bureau").RequireAuthorization(Audiences.Bureau).WithTags("bureau").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/campaigns", ListCampaignsAsync).WithName("ListCampaigns").WithSummary("Every campaign, newest first; filter by state, region or text.");
        group.MapGet("/campaigns/{campaignId}", GetCampaignAsync).WithName("GetCampaignWithReport")
            .WithSummary("A campaign with its tier × category report (null with reportUnavailable while Settlement cannot answer or has not learnt of the campaign yet).");
        group.MapGet("/campaigns/{campaignId}/report", GetReportAsync).WithName("GetTierCategoryReport")
            .WithSummary("Allocated, claimed, used, expired and revoked vouchers per tier × category, optionally for one round.");
        group.MapGet("/merchants/pending", ListPendingMerchantsAsync).WithName("ListMerchantsAwaitingApproval")
            .WithSummary("Merchants that signed the integrity pledge and wait for review.");
        group.MapPost("/merchants/{merchantId}/approve", (HttpContext http, MerchantService.MerchantServiceClient m, string merchantId, ReviewBody body) =>
                ReviewAsync(body, merchantId, reason: false, request => m.ApproveMerchantAsync(request, http.AsCaller())))
            .WithName("ApproveMerchant").WithSummary("Approves a merchant awaiting review.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/merchants/{merchantId}/suspend", (HttpContext http, MerchantService.MerchantServiceClient m, string merchantId, ReviewBody body) =>
                ReviewAsync(body, merchantId, reason: true, request => m.SuspendMerchantAsync(request, http.AsCaller())))
            .WithName("SuspendMerchant").WithSummary("Suspends an approved merchant; the reason is required and audited.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/settlement-runs", ListRunsAsync).WithName("ListSettlementRuns").WithSummary("Settlement runs of a campaign, newest first.");
        group.MapPost("/settlement-runs", RunSettlementAsync).WithName("RunSettlement")
            .WithSummary("Settles a campaign's redemptions in a period into merchant statements and a payout batch; idempotent on requestId.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/payout-batches", ListBatchesAsync).WithName("ListPayoutBatches").WithSummary("Payout batches, optionally of one campaign or status.");
        group.MapPost("/payout-batches/{batchId}/approve", (HttpContext http, SettlementService.SettlementServiceClient s, string batchId, BatchApproval body) =>
                BatchAsync(() => s.ApprovePayoutBatchAsync(new ApprovePayoutBatchRequest { BatchId = batchId, ExpectedVersion = body.ExpectedVersion }, http.AsCaller())))
            .WithName("ApprovePayoutBatch").WithSummary("Approves a draft payout batch (four-eyes: not by whoever ran the settlement).")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/payout-batches/{batchId}/pay", PayAsync).WithName("MarkPayoutBatchPaid")
            .WithSummary("Records that the treasury paid an approved batch, with the bank's payment reference.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static async Task<Results<Ok<Page<CampaignCard>>, ValidationProblem>> ListCampaignsAsync(
        HttpContext http, CampaignService.CampaignServiceClient campaigns, string? state, string? region, string? text, int? pageSize, string? pageToken)
    {
        var request = new ListCampaignsRequest { RegionCode = region ?? string.Empty, Text = text ?? string.Empty, Page = Json.Page(pageSize, pageToken) };
        if (state is not null)
        {
            if (!Json.TryParse<CampaignState>(state, out var parsed))
            {
                return ApiProblems.Invalid(("state", $"'{state}' is not a campaign state (draft, published, running, paused, ended, settled, closed)"));
            }

            request.States.Add(parsed);
        }

        var response = await campaigns.ListCampaignsAsync(request, http.AsCaller());
        return TypedResults.Ok(new Page<CampaignCard>([.. response.Campaigns.Select(CampaignCard.From)], Json.Next(response.Page)));
    }

    private static async Task<Ok<CampaignWithReport>> GetCampaignAsync(
        HttpContext http, CampaignService.CampaignServiceClient campaigns, ReportService.ReportServiceClient reports, string campaignId)
    {
        var campaign = campaigns.GetCampaignAsync(new GetCampaignRequest { CampaignId = campaignId }, http.AsCaller());
        var report = reports.GetTierCategoryReportAsync(new GetTierCategoryReportRequest { CampaignId = campaignId }, http.AsCaller());
        var details = await campaign;
        try
        {
            return TypedResults.Ok(new CampaignWithReport(CampaignView.From(details), TierCategoryReportView.From(await report), ReportUnavailable: false));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.NotFound)
        {
            // The campaign is the Campaign service's; the dashboard shows it while Settlement is away or has not
            // learnt of the campaign yet from the snapshot watch.
            return TypedResults.Ok(new CampaignWithReport(CampaignView.From(details), Report: null, ReportUnavailable: true));
        }
    }

    private static async Task<Ok<TierCategoryReportView>> GetReportAsync(HttpContext http, ReportService.ReportServiceClient reports, string campaignId, string? roundId) =>
        TypedResults.Ok(TierCategoryReportView.From(await reports.GetTierCategoryReportAsync(
            new GetTierCategoryReportRequest { CampaignId = campaignId, RoundId = roundId ?? string.Empty }, http.AsCaller())));

    private static async Task<Ok<Page<MerchantView>>> ListPendingMerchantsAsync(
        HttpContext http, MerchantService.MerchantServiceClient merchants, string? campaignId, int? pageSize, string? pageToken)
    {
        var response = await merchants.ListMerchantsAsync(
            new ListMerchantsRequest { Statuses = { MerchantStatus.PendingReview }, CampaignId = campaignId ?? string.Empty, Page = Json.Page(pageSize, pageToken) },
            http.AsCaller());
        return TypedResults.Ok(new Page<MerchantView>([.. response.Merchants.Select(MerchantView.From)], Json.Next(response.Page)));
    }

    private static async Task<Results<Ok<MerchantView>, ValidationProblem>> ReviewAsync(
        ReviewBody body, string merchantId, bool reason, Func<ReviewMerchantRequest, AsyncUnaryCall<MerchantDetails>> call)
    {
        if (reason && string.IsNullOrWhiteSpace(body.Reason))
        {
            return ApiProblems.Invalid(("reason", "required: the merchant and the audit log are told why"));
        }

        var merchant = await call(new ReviewMerchantRequest { MerchantId = merchantId, ExpectedVersion = body.ExpectedVersion, Reason = body.Reason ?? string.Empty });
        return TypedResults.Ok(MerchantView.From(merchant));
    }

    private static async Task<Ok<Page<RunView>>> ListRunsAsync(
        HttpContext http, SettlementService.SettlementServiceClient settlement, string? campaignId, int? pageSize, string? pageToken)
    {
        var response = await settlement.ListSettlementRunsAsync(
            new ListSettlementRunsRequest { CampaignId = campaignId ?? string.Empty, Page = Json.Page(pageSize, pageToken) }, http.AsCaller());
        return TypedResults.Ok(new Page<RunView>([.. response.Runs.Select(RunView.From)], Json.Next(response.Page)));
    }

    private static async Task<Results<Created<RunView>, ValidationProblem>> RunSettlementAsync(
        HttpContext http, SettlementService.SettlementServiceClient settlement, RunBody body)
    {
        var problems = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(body.RequestId))
        {
            problems.Add(("requestId", "required: a UUID that makes the run idempotent"));
        }

        if (string.IsNullOrWhiteSpace(body.CampaignId))
        {
            problems.Add(("campaignId", "required"));
        }

        if (!Json.TryParse<SettlementRunKind>(body.Kind, out var kind))
        {
            problems.Add(("kind", "must be periodic or final"));
        }

        if (body.PeriodStartUtc >= body.PeriodEndUtc)
        {
            problems.Add(("periodEndUtc", "must be after periodStartUtc"));
        }

        if (problems.Count > 0)
        {
            return ApiProblems.Invalid([.. problems]);
        }

        var run = await settlement.RunSettlementAsync(
            new RunSettlementRequest
            {
                RequestId = body.RequestId, CampaignId = body.CampaignId, Kind = kind,
                Period = new TimeWindow { StartTime = Json.Timestamp(body.PeriodStartUtc), EndTime = Json.Timestamp(body.PeriodEndUtc) },
            },
            http.AsCaller());
        return TypedResults.Created($"{ApiEndpoints.Prefix}/bureau/settlement-runs/{run.RunId}", RunView.From(run));
    }

    private static async Task<Results<Ok<Page<BatchView>>, ValidationProblem>> ListBatchesAsync(
        HttpContext http, SettlementService.SettlementServiceClient settlement, string? campaignId, string? status, int? pageSize, string? pageToken)
    {
        var request = new ListPayoutBatchesRequest { CampaignId = campaignId ?? string.Empty, Page = Json.Page(pageSize, pageToken) };
        if (status is not null)
        {
            if (!Json.TryParse<PayoutBatchStatus>(status, out var parsed))
            {
                return ApiProblems.Invalid(("status", $"'{status}' is not a batch status (draft, approved, paid)"));
            }

            request.Statuses.Add(parsed);
        }

        var response = await settlement.ListPayoutBatchesAsync(request, http.AsCaller());
        return TypedResults.Ok(new Page<BatchView>([.. response.Batches.Select(BatchView.From)], Json.Next(response.Page)));
    }

    private static async Task<Ok<BatchView>> BatchAsync(Func<AsyncUnaryCall<PayoutBatch>> call) => TypedResults.Ok(BatchView.From(await call()));

    private static async Task<Results<Ok<BatchView>, ValidationProblem>> PayAsync(
        HttpContext http, SettlementService.SettlementServiceClient settlement, string batchId, BatchPayment body)
    {
        if (string.IsNullOrWhiteSpace(body.PaymentReference))
        {
            return ApiProblems.Invalid(("paymentReference", "required: the bank's reference of the transfer"));
        }

        return await BatchAsync(() => settlement.MarkPayoutBatchPaidAsync(
            new MarkPayoutBatchPaidRequest { BatchId = batchId, ExpectedVersion = body.ExpectedVersion, PaymentReference = body.PaymentReference, PaidAt = Json.Timestamp(body.PaidAtUtc) },
            http.AsCaller()));
    }
}

/// <summary>A review decision on the version the reviewer read (409 when someone changed the merchant since).</summary>
public sealed record ReviewBody(long ExpectedVersion, string? Reason);

/// <summary>A settlement run: <c>periodic</c> or <c>final</c>, over [periodStartUtc, periodEndUtc).</summary>
public sealed record RunBody(string RequestId, string CampaignId, string Kind, DateTimeOffset PeriodStartUtc, DateTimeOffset PeriodEndUtc);

public sealed record BatchApproval(long ExpectedVersion);

public sealed record BatchPayment(long ExpectedVersion, string PaymentReference, DateTimeOffset? PaidAtUtc);

public sealed record TierCategoryLineView(
    string TierId, string TierName, long FaceValueCents, string CategoryId, TallyView Allocated, TallyView Claimed, TallyView Used, TallyView Expired,
    TallyView Revoked, long LeveragedSpendCents)
{
    public static TierCategoryLineView From(TierCategoryLine? l) => l is null
        ? new(string.Empty, string.Empty, 0, string.Empty, TallyView.From(null), TallyView.From(null), TallyView.From(null), TallyView.From(null), TallyView.From(null), 0)
        : new(l.TierId, l.TierName, l.FaceValueCents, l.CategoryId, TallyView.From(l.Allocated), TallyView.From(l.Claimed), TallyView.From(l.Used),
            TallyView.From(l.Expired), TallyView.From(l.Revoked), l.LeveragedSpendCents);
}

public sealed record TierCategoryReportView(string CampaignId, IReadOnlyList<TierCategoryLineView> Lines, TierCategoryLineView Totals, DateTime? AsOfUtc)
{
    public static TierCategoryReportView From(TierCategoryReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.CampaignId, [.. r.Lines.Select(TierCategoryLineView.From)], TierCategoryLineView.From(r.Totals), Json.Utc(r.AsOf));
    }
}

public sealed record CampaignWithReport(CampaignView Campaign, TierCategoryReportView? Report, bool ReportUnavailable);

public sealed record RunView(
    string RunId, string CampaignId, string Kind, DateTime? PeriodStartUtc, DateTime? PeriodEndUtc, int StatementCount, AmountsView Totals, string PayoutBatchId, DateTime? CreatedAtUtc)
{
    public static RunView From(SettlementRun r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RunId, r.CampaignId, Json.Name(r.Kind), Json.Utc(r.Period?.StartTime), Json.Utc(r.Period?.EndTime), r.StatementCount,
            AmountsView.From(r.Totals), r.PayoutBatchId, Json.Utc(r.CreatedAt));
    }
}

public sealed record PayoutLineView(string StatementId, string MerchantId, string MerchantTradeName, string AccountName, string BankName, string AccountNumberMasked, long AmountCents);

public sealed record BatchView(
    string BatchId, string CampaignId, string RunId, string Status, long Version, IReadOnlyList<PayoutLineView> Lines, long TotalCents, long HeldTotalCents,
    DateTime? ApprovedAtUtc, DateTime? PaidAtUtc, string PaymentReference, DateTime? CreatedAtUtc)
{
    public static BatchView From(PayoutBatch b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return new(b.BatchId, b.CampaignId, b.RunId, Json.Name(b.Status), b.Version,
            [.. b.Lines.Select(l => new PayoutLineView(l.StatementId, l.MerchantId, l.MerchantTradeName, l.AccountName, l.BankName, l.AccountNumberMasked, l.AmountCents))],
            b.TotalCents, b.HeldTotalCents, Json.Utc(b.ApprovedAt), Json.Utc(b.PaidAt), b.PaymentReference, Json.Utc(b.CreatedAt));
    }
}
