using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Settlement.Service.Application;

/// <summary>
/// Business events of the Settlement service on the "Settlement.Service" meter: feed events projected, runs and
/// statements made, payout batch transitions, holds and releases, adjustments, reconciliation outcomes, exported rows, redemptions looked up.
/// Traces of the runs and imports on the "Settlement.Service" activity source.
/// </summary>
public sealed class SettlementMetrics : IDisposable
{
    public const string MeterName = "Settlement.Service";

    public static readonly ActivitySource Activities = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _projected;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _statements;
    private readonly Counter<long> _netPayable;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _holds;
    private readonly Counter<long> _adjustments;
    private readonly Counter<long> _reconciled;
    private readonly Counter<long> _exported;
    private readonly Counter<long> _lookups;

    public SettlementMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _projected = _meter.CreateCounter<long>("settlement.feed.events", "{event}", "Feed events projected into settlementdb, by feed");
        _runs = _meter.CreateCounter<long>("settlement.runs", "{run}", "Settlement runs made, by kind");
        _statements = _meter.CreateCounter<long>("settlement.statements", "{statement}", "Statements made, by payout status");
        _netPayable = _meter.CreateCounter<long>("settlement.net_payable", "cents", "Net payable of the statements made");
        _batches = _meter.CreateCounter<long>("settlement.batches.transitions", "{transition}", "Payout batches created, approved, paid");
        _holds = _meter.CreateCounter<long>("settlement.holds", "{statement}", "Statements held and released");
        _adjustments = _meter.CreateCounter<long>("settlement.adjustments", "{adjustment}", "Adjustments recorded, by kind");
        _reconciled = _meter.CreateCounter<long>("settlement.reconciliation.items", "{item}", "Reconciliation results, by outcome");
        _exported = _meter.CreateCounter<long>("settlement.export.rows", "{row}", "Audit export rows sent, by dataset");
        _lookups = _meter.CreateCounter<long>("settlement.redemption_lookups", "{redemption}", "Redemptions Redemption asked about before a reversal, by settlement stage");
    }

    public void Projected(string feed, long count) => _projected.Add(count, new KeyValuePair<string, object?>("feed", feed));

    public void RunMade(string kind) => _runs.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void StatementMade(string payoutStatus, long netPayableCents)
    {
        _statements.Add(1, new KeyValuePair<string, object?>("payout_status", payoutStatus));
        _netPayable.Add(netPayableCents);
    }

    public void Batch(string transition) => _batches.Add(1, new KeyValuePair<string, object?>("transition", transition));

    public void Hold(string change, long count = 1) => _holds.Add(count, new KeyValuePair<string, object?>("change", change));

    public void Adjustment(string kind) => _adjustments.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Reconciled(string outcome, long count) => _reconciled.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    public void Exported(string dataset, long rows) => _exported.Add(rows, new KeyValuePair<string, object?>("dataset", dataset));

    public void RedemptionLookedUp(string stage) => _lookups.Add(1, new KeyValuePair<string, object?>("stage", stage));

    public void Dispose() => _meter.Dispose();
}
