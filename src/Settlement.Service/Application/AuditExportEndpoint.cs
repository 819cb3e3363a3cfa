using ServiceDefaults;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// GET /audit-exports/{campaignId}/{dataset}.{csv|xlsx}?from=…&amp;to=… on the service's HTTP endpoint: the audit export
/// as a file, for auditors' tools that want a download rather than a gRPC stream. The actor is the caller's
/// validated token, as for every gRPC call; refusals are problem details (RFC 9457).
/// The row count and checksum are in the XLSX's manifest sheet and, for both formats, in the response trailers
/// where the protocol carries them (HTTP/2).
/// </summary>
public static class AuditExportEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/audit-exports/{campaignId}/{file}", async (string campaignId, string file, HttpContext context, AuditExport export) =>
        {
            var format = Path.GetExtension(file).TrimStart('.').ToLowerInvariant();
            var name = Path.GetFileNameWithoutExtension(file);
            try
            {
                var request = new ExportAuditDataRequest
                {
                    Actor = TokenClaims.ToActor(context.User),
                    CampaignId = campaignId,
                    Dataset = Enum.TryParse<ExportDataset>(name.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var dataset) ? dataset : ExportDataset.Unspecified,
                    Window = Requests.ToWindow(
                        ParseInstant(context.Request.Query["from"], DateTimeOffset.UnixEpoch),
                        ParseInstant(context.Request.Query["to"], new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero))),
                };
                if (format is not ("csv" or "xlsx"))
                {
                    throw new InvalidArgumentException("format", "csv or xlsx");
                }

                var (columns, id, from, to) = await export.PrepareAsync(request, context.RequestAborted);
                var rows = export.RowsAsync(request.Dataset, id, from, to, context.RequestAborted);
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-{name}.{format}\"";
                ExportManifest manifest;
                if (format == "csv")
                {
                    context.Response.ContentType = "text/csv; charset=utf-8";
                    manifest = await AuditFiles.WriteCsvAsync(columns, rows, context.Response.Body, context.RequestAborted);
                }
                else
                {
                    context.Response.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                    await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                    manifest = await AuditFiles.WriteXlsxAsync(columns, rows, spool, context.RequestAborted);
                    spool.Position = 0;
                    await spool.CopyToAsync(context.Response.Body, context.RequestAborted);
                }

                if (context.Response.SupportsTrailers())
                {
                    context.Response.AppendTrailer("export-row-count", manifest.RowCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    context.Response.AppendTrailer("export-sha256", manifest.Sha256);
                }
            }
            catch (DomainException ex) when (!context.Response.HasStarted)
            {
                var status = ex.Kind switch
                {
                    DomainErrorKind.PermissionDenied => StatusCodes.Status403Forbidden,
                    DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
                    _ => StatusCodes.Status400BadRequest,
                };
                await Results.Problem(detail: ex.Message, statusCode: status).ExecuteAsync(context);
            }
        });
    }

    private static DateTimeOffset ParseInstant(string? text, DateTimeOffset fallback) =>
        string.IsNullOrEmpty(text) ? fallback
        : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? value
        : throw new InvalidArgumentException("from/to", "RFC 3339 instants");
}
