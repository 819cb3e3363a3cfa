using Microsoft.EntityFrameworkCore;
using Settlement.Service.Data;
using Settlement.Service.Domain;
using Settlement.Service.Feeds;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;
using Vouchers.Redemption.V1;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// RunSettlement and the run queries. A run is made in one transaction under a per-campaign advisory lock:
/// statements for every merchant with redemptions or pending adjustments in the period, claw-backs of redemptions
/// paid earlier and revoked since, holds for suspended merchants, and the DRAFT payout batch. The unique
/// (campaign, period) key makes a second run of the same period, from any copy of the service, return the first.
/// </summary>
public sealed partial class SettlementRuns(
    IDbContextFactory<SettlementDbContext> contexts,
    CampaignDirectory campaigns,
    SettlementMetrics metrics,
    TimeProvider time,
    ILogger<SettlementRuns> logger)
{
    public const string SuspendedHoldReason = "merchant suspended";

    public async Task<SettlementRun> RunAsync(RunSettlementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = Access.Settler(request.Actor, "RunSettlement");
        var requestId = Requests.RequestId(request.RequestId);
        var campaignId = Requests.Required(request.CampaignId, "campaign_id");
        if (request.Kind == SettlementRunKind.Unspecified)
        {
            throw new InvalidArgumentException("kind", "PERIODIC or FINAL");
        }

        var asked = request.Kind == SettlementRunKind.Periodic ? Requests.Window(request.Period, "period") : default;
        var fingerprint = Requests.Fingerprint(new RunSettlementRequest(request) { Actor = null });
        var snapshot = await campaigns.GetAsync(campaignId, cancellationToken);

        using var activity = SettlementMetrics.Activities.StartActivity("RunSettlement");
        activity?.SetTag("campaign.id", campaignId);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"settlement-run:" + campaignId}, 0))", cancellationToken);

        var replay = await db.Runs.SingleOrDefaultAsync(r => r.RequestId == requestId, cancellationToken);
        if (replay is not null)
        {
            return replay.RequestFingerprint == fingerprint
                ? Mapping.Run(replay)
                : throw new AlreadyExistsException($"request_id {requestId} was used for a different settlement request");
        }

        var runs = await db.Runs.Where(r => r.CampaignId == campaignId).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        Period period;
        if (request.Kind == SettlementRunKind.Final)
        {
            var end = SnapshotFacts.End(snapshot);
            var policy = snapshot.Campaign.Settings.SettlementPolicy;
            var due = Cadence.FinalRunDue(end, SnapshotFacts.Zone(snapshot), Math.Max(0, policy?.DaysAfterEnd ?? 0));
            if (!SnapshotFacts.HasEnded(snapshot) && now < end)
            {
                throw new FailedPreconditionException($"campaign {campaignId} has not ended; the final run comes after its end and audit period ({due:O})");
            }

            if (now < due)
            {
                throw new FailedPreconditionException($"campaign {campaignId} is in its audit period; the final run may happen from {due:O}");
            }

            period = Cadence.FinalPeriod(SnapshotFacts.Start(snapshot), end, runs.Count == 0 ? null : runs.Max(r => r.PeriodEnd));
            if (period.End <= period.Start)
            {
                throw new FailedPreconditionException($"campaign {campaignId} has been settled up to its end already");
            }
        }
        else
        {
            period = new Period(asked.Start, asked.End);
        }

        var same = runs.FirstOrDefault(r => r.PeriodStart == period.Start && r.PeriodEnd == period.End);
        if (same is not null)
        {
            return Mapping.Run(same);
        }

        var overlapping = runs.FirstOrDefault(r => new Period(r.PeriodStart, r.PeriodEnd).Overlaps(period));
        if (overlapping is not null)
        {
            throw new FailedPreconditionException($"the period overlaps run {overlapping.RunId} ({overlapping.PeriodStart:O} – {overlapping.PeriodEnd:O})");
        }

        var cursors = await db.FeedCursors.ToDictionaryAsync(c => c.Feed, cancellationToken);
        var redemptionFeed = cursors.GetValueOrDefault(RedemptionProjection.Feed);
        if (redemptionFeed?.CaughtUpTo is not { } reached || reached < period.End)
        {
            throw new FailedPreconditionException(
                $"the redemption feed has been projected up to {(redemptionFeed?.CaughtUpTo is { } at ? at.ToString("O") : "nothing yet")}, before the period end {period.End:O}; retry later");
        }

        var run = await SettleAsync(db, snapshot, request.Kind, period, actor, requestId, fingerprint, now, cursors, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.RunMade(request.Kind.ToString());
        LogRun(logger, run.RunId, campaignId, period.Start, period.End, run.StatementCount, run.NetPayableCents);
        return Mapping.Run(run);
    }

    private async Task<SettlementRunRecord> SettleAsync(
        SettlementDbContext db,
        CampaignSnapshot snapshot,
        SettlementRunKind kind,
        Period period,
        Actor actor,
        string requestId,
        string fingerprint,
        DateTimeOffset now,
        Dictionary<string, FeedCursorRecord> cursors,
        CancellationToken cancellationToken)
    {
        var campaignId = snapshot.CampaignId;
        var runId = Guid.NewGuid();
        var batchId = Guid.NewGuid();
        var actorBytes = Requests.ActorBytes(actor);
        var invoiceRequired = snapshot.Campaign.Settings.SettlementPolicy?.InvoiceRequired ?? false;

        // Redemptions paid by an earlier run that have since lost their subsidy come back as claw-backs.
        var lost = await db.Redemptions
            .Where(r => r.CampaignId == campaignId && r.SettledEarning && !r.ClawedBack
                && (r.Status != (short)RedemptionStatus.Completed && r.Status != (short)RedemptionStatus.Refunded || r.SubsidyExclusion != 0))
            .ToListAsync(cancellationToken);
        foreach (var redemption in lost)
        {
            db.Adjustments.Add(new AdjustmentRecord
            {
                AdjustmentId = Guid.NewGuid(),
                CampaignId = campaignId,
                MerchantId = redemption.MerchantId,
                Kind = (short)AdjustmentKind.Revoked,
                AmountCents = -redemption.GovernmentShareCents,
                RedemptionId = redemption.RedemptionId,
                Reason = "subsidy paid earlier; the redemption has since been " + ((RedemptionStatus)redemption.Status).ToString().ToLowerInvariant(),
                Actor = actorBytes,
                CreatedAt = now,
                RequestFingerprint = string.Empty,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await db.Redemptions.Where(r => lost.Select(l => l.RedemptionId).Contains(r.RedemptionId))
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.ClawedBack, true), cancellationToken);

        var inPeriod = await db.Redemptions
            .Where(r => r.CampaignId == campaignId && r.RedeemedAt >= period.Start && r.RedeemedAt < period.End && r.SettledRunId == null)
            .ToListAsync(cancellationToken);
        var counted = inPeriod.Where(r => Counts(r)).ToList();
        var pending = await db.Adjustments.Where(a => a.CampaignId == campaignId && a.StatementId == null).ToListAsync(cancellationToken);
        var funding = SnapshotFacts.FundingWeights(snapshot);
        var merchantIds = counted.Select(r => r.MerchantId).Concat(pending.Select(a => a.MerchantId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

        var totals = StatementFigures.Zero;
        var statementCount = 0;
        long batchTotal = 0;
        foreach (var merchantId in merchantIds)
        {
            var own = counted.Where(r => r.MerchantId == merchantId).OrderBy(r => r.RedeemedAt).ThenBy(r => r.RedemptionId, StringComparer.Ordinal).ToList();
            var brought = pending.Where(a => a.MerchantId == merchantId).ToList();
            var computed = Statements.Compute(
                own.Select(r => new StatementRedemption(r.RedemptionId, r.IssuingChannelId, r.FaceValueCents, r.MerchantCofundingCents, r.GovernmentShareCents, r.OrderAmountCents, Standing(r, invoiceRequired))).ToList(),
                brought.Select(a => new AdjustmentEntry((AdjustmentKind)a.Kind, a.AmountCents, a.RedemptionId, a.Reason)).ToList(),
                funding);
            var statementId = Guid.NewGuid();
            var suspended = SnapshotFacts.IsSuspended(snapshot, merchantId);
            var status = computed.Amounts.NetPayableCents == 0 ? PayoutStatus.NothingDue : suspended ? PayoutStatus.Held : PayoutStatus.Pending;
            db.Statements.Add(new StatementRecord
            {
                StatementId = statementId,
                RunId = runId,
                CampaignId = campaignId,
                MerchantId = merchantId,
                MerchantTradeName = SnapshotFacts.Merchant(snapshot, merchantId)?.TradeName ?? own.LastOrDefault()?.MerchantTradeName ?? string.Empty,
                PeriodStart = period.Start,
                PeriodEnd = period.End,
                RedemptionCount = computed.Amounts.RedemptionCount,
                FaceValueCents = computed.Amounts.FaceValueCents,
                LeveragedSpendCents = computed.Amounts.LeveragedSpendCents,
                GovernmentShareCents = computed.Amounts.GovernmentShareCents,
                MerchantShareCents = computed.Amounts.MerchantShareCents,
                AdjustmentsCents = computed.Amounts.AdjustmentsCents,
                NetPayableCents = computed.Amounts.NetPayableCents,
                PayoutStatus = (short)status,
                PayoutBatchId = status == PayoutStatus.Pending ? batchId : null,
                HoldReason = status == PayoutStatus.Held ? SuspendedHoldReason : string.Empty,
                CreatedAt = now,
            });
            foreach (var cell in computed.Split)
            {
                db.StatementSplits.Add(new StatementSplitRecord { StatementId = statementId, ChannelId = cell.ChannelId, FundingSourceId = cell.FundingSourceId, AmountCents = cell.AmountCents });
            }

            foreach (var adjustment in computed.OwnAdjustments)
            {
                db.Adjustments.Add(NewAdjustment(campaignId, merchantId, adjustment, actorBytes, now, statementId));
            }

            if (computed.CarryForwardCents < 0)
            {
                db.Adjustments.Add(NewAdjustment(campaignId, merchantId, new AdjustmentEntry(AdjustmentKind.CarriedForward, computed.CarryForwardCents, string.Empty, "carried forward from an earlier statement"), actorBytes, now.AddTicks(1), null));
            }

            foreach (var adjustment in brought)
            {
                db.Adjustments.Attach(adjustment);
                adjustment.StatementId = statementId;
            }

            totals = totals.Plus(computed.Amounts);
            statementCount++;
            batchTotal += status == PayoutStatus.Pending ? computed.Amounts.NetPayableCents : 0;
            if (suspended)
            {
                metrics.Hold("held");
            }

            metrics.StatementMade(status.ToString(), computed.Amounts.NetPayableCents);
        }

        db.PayoutBatches.Add(new PayoutBatchRecord
        {
            BatchId = batchId,
            CampaignId = campaignId,
            RunId = runId,
            Status = (short)PayoutBatchStatus.Draft,
            Version = 1,
            TotalCents = batchTotal,
            PaymentReference = string.Empty,
            CreatedAt = now,
        });
        var run = new SettlementRunRecord
        {
            RunId = runId,
            CampaignId = campaignId,
            Kind = (short)kind,
            PeriodStart = period.Start,
            PeriodEnd = period.End,
            RequestId = requestId,
            RequestFingerprint = fingerprint,
            RedemptionFeedSequence = cursors.GetValueOrDefault(RedemptionProjection.Feed)?.Sequence ?? 0,
            IssuanceFeedSequence = cursors.GetValueOrDefault(IssuanceProjection.Feed)?.Sequence ?? 0,
            StatementCount = statementCount,
            RedemptionCount = totals.RedemptionCount,
            FaceValueCents = totals.FaceValueCents,
            LeveragedSpendCents = totals.LeveragedSpendCents,
            GovernmentShareCents = totals.GovernmentShareCents,
            MerchantShareCents = totals.MerchantShareCents,
            AdjustmentsCents = totals.AdjustmentsCents,
            NetPayableCents = totals.NetPayableCents,
            PayoutBatchId = batchId,
            RunBy = actorBytes,
            CreatedAt = now,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);

        // Every redemption of the period is settled by this run, counted or not (voided ones earn nothing anywhere).
        var earning = counted.Where(r => Standing(r, invoiceRequired) == SubsidyStanding.Earns).Select(r => r.RedemptionId).ToList();
        var settled = inPeriod.Select(r => r.RedemptionId).ToList();
        await db.Redemptions.Where(r => settled.Contains(r.RedemptionId))
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.SettledRunId, runId).SetProperty(r => r.SettledEarning, r => earning.Contains(r.RedemptionId)), cancellationToken);
        metrics.Batch("created");
        return run;
    }

    /// <summary>A redemption stands on a statement unless voided or its voucher went back to the wallet.</summary>
    internal static bool Counts(RedemptionRow r) =>
        r.Status != (short)RedemptionStatus.Voided
        && r.SubsidyExclusion != (short)SubsidyExclusion.Voided
        && r.SubsidyExclusion != (short)SubsidyExclusion.RefundReturnedVoucher;

    internal static SubsidyStanding Standing(RedemptionRow r, bool invoiceRequired) =>
        r.Status == (short)RedemptionStatus.Revoked || r.SubsidyExclusion == (short)SubsidyExclusion.Revoked ? SubsidyStanding.Revoked
        : r.SubsidyExclusion == (short)SubsidyExclusion.MissingDetails || (invoiceRequired && string.IsNullOrWhiteSpace(r.InvoiceNumber)) ? SubsidyStanding.ForfeitedMissingDetails
        : SubsidyStanding.Earns;

    private static AdjustmentRecord NewAdjustment(string campaignId, string merchantId, AdjustmentEntry entry, byte[] actor, DateTimeOffset at, Guid? statementId) => new()
    {
        AdjustmentId = Guid.NewGuid(),
        CampaignId = campaignId,
        MerchantId = merchantId,
        Kind = (short)entry.Kind,
        AmountCents = entry.AmountCents,
        RedemptionId = entry.RedemptionId,
        Reason = entry.Reason,
        Actor = actor,
        CreatedAt = at,
        StatementId = statementId,
        RequestFingerprint = string.Empty,
    };

    public async Task<SettlementRun> GetAsync(GetSettlementRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var runId = Requests.ResourceId(request.RunId, "run_id", "settlement run");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.RunId == runId, cancellationToken);
        return run is null ? throw new NotFoundException($"settlement run '{request.RunId}' not found") : Mapping.Run(run);
    }

    public async Task<ListSettlementRunsResponse> ListAsync(ListSettlementRunsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var campaignId = Requests.Required(request.CampaignId, "campaign_id");
        var (size, after) = Pages.Read(request.Page, "runs|" + campaignId, keyParts: 2);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var all = db.Runs.Where(r => r.CampaignId == campaignId);
        var query = all;
        if (after is not null)
        {
            var at = PageToken.ReadInstant(after[0]);
            var id = Guid.TryParse(after[1], out var parsed) ? parsed : throw new InvalidArgumentException("page.page_token", "not a token from this list with these filters");
            query = query.Where(r => r.CreatedAt < at || (r.CreatedAt == at && r.RunId.CompareTo(id) < 0));
        }

        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId).Take(size + 1).ToListAsync(cancellationToken);
        var (items, next) = PageToken.Page(rows, size, "runs|" + campaignId, r => [PageToken.Key(r.CreatedAt), r.RunId.ToString()]);
        var response = new ListSettlementRunsResponse { Page = Pages.Response(next, await all.LongCountAsync(cancellationToken)) };
        response.Runs.AddRange(items.Select(Mapping.Run));
        return response;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Settlement run {RunId} of campaign {CampaignId} for {Start:O} – {End:O}: {Statements} statements, net payable {NetCents} cents")]
    private static partial void LogRun(ILogger logger, Guid runId, string campaignId, DateTimeOffset start, DateTimeOffset end, int statements, long netCents);
}
