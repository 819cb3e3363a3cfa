using Microsoft.AspNetCore.Http.HttpResults;
using Vouchers.Campaign.V1;
using Vouchers.Settlement.V1;

namespace Gateway.Api;

/// <summary>/api/public: what the city app and channels show anyone — running campaigns, their tiers and rules, and the 公示.</summary>
public static class PublicApi
{
    /// <summary>States a campaign is public in: from publication on (a draft is the bureau's alone).</summary>
    private static readonly HashSet<CampaignState> Visible =
        [CampaignState.Published, CampaignState.Running, CampaignState.Paused, CampaignState.Ended, CampaignState.Settled, CampaignState.Closed];

    public static RouteGroupBuilder MapPublicApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/public").RequireAuthorization(Audiences.Public).WithTags("public");
        group.MapGet("/campaigns", ListRunningAsync).WithName("ListRunningCampaigns")
            .WithSummary("Campaigns whose rounds are running now, newest first.");
        group.MapGet("/campaigns/{campaignId}", GetCampaignAsync).WithName("GetPublicCampaign")
            .WithSummary("A published campaign with its tiers, rounds and claim rules.");
        group.MapGet("/campaigns/{campaignId}/disclosure", GetDisclosureAsync).WithName("GetPublicDisclosure")
            .WithSummary("The public disclosure (公示): budget, vouchers issued, used and expired, leveraged spend, merchants.");
        return group;
    }

    private static async Task<Ok<Page<CampaignCard>>> ListRunningAsync(
        HttpContext http, CampaignService.CampaignServiceClient campaigns, string? region, int? pageSize, string? pageToken)
    {
        var response = await campaigns.ListCampaignsAsync(
            new ListCampaignsRequest { States = { CampaignState.Running }, RegionCode = region ?? string.Empty, Page = Json.Page(pageSize, pageToken) },
            http.AsCaller());
        return TypedResults.Ok(new Page<CampaignCard>([.. response.Campaigns.Select(CampaignCard.From)], Json.Next(response.Page)));
    }

    private static async Task<Results<Ok<CampaignView>, ProblemHttpResult>> GetCampaignAsync(
        HttpContext http, CampaignService.CampaignServiceClient campaigns, string campaignId)
    {
        var campaign = await campaigns.GetCampaignAsync(new GetCampaignRequest { CampaignId = campaignId }, http.AsCaller());
        return Visible.Contains(campaign.State)
            ? TypedResults.Ok(CampaignView.From(campaign))
            : TypedResults.Problem($"campaign '{campaignId}' is not published", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Ok<DisclosureView>> GetDisclosureAsync(HttpContext http, ReportService.ReportServiceClient reports, string campaignId) =>
        TypedResults.Ok(DisclosureView.From(await reports.GetPublicDisclosureAsync(new GetPublicDisclosureRequest { CampaignId = campaignId }, http.AsCaller())));
}
