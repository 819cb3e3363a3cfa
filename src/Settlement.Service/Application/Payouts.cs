using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Settlement.Service.Data;
using Settlement.Service.Domain;
using Vouchers.Settlement.V1;
using VoucherRules;
using MerchantStatement = Vouchers.Settlement.V1.MerchantStatement;

namespace Settlement.Service.Application;

/// <summary>
/// Statements, payout batches and what finance and operators do with them: holds, releases, approval, payment,
/// manual adjustments, and the funding-source × channel split of what was settled.
/// </summary>
public sealed class Payouts(
    IDbContextFactory<SettlementDbContext> contexts,
    CampaignDirectory campaigns,
    SettlementMetrics metrics,
    TimeProvider time)
{
    public async Task<MerchantStatement> GetStatementAsync(GetStatementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Access.AnyStatementReader(request.Actor, "GetStatement");
        var statementId = Requests.ResourceId(request.StatementId, "statement_id", "statement");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var statement = await db.Statements.SingleOrDefaultAsync(s => s.StatementId == statementId, cancellationToken)
            ?? throw new NotFoundException($"statement '{request.StatementId}' not found");
        Access.RequireOwnStatement(actor, statement.MerchantId, "GetStatement");
        return await LoadAsync(db, statement, cancellationToken);
    }

    public async Task<ListStatementsResponse> ListStatementsAsync(ListStatementsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.StatementReader(request.Actor, request.MerchantId, "ListStatements");
        Pages.RequireSpecified(request.PayoutStatuses, PayoutStatus.Unspecified, "payout_statuses");
        var runId = Requests.OptionalResourceId(request.RunId, "run_id", "settlement run");
        var statuses = request.PayoutStatuses.Select(s => (short)s).ToList();
        var filterKey = string.Join('|', "statements", request.CampaignId, request.RunId, request.MerchantId, string.Join(',', statuses));
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.Statements.AsQueryable();
        if (!string.IsNullOrEmpty(request.CampaignId))
        {
            all = all.Where(s => s.CampaignId == request.CampaignId);
        }

        if (runId is { } run)
        {
            all = all.Where(s => s.RunId == run);
        }

        if (!string.IsNullOrEmpty(request.MerchantId))
        {
            all = all.Where(s => s.MerchantId == request.MerchantId);
        }

        if (statuses.Count > 0)
        {
            all = all.Where(s => statuses.Contains(s.PayoutStatus));
        }

        var page = all;
        if (after is not null)
        {
            var start = PageToken.ReadInstant(after[0]);
            var id = after[1];
            page = page.Where(s => s.PeriodStart < start || (s.PeriodStart == start && s.MerchantId.CompareTo(id) > 0));
        }

        var rows = await page.OrderByDescending(s => s.PeriodStart).ThenBy(s => s.MerchantId).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, s => [PageToken.Key(s.PeriodStart), s.MerchantId]);
        var sums = await all.GroupBy(_ => 1).Select(g => new StatementFigures(
            g.Sum(s => s.RedemptionCount), g.Sum(s => s.FaceValueCents), g.Sum(s => s.LeveragedSpendCents), g.Sum(s => s.GovernmentShareCents),
            g.Sum(s => s.MerchantShareCents), g.Sum(s => s.AdjustmentsCents), g.Sum(s => s.NetPayableCents))).SingleOrDefaultAsync(cancellationToken);
        var response = new ListStatementsResponse
        {
            Page = Pages.Response(next, await all.LongCountAsync(cancellationToken)),
            Totals = Mapping.Amounts(sums ?? StatementFigures.Zero),
        };
        foreach (var statement in items)
        {
            response.Statements.Add(await LoadAsync(db, statement, cancellationToken));
        }

        return response;
    }

    public async Task<Adjustment> RecordAdjustmentAsync(RecordAdjustmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Access.Settler(request.Actor, "RecordAdjustment");
        var requestId = Requests.RequestId(request.RequestId);
        var problems = new FieldProblems();
        if (request.Kind is not (AdjustmentKind.Clawback or AdjustmentKind.Correction))
        {
            problems.Add("kind", "a manual adjustment is CLAWBACK or CORRECTION");
        }

        if (request.AmountCents == 0)
        {
            problems.Add("amount_cents", "cannot be 0");
        }
        else if (request.Kind == AdjustmentKind.Clawback && request.AmountCents > 0)
        {
            problems.Add("amount_cents", "a claw-back reduces the payout, so it is negative");
        }

        problems.Require(request.Reason, "reason");
        problems.Require(request.MerchantId, "merchant_id");
        problems.ThrowIfAny();
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        if (SnapshotFacts.Merchant(snapshot, request.MerchantId) is null)
        {
            throw new NotFoundException($"merchant '{request.MerchantId}' is not enrolled in campaign {request.CampaignId}");
        }

        var fingerprint = Requests.Fingerprint(new RecordAdjustmentRequest(request) { Actor = null });
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Adjustments.SingleOrDefaultAsync(a => a.RequestId == requestId, cancellationToken);
        if (existing is not null)
        {
            return existing.RequestFingerprint == fingerprint
                ? Mapping.Adjustment(existing)
                : throw new AlreadyExistsException($"request_id {requestId} was used for a different adjustment");
        }

        if (request.RedemptionId.Length > 0
            && !await db.Redemptions.AnyAsync(r => r.RedemptionId == request.RedemptionId && r.CampaignId == snapshot.CampaignId && r.MerchantId == request.MerchantId, cancellationToken))
        {
            throw new NotFoundException($"redemption '{request.RedemptionId}' is not one of merchant '{request.MerchantId}''s redemptions in campaign {snapshot.CampaignId} that settlement has received");
        }

        var record = new AdjustmentRecord
        {
            AdjustmentId = Guid.NewGuid(),
            CampaignId = snapshot.CampaignId,
            MerchantId = request.MerchantId,
            Kind = (short)request.Kind,
            AmountCents = request.AmountCents,
            RedemptionId = request.RedemptionId,
            Reason = request.Reason.Trim(),
            Actor = Requests.ActorBytes(actor),
            CreatedAt = time.GetUtcNow(),
            RequestId = requestId,
            RequestFingerprint = fingerprint,
        };
        db.Adjustments.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same key raced in from another call: answer as the replay would.
            await using var again = await contexts.CreateDbContextAsync(cancellationToken);
            var raced = await again.Adjustments.SingleOrDefaultAsync(a => a.RequestId == requestId, cancellationToken);
            if (raced is null)
            {
                throw;
            }

            return raced.RequestFingerprint == fingerprint ? Mapping.Adjustment(raced) : throw new AlreadyExistsException($"request_id {requestId} was used for a different adjustment");
        }

        metrics.Adjustment(request.Kind.ToString());
        return Mapping.Adjustment(record);
    }

    public async Task<MerchantStatement> HoldAsync(HoldStatementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Settler(request.Actor, "HoldStatement");
        var statementId = Requests.ResourceId(request.StatementId, "statement_id", "statement");
        var reason = Requests.Required(request.Reason, "reason");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var statement = await db.Statements.FromSql($"SELECT * FROM statements WHERE statement_id = {statementId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"statement '{request.StatementId}' not found");
        if (statement.PayoutStatus == (short)PayoutStatus.Paid)
        {
            throw new FailedPreconditionException($"statement {statementId} has been paid; it can no longer be held");
        }

        if (statement.PayoutStatus != (short)PayoutStatus.Held)
        {
            if (statement.PayoutBatchId is { } batchId)
            {
                var batch = await LockBatchAsync(db, batchId, cancellationToken);
                if (batch.Status == (short)PayoutBatchStatus.Paid)
                {
                    throw new FailedPreconditionException($"statement {statementId} is in paid batch {batchId}");
                }

                batch.TotalCents -= statement.NetPayableCents;
                batch.Version++;
                db.PayoutBatches.Update(batch);
            }

            statement.PayoutStatus = (short)PayoutStatus.Held;
            statement.PayoutBatchId = null;
            statement.HoldReason = reason;
            db.Statements.Update(statement);
            await db.SaveChangesAsync(cancellationToken);
            metrics.Hold("held");
        }

        await transaction.CommitAsync(cancellationToken);
        return await LoadAsync(db, statement, cancellationToken);
    }

    public async Task<PayoutBatch> ReleaseAsync(ReleaseHeldStatementsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Access.Finance(request.Actor, "ReleaseHeldStatements");
        var merchantId = Requests.Required(request.MerchantId, "merchant_id");
        Requests.Required(request.Reason, "reason");
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var held = await db.Statements
            .FromSql($"SELECT * FROM statements WHERE campaign_id = {snapshot.CampaignId} AND merchant_id = {merchantId} AND payout_status = {(short)PayoutStatus.Held} FOR UPDATE")
            .ToListAsync(cancellationToken);
        if (held.Count == 0)
        {
            throw new NotFoundException($"merchant {merchantId} has no held statements in campaign {snapshot.CampaignId}");
        }

        if (SnapshotFacts.IsSuspended(snapshot, merchantId))
        {
            throw new FailedPreconditionException($"merchant {merchantId} is still suspended; reinstate it before releasing its payouts");
        }

        var batch = new PayoutBatchRecord
        {
            BatchId = Guid.NewGuid(),
            CampaignId = snapshot.CampaignId,
            Status = (short)PayoutBatchStatus.Draft,
            Version = 1,
            TotalCents = held.Sum(s => s.NetPayableCents),
            PaymentReference = string.Empty,
            CreatedAt = time.GetUtcNow(),
        };
        db.PayoutBatches.Add(batch);
        foreach (var statement in held)
        {
            statement.PayoutStatus = (short)PayoutStatus.Pending;
            statement.PayoutBatchId = batch.BatchId;
            statement.HoldReason = string.Empty;
            db.Statements.Update(statement);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Hold("released", held.Count);
        metrics.Batch("created");
        return await LoadBatchAsync(db, batch, cancellationToken);
    }

    public async Task<PayoutBatch> ApproveAsync(ApprovePayoutBatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Access.Finance(request.Actor, "ApprovePayoutBatch");
        var batchId = Requests.ResourceId(request.BatchId, "batch_id", "payout batch");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var batch = await LockBatchAsync(db, batchId, cancellationToken);
        RequireVersion(batch, request.ExpectedVersion);
        RequireStatus(batch, PayoutBatchStatus.Draft, "approved");
        var snapshot = await campaigns.GetAsync(batch.CampaignId, cancellationToken);
        var lines = await db.Statements.Where(s => s.PayoutBatchId == batchId).ToListAsync(cancellationToken);
        foreach (var line in lines.Where(l => SnapshotFacts.IsSuspended(snapshot, l.MerchantId)))
        {
            line.PayoutStatus = (short)PayoutStatus.Held;
            line.PayoutBatchId = null;
            line.HoldReason = SettlementRuns.SuspendedHoldReason;
            db.Statements.Update(line);
            batch.TotalCents -= line.NetPayableCents;
            metrics.Hold("held");
        }

        batch.Status = (short)PayoutBatchStatus.Approved;
        batch.Version++;
        batch.ApprovedBy = Requests.ActorBytes(actor);
        batch.ApprovedAt = time.GetUtcNow();
        db.PayoutBatches.Update(batch);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Batch("approved");
        return await LoadBatchAsync(db, batch, cancellationToken);
    }

    public async Task<PayoutBatch> MarkPaidAsync(MarkPayoutBatchPaidRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Access.Finance(request.Actor, "MarkPayoutBatchPaid");
        var batchId = Requests.ResourceId(request.BatchId, "batch_id", "payout batch");
        var reference = Requests.Required(request.PaymentReference, "payment_reference");
        if (request.PaidAt is { } paidAt && paidAt.ToDateTimeOffset() > time.GetUtcNow())
        {
            throw new InvalidArgumentException("paid_at", "when the money left: a moment in the past, not the future");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var batch = await LockBatchAsync(db, batchId, cancellationToken);
        RequireVersion(batch, request.ExpectedVersion);
        RequireStatus(batch, PayoutBatchStatus.Approved, "paid");
        batch.Status = (short)PayoutBatchStatus.Paid;
        batch.Version++;
        batch.PaidBy = Requests.ActorBytes(actor);
        batch.PaidAt = request.PaidAt?.ToDateTimeOffset() ?? time.GetUtcNow();
        batch.PaymentReference = reference;
        db.PayoutBatches.Update(batch);
        await db.SaveChangesAsync(cancellationToken);
        await db.Statements.Where(s => s.PayoutBatchId == batchId && s.PayoutStatus == (short)PayoutStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.PayoutStatus, (short)PayoutStatus.Paid), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Batch("paid");
        return await LoadBatchAsync(db, batch, cancellationToken);
    }

    public async Task<PayoutBatch> GetBatchAsync(GetPayoutBatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var batchId = Requests.ResourceId(request.BatchId, "batch_id", "payout batch");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var batch = await db.PayoutBatches.SingleOrDefaultAsync(b => b.BatchId == batchId, cancellationToken)
            ?? throw new NotFoundException($"payout batch '{request.BatchId}' not found");
        return await LoadBatchAsync(db, batch, cancellationToken);
    }

    public async Task<ListPayoutBatchesResponse> ListBatchesAsync(ListPayoutBatchesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaignId = Requests.Required(request.CampaignId, "campaign_id");
        Pages.RequireSpecified(request.Statuses, PayoutBatchStatus.Unspecified, "statuses");
        var statuses = request.Statuses.Select(s => (short)s).ToList();
        var filterKey = string.Join('|', "batches", campaignId, string.Join(',', statuses));
        var (size, after) = Pages.Read(request.Page, filterKey, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.PayoutBatches.Where(b => b.CampaignId == campaignId);
        if (statuses.Count > 0)
        {
            all = all.Where(b => statuses.Contains(b.Status));
        }

        var page = all;
        if (after is not null)
        {
            var at = PageToken.ReadInstant(after[0]);
            var id = Guid.TryParse(after[1], out var parsed) ? parsed : throw new InvalidArgumentException("page.page_token", "not a token from this list with these filters");
            page = page.Where(b => b.CreatedAt < at || (b.CreatedAt == at && b.BatchId.CompareTo(id) < 0));
        }

        var rows = await page.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.BatchId).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, filterKey, b => [PageToken.Key(b.CreatedAt), b.BatchId.ToString()]);
        var response = new ListPayoutBatchesResponse { Page = Pages.Response(next, await all.LongCountAsync(cancellationToken)) };
        foreach (var batch in items)
        {
            response.Batches.Add(await LoadBatchAsync(db, batch, cancellationToken));
        }

        return response;
    }

    public async Task<FundingSplit> GetFundingSplitAsync(GetFundingSplitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = await campaigns.GetAsync(request.CampaignId, cancellationToken);
        var runId = Requests.OptionalResourceId(request.RunId, "run_id", "settlement run");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var statements = db.Statements.Where(s => s.CampaignId == snapshot.CampaignId);
        if (runId is { } run)
        {
            if (!await db.Runs.AnyAsync(r => r.RunId == run && r.CampaignId == snapshot.CampaignId, cancellationToken))
            {
                throw new NotFoundException($"settlement run '{request.RunId}' not found in campaign {snapshot.CampaignId}");
            }

            statements = statements.Where(s => s.RunId == run);
        }

        var cells = await db.StatementSplits.Where(c => statements.Select(s => s.StatementId).Contains(c.StatementId))
            .GroupBy(c => new { c.FundingSourceId, c.ChannelId })
            .Select(g => new SplitCell(g.Key.FundingSourceId, g.Key.ChannelId, g.Sum(c => c.AmountCents)))
            .ToListAsync(cancellationToken);
        var combined = Splits.Combine(cells);
        var (bySource, byChannel) = Splits.Margins(combined);
        var split = new FundingSplit { CampaignId = snapshot.CampaignId, TotalCents = combined.Sum(c => c.AmountCents) };
        split.Lines.AddRange(Mapping.Lines(combined));
        split.SourceTotals.AddRange(Mapping.Lines(bySource));
        split.ChannelTotals.AddRange(Mapping.Lines(byChannel));
        return split;
    }

    private static async Task<PayoutBatchRecord> LockBatchAsync(SettlementDbContext db, Guid batchId, CancellationToken cancellationToken) =>
        await db.PayoutBatches.FromSql($"SELECT * FROM payout_batches WHERE batch_id = {batchId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"payout batch '{batchId}' not found");

    private static void RequireVersion(PayoutBatchRecord batch, long expected)
    {
        if (expected != batch.Version)
        {
            throw ConflictException.StaleVersion($"payout batch {batch.BatchId}", expected, batch.Version);
        }
    }

    private static void RequireStatus(PayoutBatchRecord batch, PayoutBatchStatus required, string verb)
    {
        if (batch.Status != (short)required)
        {
            throw new FailedPreconditionException($"payout batch {batch.BatchId} is {(PayoutBatchStatus)batch.Status}; only a {required} batch can be {verb}");
        }
    }

    private static async Task<MerchantStatement> LoadAsync(SettlementDbContext db, StatementRecord statement, CancellationToken cancellationToken)
    {
        var adjustments = await db.Adjustments.Where(a => a.StatementId == statement.StatementId).ToListAsync(cancellationToken);
        var split = await db.StatementSplits.Where(c => c.StatementId == statement.StatementId).ToListAsync(cancellationToken);
        return Mapping.Statement(statement, adjustments, split);
    }

    private static async Task<PayoutBatch> LoadBatchAsync(SettlementDbContext db, PayoutBatchRecord batch, CancellationToken cancellationToken)
    {
        var lines = await db.Statements.Where(s => s.PayoutBatchId == batch.BatchId).OrderBy(s => s.MerchantId).ToListAsync(cancellationToken);
        var held = batch.RunId is { } runId
            ? await db.Statements.Where(s => s.RunId == runId && s.PayoutStatus == (short)PayoutStatus.Held).OrderBy(s => s.MerchantId).ToListAsync(cancellationToken)
            : [];
        var lineIds = lines.Select(l => l.StatementId).ToList();
        var cells = await db.StatementSplits.Where(c => lineIds.Contains(c.StatementId)).ToListAsync(cancellationToken);
        var message = new PayoutBatch
        {
            BatchId = batch.BatchId.ToString(),
            CampaignId = batch.CampaignId,
            RunId = batch.RunId?.ToString() ?? string.Empty,
            Status = (PayoutBatchStatus)batch.Status,
            Version = batch.Version,
            TotalCents = batch.TotalCents,
            HeldTotalCents = held.Sum(s => s.NetPayableCents),
            ApprovedBy = Requests.ReadActor(batch.ApprovedBy),
            ApprovedAt = Requests.ToTimestamp(batch.ApprovedAt),
            PaidBy = Requests.ReadActor(batch.PaidBy),
            PaidAt = Requests.ToTimestamp(batch.PaidAt),
            PaymentReference = batch.PaymentReference,
            CreatedAt = Timestamp.FromDateTimeOffset(batch.CreatedAt),
        };
        message.Lines.AddRange(lines.Select(l => new PayoutLine
        {
            StatementId = l.StatementId.ToString(),
            MerchantId = l.MerchantId,
            MerchantTradeName = l.MerchantTradeName,
            AmountCents = l.NetPayableCents,
        }));
        message.HeldStatementIds.AddRange(held.Select(s => s.StatementId.ToString()));
        message.Split.AddRange(Mapping.Lines(Splits.Combine(cells.Select(c => new SplitCell(c.FundingSourceId, c.ChannelId, c.AmountCents)))));
        return message;
    }
}
