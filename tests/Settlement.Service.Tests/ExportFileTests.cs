using System.Net.Http.Headers;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Settlement.Service.Application;
using Settlement.Service.Tests.Infrastructure;
using TestSupport;
using Vouchers.Campaign.V1;
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;

namespace Settlement.Service.Tests;

/// <summary>The audit export as a gRPC stream and as CSV and XLSX files: same rows, same row count, same checksum.</summary>
public class ExportFileTests
{
    private static async Task<World> WorldAsync()
    {
        var world = await World.StartAsync(Shanghai(2023, 4, 24, 1));
        var campaign = S5(("m1", MerchantStatus.Approved));
        await world.Host.StoreSnapshotAsync(campaign);
        var awkward = Redeemed(campaign, "m1", "t-200", Shanghai(2023, 4, 22, 11), 250_000);
        awkward.MerchantTradeName = "张店 \"东方\", 家电\n二店";
        awkward.InvoiceNumber = "=SUM(A1)";
        world.Feeds.Redemption(awkward);
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 22, 12), 120_000));
        world.Feeds.Redemption(Redeemed(campaign, "m1", "t-100", Shanghai(2023, 4, 23, 12), 130_000));
        await world.Host.WaitForFeedsAsync(3, caughtUpTo: world.Clock.Now);
        return world;
    }

    private static HttpClient Http(SettlementHost host)
    {
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var http = new HttpClient { BaseAddress = new Uri(addresses.Single(a => !a.Contains(host.Channel.Target, StringComparison.Ordinal))) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestTokens.For(Auditor));
        return http;
    }

    [Fact]
    public async Task Csv_and_xlsx_files_hold_exactly_the_streamed_rows_and_their_checksum()
    {
        await using var world = await WorldAsync();
        var stream = await BadInputTests.ReadAllAsync(world.Host.Reports.ExportAuditData(new ExportAuditDataRequest { Actor = Auditor, CampaignId = "s5-zhangdian", Dataset = ExportDataset.Redemptions }));
        var columns = stream[0].Header.Columns.ToList();
        var rows = stream.Where(c => c.ChunkCase == ExportChunk.ChunkOneofCase.Row).Select(c => c.Row.Values.ToArray()).ToList();
        var trailer = stream[^1].Trailer;
        Assert.Equal(3, trailer.RowCount);
        Assert.Contains(rows, r => r.Contains("张店 \"东方\", 家电\n二店"));
        using var http = Http(world.Host);

        var csvBytes = await http.GetByteArrayAsync("/audit-exports/s5-zhangdian/redemptions.csv");
        var csvRows = new List<string[]>();
        await using (var reader = CsvReader.Create(new MemoryStream(csvBytes), new CsvReaderOptions { AllowLineBreaksInQuotes = true }, false))
        {
            while (reader.Read())
            {
                csvRows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => System.Text.Encoding.UTF8.GetString(reader.GetSpan(i))).ToArray());
            }
        }

        if (csvRows.Count == rows.Count + 1)
        {
            Assert.Equal(columns, csvRows[0]);
            csvRows.RemoveAt(0);
        }

        Assert.Equal(rows, csvRows);
        using var checksum = new RowChecksum();
        csvRows.ForEach(checksum.Add);
        Assert.Equal(trailer.Sha256, checksum.HexDigest());

        var xlsx = await http.GetByteArrayAsync("/audit-exports/s5-zhangdian/redemptions.xlsx");
        using var document = SpreadsheetDocument.Open(new MemoryStream(xlsx), false);
        var sheets = document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().ToList();
        string[][] Read(string name) => ((WorksheetPart)document.WorkbookPart.GetPartById(sheets.Single(s => s.Name == name).Id!)).Worksheet.Descendants<Row>()
            .Select(r => r.Elements<Cell>().Select(c => c.InlineString?.Text?.Text ?? string.Empty).ToArray()).ToArray();
        var data = Read("data");
        Assert.Equal(columns, data[0]);
        Assert.Equal(rows, data.Skip(1));
        Assert.Equal([["row_count", "3"], ["sha256", trailer.Sha256]], Read("manifest"));
    }

    [Fact]
    public async Task The_file_export_refuses_a_caller_without_a_token_a_finance_actor_and_an_unknown_format_as_problem_details()
    {
        await using var world = await WorldAsync();
        using var http = Http(world.Host);
        using var anonymous = new HttpClient { BaseAddress = http.BaseAddress };
        using var finance = new HttpClient { BaseAddress = http.BaseAddress };
        finance.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestTokens.For(Finance));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/audit-exports/s5-zhangdian/redemptions.csv")).StatusCode);
        var refused = await finance.GetAsync("/audit-exports/s5-zhangdian/redemptions.csv");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync("/audit-exports/s5-zhangdian/redemptions.pdf")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync("/audit-exports/s5-zhangdian/everything.csv")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/audit-exports/nope/redemptions.csv")).StatusCode);
    }
}
