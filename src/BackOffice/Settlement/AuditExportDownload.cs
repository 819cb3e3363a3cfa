using System.Net.Http.Headers;
using BackOffice.SignIn;
using ServiceDefaults;

namespace BackOffice.Settlement;

/// <summary>
/// The audit export as a download: <c>/exports/{campaignId}/{dataset}.csv|xlsx</c> streams Settlement's
/// <c>/audit-exports/…</c> file to the browser, asked for with the signed-in person's token so that Settlement decides
/// (auditors and operators only) and its refusal reaches the person unchanged.
/// </summary>
public static class AuditExportDownload
{
    public const string HttpClientName = "settlement-exports";

    /// <summary>The datasets the page offers, as Settlement's file names spell them.</summary>
    public static readonly IReadOnlyList<string> Datasets = ["claims", "redemptions", "statements", "payouts", "reconciliation_items"];

    public static IServiceCollection AddAuditExportDownload(this IServiceCollection services)
    {
        // No resilience handler: an export streams for as long as it takes, and a retried download would start over.
        services.AddHttpClient(HttpClientName, client =>
        {
            client.BaseAddress = ServiceDiscovery.DiscoveryAddress(ResourceNames.Settlement, EndpointNames.Http);
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        return services;
    }

    public static string Path(string campaignId, string dataset, string format) =>
        $"/exports/{Uri.EscapeDataString(campaignId)}/{dataset}.{format}";

    public static IEndpointRouteBuilder MapAuditExportDownload(this IEndpointRouteBuilder app)
    {
        app.MapGet("/exports/{campaignId}/{file}", DownloadAsync)
            .RequireAuthorization(policy => policy.RequireRole(BackOfficeClaims.AuditorRole, BackOfficeClaims.OperatorRole));
        return app;
    }

    private static async Task DownloadAsync(string campaignId, string file, HttpContext context, AccessTokenStore tokens, IHttpClientFactory clients)
    {
        var token = tokens.Find(context.User.FindFirst(BackOfficeClaims.Session)?.Value);
        if (token is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"audit-exports/{Uri.EscapeDataString(campaignId)}/{Uri.EscapeDataString(file)}{context.Request.QueryString}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await clients.CreateClient(HttpClientName)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        if (response.Content.Headers.ContentDisposition is { } disposition)
        {
            context.Response.Headers.ContentDisposition = disposition.ToString();
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
