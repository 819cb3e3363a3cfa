extern alias redemptiontests;

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
using Vouchers.Settlement.V1;
using static Settlement.Service.Tests.Infrastructure.Seeds;
using RedemptionWorld = redemptiontests::Redemption.Service.Tests.Infrastructure.RedemptionWorld;

namespace Settlement.Service.Tests;

/// <summary>The audit export as a gRPC stream and as CSV and XLSX files: same rows, same row count, same checksum.</summary>
[Collection(SettlementCollection.Name)]
public class ExportFileTests(RedemptionWorld services)
{
    private const string Awkward = "张店 \"东方\", 家电\n二店";

    /// <summary>S5 with three redemptions through the real services, one with an invoice text CSV must quote and one a spreadsheet could take for a formula.</summary>
    private async Task<(World World, string S5)> WorldAsync()
    {
        var world = await World.StartAsync(services);
        var s5 = await world.S5Async();
        var shop = await world.ShopAsync(s5, "appliances");
        await world.ClaimAndRedeemAsync(shop, s5, "t-200", Shanghai(2023, 4, 22, 11), 250_000, "appliances", itemCents: 200_000, invoice: Awkward);
        await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 22, 12), 120_000, "appliances", itemCents: 100_000, invoice: "=SUM(A1)");
        await world.ClaimAndRedeemAsync(shop, s5, "t-100", Shanghai(2023, 4, 23, 12), 130_000, "appliances", itemCents: 100_000);
        world.Clock.Now = Shanghai(2023, 4, 24, 1);
        await world.WaitForFeedsAsync(s5);
        return (world, s5);
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
        var (world, s5) = await WorldAsync();
        await using var _ = world;
        var stream = await BadInputTests.ReadAllAsync(world.Host.Reports.ExportAuditData(new ExportAuditDataRequest { Actor = Auditor, CampaignId = s5, Dataset = ExportDataset.Redemptions }));
        var columns = stream[0].Header.Columns.ToList();
        var rows = stream.Where(c => c.ChunkCase == ExportChunk.ChunkOneofCase.Row).Select(c => c.Row.Values.ToArray()).ToList();
        var trailer = stream[^1].Trailer;
        Assert.Equal(3, trailer.RowCount);
        Assert.Contains(rows, r => r.Contains(Awkward));
        using var http = Http(world.Host);

        var csvBytes = await http.GetByteArrayAsync($"/audit-exports/{s5}/redemptions.csv");
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

        var xlsx = await http.GetByteArrayAsync($"/audit-exports/{s5}/redemptions.xlsx");
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
        var (world, s5) = await WorldAsync();
        await using var _ = world;
        using var http = Http(world.Host);
        using var anonymous = new HttpClient { BaseAddress = http.BaseAddress };
        using var finance = new HttpClient { BaseAddress = http.BaseAddress };
        finance.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestTokens.For(Finance));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/audit-exports/{s5}/redemptions.csv")).StatusCode);
        var refused = await finance.GetAsync($"/audit-exports/{s5}/redemptions.csv");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync($"/audit-exports/{s5}/redemptions.pdf")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync($"/audit-exports/{s5}/everything.csv")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/audit-exports/nope/redemptions.csv")).StatusCode);
    }
}
