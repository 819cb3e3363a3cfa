using System.Globalization;
using CsvHelper;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Settlement.Service.Application;

/// <summary>What an export file holds besides its rows: the count and checksum the auditor verifies it with.</summary>
public sealed record ExportManifest(long RowCount, string Sha256);

/// <summary>
/// The audit export written as files, row by row as the rows stream in (nothing is held beyond the row being
/// written). The checksum is the gRPC export's: SHA-256 over each row's values joined by a tab and ended by a newline.
/// CSV carries only the header and rows; XLSX adds a "manifest" sheet with the row count and the checksum.
/// </summary>
public static class AuditFiles
{
    public static async Task<ExportManifest> WriteCsvAsync(IReadOnlyList<string> columns, IAsyncEnumerable<string[]> rows, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        // RFC 4180 with values exactly as exported: no formula escaping, so the file's values hash to the checksum.
        await using var csv = CsvWriter.Create(output, CsvWriterOptions.Default, true);
        csv.WriteHeader([.. columns]);
        using var checksum = new RowChecksum();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(row, cancellationToken);
            checksum.Add(row);
        }

        await csv.FlushAsync(cancellationToken);
        return new ExportManifest(checksum.Rows, checksum.HexDigest());
    }

    /// <summary>Writes the workbook to <paramref name="output"/>, which must be seekable (a temporary file for HTTP).</summary>
    public static async Task<ExportManifest> WriteXlsxAsync(IReadOnlyList<string> columns, IAsyncEnumerable<string[]> rows, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        using var document = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = document.AddWorkbookPart();
        var dataPart = workbook.AddNewPart<WorksheetPart>();
        var manifestPart = workbook.AddNewPart<WorksheetPart>();
        using var checksum = new RowChecksum();
        using (var writer = OpenXmlWriter.Create(dataPart))
        {
            writer.WriteStartElement(new Worksheet());
            writer.WriteStartElement(new SheetData());
            WriteRow(writer, columns);
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                WriteRow(writer, row);
                checksum.Add(row);
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        var manifest = new ExportManifest(checksum.Rows, checksum.HexDigest());
        using (var writer = OpenXmlWriter.Create(manifestPart))
        {
            writer.WriteStartElement(new Worksheet());
            writer.WriteStartElement(new SheetData());
            WriteRow(writer, ["row_count", manifest.RowCount.ToString(CultureInfo.InvariantCulture)]);
            WriteRow(writer, ["sha256", manifest.Sha256]);
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        workbook.Workbook = new Workbook(new Sheets(
            new Sheet { Id = workbook.GetIdOfPart(dataPart), SheetId = 1, Name = "data" },
            new Sheet { Id = workbook.GetIdOfPart(manifestPart), SheetId = 2, Name = "manifest" }));
        workbook.Workbook.Save();
        return manifest;
    }

    // Inline strings keep every value text exactly as exported (ids with leading zeros, cents, RFC 3339 instants).
    private static void WriteRow(OpenXmlWriter writer, IReadOnlyList<string> values)
    {
        writer.WriteStartElement(new Row());
        foreach (var value in values)
        {
            writer.WriteElement(new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(value) { Space = SpaceProcessingModeValues.Preserve }) });
        }

        writer.WriteEndElement();
    }
}
