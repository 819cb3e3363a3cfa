using Microsoft.EntityFrameworkCore;
using Settlement.Service.Data;
using Vouchers.Settlement.V1;
using VoucherRules;

namespace Settlement.Service.Application;

/// <summary>
/// GetRedemptionSettlement: how far settlement has taken each redemption asked about (the run and statement that
/// counted it, the batch that statement is in). Redemption asks before a till reverses a redemption.
/// </summary>
public sealed class RedemptionStandings(IDbContextFactory<SettlementDbContext> contexts, SettlementMetrics metrics)
{
    public const int MaxIds = 100;
    public const int MaxIdLength = 64;

    public async Task<GetRedemptionSettlementResponse> GetAsync(GetRedemptionSettlementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ids = RedemptionIds(request.RedemptionIds);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);

        // Three primary-key or unique-key lookups per id (redemptions, statements by (run, merchant), payout_batches).
        var found = await (
            from r in db.Redemptions
            where ids.Contains(r.RedemptionId)
            join s in db.Statements on new { RunId = r.SettledRunId, r.MerchantId } equals new { RunId = (Guid?)s.RunId, s.MerchantId } into statements
            from s in statements.DefaultIfEmpty()
            join b in db.PayoutBatches on s.PayoutBatchId equals (Guid?)b.BatchId into batches
            from b in batches.DefaultIfEmpty()
            select new Found(
                r.RedemptionId,
                r.SettledRunId,
                s == null ? null : s.StatementId,
                s == null ? null : s.PayoutStatus,
                b == null ? null : b.BatchId,
                b == null ? null : b.Status,
                b == null ? null : b.PaidAt))
            .ToDictionaryAsync(f => f.RedemptionId, StringComparer.Ordinal, cancellationToken);

        var response = new GetRedemptionSettlementResponse();
        foreach (var id in ids)
        {
            var standing = found.TryGetValue(id, out var row) ? Standing(row) : new RedemptionSettlement { RedemptionId = id, Stage = RedemptionSettlementStage.NotSettled };
            metrics.RedemptionLookedUp(standing.Stage.ToString());
            response.Redemptions.Add(standing);
        }

        return response;
    }

    /// <summary>The ids asked about, each once in the order first asked.</summary>
    private static List<string> RedemptionIds(Google.Protobuf.Collections.RepeatedField<string> asked)
    {
        var problems = new FieldProblems();
        if (asked.Count == 0)
        {
            problems.Add("redemption_ids", "name at least one redemption id");
        }
        else if (asked.Count > MaxIds)
        {
            problems.Add("redemption_ids", $"at most {MaxIds} ids per call (got {asked.Count})");
        }

        for (var i = 0; i < asked.Count && i < MaxIds; i++)
        {
            if (string.IsNullOrWhiteSpace(asked[i]))
            {
                problems.Add($"redemption_ids[{i}]", "empty: a redemption id is required");
            }
            else if (asked[i].Length > MaxIdLength)
            {
                problems.Add($"redemption_ids[{i}]", $"longer than {MaxIdLength} characters: not a redemption id");
            }
        }

        problems.ThrowIfAny();
        return asked.Distinct(StringComparer.Ordinal).ToList();
    }

    private static RedemptionSettlement Standing(Found row)
    {
        var standing = new RedemptionSettlement { RedemptionId = row.RedemptionId, Stage = RedemptionSettlementStage.NotSettled };
        if (row.RunId is not { } runId)
        {
            return standing;
        }

        standing.Stage = RedemptionSettlementStage.InStatement;
        standing.RunId = runId.ToString();
        standing.StatementId = row.StatementId?.ToString() ?? string.Empty;
        standing.PayoutStatus = (PayoutStatus)(row.PayoutStatus ?? 0);
        if (row.BatchId is { } batchId)
        {
            standing.Stage = RedemptionSettlementStage.InPayoutBatch;
            standing.PayoutBatchId = batchId.ToString();
            standing.PayoutBatchStatus = (PayoutBatchStatus)(row.BatchStatus ?? 0);
            standing.PaidAt = Requests.ToTimestamp(row.PaidAt);
        }

        return standing;
    }

    private sealed record Found(string RedemptionId, Guid? RunId, Guid? StatementId, short? PayoutStatus, Guid? BatchId, short? BatchStatus, DateTimeOffset? PaidAt);
}
