using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Settlement.Service.Data;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// The auditor's export: every row of a dataset of a campaign in a stable order, read with a server-side cursor so
/// memory stays flat however many rows there are. Values are strings: amounts as integer cents, instants as RFC 3339
/// UTC. The checksum is SHA-256 over the rows, each row's values joined by a tab and ended by a newline, so the
/// auditor can recompute it from the CSV or XLSX file as well.
/// </summary>
public sealed class AuditExport(NpgsqlDataSource dataSource, CampaignDirectory campaigns, SettlementMetrics metrics)
{
    private static readonly Dictionary<ExportDataset, (string[] Columns, string Sql)> Datasets = new()
    {
        [ExportDataset.Claims] = (
            ["voucher_id", "round_id", "tier_id", "category_id", "channel_id", "face_value_cents", "status", "claimed_at", "valid_until", "ended_at", "holder_display_name", "redemption_id", "merchant_id", "used_at"],
            "SELECT voucher_id, round_id, tier_id, category_id, channel_id, face_value_cents, status, claimed_at, valid_until, ended_at, holder_display_name, redemption_id, merchant_id, used_at FROM vouchers WHERE campaign_id = $1 AND claimed_at >= $2 AND claimed_at < $3 ORDER BY claimed_at, voucher_id"),
        [ExportDataset.Redemptions] = (
            ["redemption_id", "voucher_id", "round_id", "tier_id", "issuing_channel_id", "merchant_id", "merchant_trade_name", "staff_id", "acquiring_channel_id", "channel_transaction_id", "category_id", "invoice_number", "face_value_cents", "order_amount_cents", "merchant_cofunding_cents", "government_share_cents", "status", "subsidy_exclusion", "redeemed_at"],
            "SELECT redemption_id, voucher_id, round_id, tier_id, issuing_channel_id, merchant_id, merchant_trade_name, staff_id, acquiring_channel_id, channel_transaction_id, category_id, invoice_number, face_value_cents, order_amount_cents, merchant_cofunding_cents, government_share_cents, status, subsidy_exclusion, redeemed_at FROM redemptions WHERE campaign_id = $1 AND redeemed_at >= $2 AND redeemed_at < $3 ORDER BY redeemed_at, redemption_id"),
        [ExportDataset.Statements] = (
            ["statement_id", "run_id", "merchant_id", "merchant_trade_name", "period_start", "period_end", "redemption_count", "face_value_cents", "leveraged_spend_cents", "government_share_cents", "merchant_share_cents", "adjustments_cents", "net_payable_cents", "payout_status", "payout_batch_id", "adjustment_kind", "adjustment_cents", "adjustment_redemption_id", "adjustment_reason"],
            "SELECT s.statement_id, s.run_id, s.merchant_id, s.merchant_trade_name, s.period_start, s.period_end, s.redemption_count, s.face_value_cents, s.leveraged_spend_cents, s.government_share_cents, s.merchant_share_cents, s.adjustments_cents, s.net_payable_cents, s.payout_status, s.payout_batch_id, a.kind, a.amount_cents, a.redemption_id, a.reason FROM statements s LEFT JOIN adjustments a ON a.statement_id = s.statement_id WHERE s.campaign_id = $1 AND s.period_start >= $2 AND s.period_end <= $3 ORDER BY s.period_start, s.merchant_id, a.created_at, a.adjustment_id"),
        [ExportDataset.Payouts] = (
            ["batch_id", "batch_status", "statement_id", "merchant_id", "merchant_trade_name", "amount_cents", "approved_at", "paid_at", "payment_reference"],
            "SELECT b.batch_id, b.status, s.statement_id, s.merchant_id, s.merchant_trade_name, s.net_payable_cents, b.approved_at, b.paid_at, b.payment_reference FROM payout_batches b JOIN statements s ON s.payout_batch_id = b.batch_id WHERE b.campaign_id = $1 AND b.created_at >= $2 AND b.created_at < $3 ORDER BY b.created_at, b.batch_id, s.merchant_id"),
        [ExportDataset.ReconciliationItems] = (
            ["reconciliation_id", "channel_id", "item_number", "outcome", "line_number", "channel_transaction_id", "channel_voucher_amount_cents", "channel_order_amount_cents", "redemption_id", "platform_voucher_amount_cents", "platform_order_amount_cents"],
            "SELECT r.reconciliation_id, r.channel_id, i.item_number, i.outcome, i.line_number, i.channel_transaction_id, i.channel_voucher_amount_cents, i.channel_order_amount_cents, i.redemption_id, i.platform_voucher_amount_cents, i.platform_order_amount_cents FROM reconciliations r JOIN reconciliation_items i ON i.reconciliation_id = r.reconciliation_id WHERE r.campaign_id = $1 AND r.imported_at >= $2 AND r.imported_at < $3 ORDER BY r.imported_at, r.reconciliation_id, i.item_number"),
    };

    /// <summary>Checks the request and names the columns; the rows come from <see cref="RowsAsync"/>.</summary>
    public async Task<(string[] Columns, string CampaignId, DateTimeOffset From, DateTimeOffset To)> PrepareAsync(ExportAuditDataRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Exporter(request.Actor, "ExportAuditData");
        if (!Datasets.TryGetValue(request.Dataset, out var dataset))
        {
            throw new InvalidArgumentException("dataset", "name a dataset (CLAIMS, REDEMPTIONS, STATEMENTS, PAYOUTS, RECONCILIATION_ITEMS)");
        }

        var (from, to) = Requests.OptionalWindow(request.Window, "window");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        return (dataset.Columns, snapshot.CampaignId, from, to);
    }

    /// <summary>The rows, streamed from the database in export order.</summary>
    public async IAsyncEnumerable<string[]> RowsAsync(ExportDataset dataset, string campaignId, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (columns, sql) = Datasets[dataset];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        command.Parameters.Add(new NpgsqlParameter { Value = from == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch.AddYears(-100) : from });
        command.Parameters.Add(new NpgsqlParameter { Value = to == DateTimeOffset.MaxValue ? DateTimeOffset.UnixEpoch.AddYears(1000) : to });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new string[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                values[i] = Text(reader, i);
            }

            rows++;
            yield return values;
        }

        metrics.Exported(dataset.ToString(), rows);
    }

    private static string Text(DbDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return string.Empty;
        }

        return reader.GetValue(ordinal) switch
        {
            DateTime instant => new DateTimeOffset(DateTime.SpecifyKind(instant, DateTimeKind.Utc)).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            DateTimeOffset instant => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            IFormattable value => value.ToString(null, CultureInfo.InvariantCulture),
            var value => value.ToString() ?? string.Empty,
        };
    }
}

/// <summary>The export checksum: SHA-256 over each row's values joined by a tab and ended by a newline.</summary>
public sealed class RowChecksum : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Rows { get; private set; }

    public void Add(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\t', values) + "\n"));
        Rows++;
    }

    public string HexDigest() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public void Dispose() => _hash.Dispose();
}
