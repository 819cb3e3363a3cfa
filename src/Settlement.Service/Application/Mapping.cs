using Settlement.Service.Data;
using Settlement.Service.Domain;
using Vouchers.Settlement.V1;

namespace Settlement.Service.Application;

/// <summary>Rows of settlementdb as settlement.v1 messages.</summary>
public static class Mapping
{
    public static SettlementRun Run(SettlementRunRecord run) => new()
    {
        RunId = run.RunId.ToString(),
        CampaignId = run.CampaignId,
        Kind = (SettlementRunKind)run.Kind,
        Period = Requests.ToWindow(run.PeriodStart, run.PeriodEnd),
        RedemptionFeedSequence = run.RedemptionFeedSequence,
        IssuanceFeedSequence = run.IssuanceFeedSequence,
        StatementCount = run.StatementCount,
        Totals = Amounts(new StatementFigures(run.RedemptionCount, run.FaceValueCents, run.LeveragedSpendCents, run.GovernmentShareCents, run.MerchantShareCents, run.AdjustmentsCents, run.NetPayableCents)),
        PayoutBatchId = run.PayoutBatchId.ToString(),
        RunBy = Requests.ReadActor(run.RunBy),
        CreatedAt = Requests.ToTimestamp(run.CreatedAt),
    };

    public static StatementAmounts Amounts(StatementFigures figures) => new()
    {
        RedemptionCount = figures.RedemptionCount,
        FaceValueCents = figures.FaceValueCents,
        LeveragedSpendCents = figures.LeveragedSpendCents,
        GovernmentShareCents = figures.GovernmentShareCents,
        MerchantShareCents = figures.MerchantShareCents,
        AdjustmentsCents = figures.AdjustmentsCents,
        NetPayableCents = figures.NetPayableCents,
    };

    public static StatementFigures Figures(StatementRecord s) =>
        new(s.RedemptionCount, s.FaceValueCents, s.LeveragedSpendCents, s.GovernmentShareCents, s.MerchantShareCents, s.AdjustmentsCents, s.NetPayableCents);

    public static MerchantStatement Statement(StatementRecord s, IEnumerable<AdjustmentRecord> adjustments, IEnumerable<StatementSplitRecord> split)
    {
        var message = new MerchantStatement
        {
            StatementId = s.StatementId.ToString(),
            RunId = s.RunId.ToString(),
            CampaignId = s.CampaignId,
            MerchantId = s.MerchantId,
            MerchantTradeName = s.MerchantTradeName,
            Period = Requests.ToWindow(s.PeriodStart, s.PeriodEnd),
            Amounts = Amounts(Figures(s)),
            PayoutStatus = (PayoutStatus)s.PayoutStatus,
            PayoutBatchId = s.PayoutBatchId?.ToString() ?? string.Empty,
            HoldReason = s.HoldReason,
        };
        message.Adjustments.AddRange(adjustments.OrderBy(a => a.CreatedAt).ThenBy(a => a.AdjustmentId).Select(Adjustment));
        message.Split.AddRange(split.OrderBy(c => c.ChannelId, StringComparer.Ordinal).ThenBy(c => c.FundingSourceId, StringComparer.Ordinal)
            .Select(c => new SplitLine { ChannelId = c.ChannelId, FundingSourceId = c.FundingSourceId, AmountCents = c.AmountCents }));
        return message;
    }

    public static Adjustment Adjustment(AdjustmentRecord a) => new()
    {
        AdjustmentId = a.AdjustmentId.ToString(),
        Kind = (AdjustmentKind)a.Kind,
        AmountCents = a.AmountCents,
        RedemptionId = a.RedemptionId,
        Reason = a.Reason,
        Actor = Requests.ReadActor(a.Actor),
        CreatedAt = Requests.ToTimestamp(a.CreatedAt),
        StatementId = a.StatementId?.ToString() ?? string.Empty,
    };

    public static IEnumerable<SplitLine> Lines(IEnumerable<SplitCell> cells) =>
        cells.Select(c => new SplitLine { FundingSourceId = c.FundingSourceId, ChannelId = c.ChannelId, AmountCents = c.AmountCents });
}
