using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Settlement.Service.Application;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Grpc;

/// <summary>settlement.v1.ReportService over <see cref="Reports"/> and <see cref="AuditExport"/>.</summary>
public sealed class ReportGrpcService(Reports reports, AuditExport export, TimeProvider time) : ReportService.ReportServiceBase
{
    public override Task<TierCategoryReport> GetTierCategoryReport(GetTierCategoryReportRequest request, ServerCallContext context) =>
        reports.TierCategoryAsync(request, context.CancellationToken);

    public override Task<ListClaimRecordsResponse> ListClaimRecords(ListClaimRecordsRequest request, ServerCallContext context) =>
        reports.ClaimRecordsAsync(request, context.CancellationToken);

    public override Task<ListRedemptionRecordsResponse> ListRedemptionRecords(ListRedemptionRecordsRequest request, ServerCallContext context) =>
        reports.RedemptionRecordsAsync(request, context.CancellationToken);

    public override Task<GetMerchantStatsResponse> GetMerchantStats(GetMerchantStatsRequest request, ServerCallContext context) =>
        reports.MerchantStatsAsync(request, context.CancellationToken);

    public override Task<MonthlyProgress> GetMonthlyProgress(GetMonthlyProgressRequest request, ServerCallContext context) =>
        reports.MonthlyProgressAsync(request, time, context.CancellationToken);

    public override Task<PublicDisclosure> GetPublicDisclosure(GetPublicDisclosureRequest request, ServerCallContext context) =>
        reports.DisclosureAsync(request, context.CancellationToken);

    public override async Task ExportAuditData(ExportAuditDataRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        var (columns, campaignId, from, to) = await export.PrepareAsync(request, context.CancellationToken);
        var header = new ExportHeader { Dataset = request.Dataset, GeneratedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()) };
        header.Columns.AddRange(columns);
        await responseStream.WriteAsync(new ExportChunk { Header = header }, context.CancellationToken);
        using var checksum = new RowChecksum();
        await foreach (var values in export.RowsAsync(request.Dataset, campaignId, from, to, context.CancellationToken))
        {
            checksum.Add(values);
            var row = new ExportRow { RowNumber = checksum.Rows };
            row.Values.AddRange(values);
            await responseStream.WriteAsync(new ExportChunk { Row = row }, context.CancellationToken);
        }

        await responseStream.WriteAsync(new ExportChunk { Trailer = new ExportTrailer { RowCount = checksum.Rows, Sha256 = checksum.HexDigest() } }, context.CancellationToken);
    }
}
