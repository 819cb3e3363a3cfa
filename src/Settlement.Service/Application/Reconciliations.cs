using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Settlement.Service.Data;
using Settlement.Service.Feeds;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// Channel statement files matched against the platform's redemptions. Rows stream straight into a temporary table
/// with binary COPY (memory stays flat whatever the file size), the header's declared count and total are checked,
/// and one FULL OUTER JOIN writes every outcome — all in one transaction, so a refused file leaves nothing behind.
/// </summary>
public sealed class Reconciliations(
    IDbContextFactory<SettlementDbContext> contexts,
    CampaignDirectory campaigns,
    SettlementMetrics metrics,
    TimeProvider time)
{
    public const long MaxRows = 5_000_000;

    public async Task<Reconciliation> ImportAsync(IAsyncStreamReader<ChannelStatementChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (!await chunks.MoveNext(cancellationToken) || chunks.Current.ChunkCase != ChannelStatementChunk.ChunkOneofCase.Header)
        {
            throw new InvalidArgumentException("header", "the first message must be the header");
        }

        var header = chunks.Current.Header;
        var actor = Access.Settler(header.Actor, "ImportChannelStatement");
        var requestId = Requests.RequestId(header.RequestId, "header.request_id");
        var channelId = Requests.Required(header.ChannelId, "header.channel_id");
        var (start, end) = Requests.Window(header.Period, "header.period");
        if (header.DeclaredRowCount < 0)
        {
            throw new InvalidArgumentException("header.declared_row_count", "cannot be negative");
        }

        var snapshot = await campaigns.GetAsync(header.CampaignId, cancellationToken, "header.campaign_id");
        var fingerprint = Requests.Fingerprint(new ChannelStatementHeader(header) { Actor = null });
        using var activity = SettlementMetrics.Activities.StartActivity("ImportChannelStatement");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Reconciliations.SingleOrDefaultAsync(r => r.RequestId == requestId, cancellationToken);
        if (existing is not null)
        {
            return existing.RequestFingerprint == fingerprint
                ? await SummaryAsync(db, existing, cancellationToken)
                : throw new AlreadyExistsException($"request_id {requestId} was used for a different upload");
        }

        var reached = await db.FeedCursors.Where(c => c.Feed == RedemptionProjection.Feed).Select(c => c.CaughtUpTo).SingleOrDefaultAsync(cancellationToken);
        if (reached is null || reached < end)
        {
            throw new FailedPreconditionException($"the redemption feed has not been projected up to the period end {end:O} yet; retry later");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.ExecuteSqlRawAsync(
            "CREATE TEMP TABLE channel_rows (line_number bigint, tx text, voucher_id text, merchant_number text, voucher_amount bigint, order_amount bigint, occurred_at timestamptz) ON COMMIT DROP",
            cancellationToken);
        var (rows, total) = await CopyRowsAsync(connection, chunks, cancellationToken);
        if (rows != header.DeclaredRowCount || total != header.DeclaredTotalCents)
        {
            throw new InvalidArgumentException("header", $"the file has {rows} rows totalling {total} cents; the header declares {header.DeclaredRowCount} rows totalling {header.DeclaredTotalCents} cents");
        }

        var repeated = await db.Database.SqlQueryRaw<string>("SELECT tx AS \"Value\" FROM channel_rows GROUP BY tx HAVING count(*) > 1 LIMIT 1").ToListAsync(cancellationToken);
        if (repeated.Count > 0)
        {
            throw new InvalidArgumentException("row.channel_transaction_id", $"transaction {repeated[0]} appears more than once in the file");
        }

        var record = new ReconciliationRecord
        {
            ReconciliationId = Guid.NewGuid(),
            RequestId = requestId,
            RequestFingerprint = fingerprint,
            CampaignId = snapshot.CampaignId,
            ChannelId = channelId,
            PeriodStart = start,
            PeriodEnd = end,
            FileName = header.FileName,
            RowCount = rows,
            ImportedBy = Requests.ActorBytes(actor),
            ImportedAt = time.GetUtcNow(),
        };
        db.Reconciliations.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        await MatchAsync(db, transaction, record, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var summary = await SummaryAsync(db, record, cancellationToken);
        foreach (var tally in summary.Tallies)
        {
            metrics.Reconciled(tally.Outcome.ToString(), tally.Count);
        }

        return summary;
    }

    private static async Task<(long Rows, long Total)> CopyRowsAsync(NpgsqlConnection connection, IAsyncStreamReader<ChannelStatementChunk> chunks, CancellationToken cancellationToken)
    {
        long rows = 0;
        long total = 0;
        long lastLine = 0;
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY channel_rows (line_number, tx, voucher_id, merchant_number, voucher_amount, order_amount, occurred_at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        while (await chunks.MoveNext(cancellationToken))
        {
            if (chunks.Current.ChunkCase != ChannelStatementChunk.ChunkOneofCase.Row)
            {
                throw new InvalidArgumentException("header", "only the first message may be a header");
            }

            var row = chunks.Current.Row;
            var problem = row.LineNumber <= lastLine ? "line_number must be positive and increase"
                : string.IsNullOrWhiteSpace(row.ChannelTransactionId) ? "channel_transaction_id is required"
                : row.VoucherAmountCents <= 0 ? "voucher_amount_cents must be positive"
                : row.OrderAmountCents < 0 ? "order_amount_cents cannot be negative"
                : row.OccurredAt is null ? "occurred_at is required"
                : null;
            if (problem is not null)
            {
                throw new InvalidArgumentException("row", $"row {rows + 1} (line {row.LineNumber}): {problem}");
            }

            if (++rows > MaxRows)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"a channel statement may have at most {MaxRows} rows"));
            }

            lastLine = row.LineNumber;
            total = checked(total + row.VoucherAmountCents);
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(row.LineNumber, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(row.ChannelTransactionId, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(row.VoucherId, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(row.ChannelMerchantNumber, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(row.VoucherAmountCents, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(row.OrderAmountCents, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(row.OccurredAt!.ToDateTimeOffset(), NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
        return (rows, total);
    }

    private static async Task MatchAsync(SettlementDbContext db, IDbContextTransaction transaction, ReconciliationRecord record, CancellationToken cancellationToken)
    {
        // The platform side: the channel's redemptions in the period, plus any the file names from outside it
        // (a transaction the channel books a moment later is still the same transaction). Voided ones never happened.
        await using var command = new NpgsqlCommand(
            """
            WITH platform AS (
                SELECT redemption_id, channel_transaction_id, face_value_cents, order_amount_cents FROM redemptions
                WHERE campaign_id = @campaign AND acquiring_channel_id = @channel AND status <> @voided
                  AND ((redeemed_at >= @start AND redeemed_at < @end) OR channel_transaction_id IN (SELECT tx FROM channel_rows)))
            INSERT INTO reconciliation_items (reconciliation_id, item_number, outcome, line_number, channel_transaction_id, channel_voucher_id,
                channel_merchant_number, channel_voucher_amount_cents, channel_order_amount_cents, channel_occurred_at, redemption_id,
                platform_voucher_amount_cents, platform_order_amount_cents)
            SELECT @id, row_number() OVER (ORDER BY f.line_number NULLS LAST, p.channel_transaction_id),
                CASE WHEN p.redemption_id IS NULL THEN @missingOnPlatform
                     WHEN f.tx IS NULL THEN @missingInChannel
                     WHEN f.voucher_amount = p.face_value_cents AND f.order_amount = p.order_amount_cents THEN @matched
                     ELSE @differs END,
                f.line_number, coalesce(f.tx, p.channel_transaction_id), f.voucher_id, f.merchant_number, f.voucher_amount, f.order_amount,
                f.occurred_at, p.redemption_id, p.face_value_cents, p.order_amount_cents
            FROM channel_rows f FULL OUTER JOIN platform p ON p.channel_transaction_id = f.tx
            """,
            (NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction)transaction.GetDbTransaction());
        command.Parameters.AddWithValue("id", record.ReconciliationId);
        command.Parameters.AddWithValue("campaign", record.CampaignId);
        command.Parameters.AddWithValue("channel", record.ChannelId);
        command.Parameters.AddWithValue("voided", (short)RedemptionStatus.Voided);
        command.Parameters.AddWithValue("start", record.PeriodStart);
        command.Parameters.AddWithValue("end", record.PeriodEnd);
        command.Parameters.AddWithValue("missingOnPlatform", (short)ReconciliationOutcome.MissingOnPlatform);
        command.Parameters.AddWithValue("missingInChannel", (short)ReconciliationOutcome.MissingInChannel);
        command.Parameters.AddWithValue("matched", (short)ReconciliationOutcome.Matched);
        command.Parameters.AddWithValue("differs", (short)ReconciliationOutcome.AmountDiffers);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Reconciliation> GetAsync(GetReconciliationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Requests.ResourceId(request.ReconciliationId, "reconciliation_id", "reconciliation");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var record = await db.Reconciliations.SingleOrDefaultAsync(r => r.ReconciliationId == id, cancellationToken)
            ?? throw new NotFoundException($"reconciliation '{request.ReconciliationId}' not found");
        return await SummaryAsync(db, record, cancellationToken);
    }

    public async Task<ListReconciliationsResponse> ListAsync(ListReconciliationsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaignId = Requests.Required(request.CampaignId, "campaign_id");
        var filterKey = string.Join('|', "reconciliations", campaignId, request.ChannelId);
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.Reconciliations.Where(r => r.CampaignId == campaignId);
        if (!string.IsNullOrEmpty(request.ChannelId))
        {
            all = all.Where(r => r.ChannelId == request.ChannelId);
        }

        var page = all;
        if (after is not null)
        {
            var at = PageToken.ReadInstant(after[0]);
            var key = after[1];
            page = page.Where(r => r.ImportedAt < at || (r.ImportedAt == at && r.RequestId.CompareTo(key) < 0));
        }

        var rows = await page.OrderByDescending(r => r.ImportedAt).ThenByDescending(r => r.RequestId).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, r => [PageToken.Key(r.ImportedAt), r.RequestId]);
        var response = new ListReconciliationsResponse { Page = Pages.Response(next, await all.LongCountAsync(cancellationToken)) };
        foreach (var record in items)
        {
            response.Reconciliations.Add(await SummaryAsync(db, record, cancellationToken));
        }

        return response;
    }

    public async Task<ListReconciliationItemsResponse> ListItemsAsync(ListReconciliationItemsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Requests.ResourceId(request.ReconciliationId, "reconciliation_id", "reconciliation");
        Pages.RequireSpecified(request.Outcomes, ReconciliationOutcome.Unspecified, "outcomes");
        var outcomes = request.Outcomes.Count > 0
            ? request.Outcomes.Select(o => (short)o).ToList()
            : [(short)ReconciliationOutcome.MissingOnPlatform, (short)ReconciliationOutcome.MissingInChannel, (short)ReconciliationOutcome.AmountDiffers];
        var filterKey = string.Join('|', "items", id, string.Join(',', outcomes));
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Reconciliations.AnyAsync(r => r.ReconciliationId == id, cancellationToken))
        {
            throw new NotFoundException($"reconciliation '{request.ReconciliationId}' not found");
        }

        var all = db.ReconciliationItems.Where(i => i.ReconciliationId == id && outcomes.Contains(i.Outcome));
        var page = all;
        if (after is not null)
        {
            var last = PageToken.ReadLong(after[0]);
            page = page.Where(i => i.ItemNumber > last);
        }

        var rows = await page.OrderBy(i => i.ItemNumber).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, i => [PageToken.Key(i.ItemNumber)]);
        var response = new ListReconciliationItemsResponse { Page = Pages.Response(next, await all.LongCountAsync(cancellationToken)) };
        response.Items.AddRange(items.Select(Item));
        return response;
    }

    public static ReconciliationItem Item(ReconciliationItemRecord i)
    {
        var item = new ReconciliationItem
        {
            Outcome = (ReconciliationOutcome)i.Outcome,
            RedemptionId = i.RedemptionId ?? string.Empty,
            PlatformVoucherAmountCents = i.PlatformVoucherAmountCents ?? 0,
            PlatformOrderAmountCents = i.PlatformOrderAmountCents ?? 0,
        };
        if (i.LineNumber is { } line)
        {
            item.ChannelRow = new ChannelStatementRow
            {
                LineNumber = line,
                ChannelTransactionId = i.ChannelTransactionId,
                VoucherId = i.ChannelVoucherId ?? string.Empty,
                ChannelMerchantNumber = i.ChannelMerchantNumber ?? string.Empty,
                VoucherAmountCents = i.ChannelVoucherAmountCents ?? 0,
                OrderAmountCents = i.ChannelOrderAmountCents ?? 0,
                OccurredAt = Requests.ToTimestamp(i.ChannelOccurredAt),
            };
        }

        if (item.Outcome == ReconciliationOutcome.AmountDiffers)
        {
            item.VoucherAmountDifferenceCents = item.ChannelRow.VoucherAmountCents - item.PlatformVoucherAmountCents;
            item.OrderAmountDifferenceCents = item.ChannelRow.OrderAmountCents - item.PlatformOrderAmountCents;
        }

        return item;
    }

    private static async Task<Reconciliation> SummaryAsync(SettlementDbContext db, ReconciliationRecord record, CancellationToken cancellationToken)
    {
        var tallies = await db.ReconciliationItems.Where(i => i.ReconciliationId == record.ReconciliationId)
            .GroupBy(i => i.Outcome)
            .Select(g => new { Outcome = g.Key, Count = g.LongCount(), Channel = g.Sum(i => i.ChannelVoucherAmountCents ?? 0), Platform = g.Sum(i => i.PlatformVoucherAmountCents ?? 0) })
            .ToListAsync(cancellationToken);
        var summary = new Reconciliation
        {
            ReconciliationId = record.ReconciliationId.ToString(),
            CampaignId = record.CampaignId,
            ChannelId = record.ChannelId,
            Period = Requests.ToWindow(record.PeriodStart, record.PeriodEnd),
            FileName = record.FileName,
            RowCount = record.RowCount,
            ImportedBy = Requests.ReadActor(record.ImportedBy),
            ImportedAt = Requests.ToTimestamp(record.ImportedAt),
            Clean = tallies.All(t => t.Outcome == (short)ReconciliationOutcome.Matched),
        };
        foreach (var outcome in new[] { ReconciliationOutcome.Matched, ReconciliationOutcome.MissingOnPlatform, ReconciliationOutcome.MissingInChannel, ReconciliationOutcome.AmountDiffers })
        {
            var tally = tallies.FirstOrDefault(t => t.Outcome == (short)outcome);
            summary.Tallies.Add(new OutcomeTally { Outcome = outcome, Count = tally?.Count ?? 0, ChannelAmountCents = tally?.Channel ?? 0, PlatformAmountCents = tally?.Platform ?? 0 });
        }

        return summary;
    }
}
