using System.Diagnostics.Metrics;

namespace Redemption.Service;

/// <summary>
/// Business events of the Redemption service on the "Redemption.Service" meter: redeem decisions (redeemed, refused
/// with its reason, replayed), face value and order amount redeemed, reversals and revocations, reversals refused as paid out, recoveries of
/// interrupted attempts, screening signals raised, feed events appended, and how many redemptions share each round trip.
/// </summary>
public sealed class RedemptionMetrics : IDisposable
{
    public const string MeterName = "Redemption.Service";

    private readonly Meter _meter;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _faceValue;
    private readonly Counter<long> _orderAmount;
    private readonly Counter<long> _reversals;
    private readonly Counter<long> _refusedReversals;
    private readonly Counter<long> _recoveries;
    private readonly Counter<long> _signals;
    private readonly Counter<long> _events;
    private readonly Histogram<int> _batchSizes;

    public RedemptionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _decisions = _meter.CreateCounter<long>("redemption.decisions", "{decision}", "Redeem answers by outcome (redeemed, refused, replayed) and refusal reason");
        _faceValue = _meter.CreateCounter<long>("redemption.face_value", "cents", "Face value of vouchers redeemed");
        _orderAmount = _meter.CreateCounter<long>("redemption.order_amount", "cents", "Order amounts (leveraged spend) recorded with redemptions");
        _reversals = _meter.CreateCounter<long>("redemption.reversals", "{reversal}", "Voids, refunds and revocations");
        _refusedReversals = _meter.CreateCounter<long>("redemption.reversals.refused", "{reversal}", "Reversals refused because settlement paid the subsidy out");
        _recoveries = _meter.CreateCounter<long>("redemption.recoveries", "{attempt}", "Interrupted attempts finished (consumed) or undone (released) by recovery");
        _signals = _meter.CreateCounter<long>("redemption.screening.signals", "{signal}", "Anomaly signals raised by the screening");
        _events = _meter.CreateCounter<long>("redemption.feed.events", "{event}", "Events appended to the redemption feed");
        _batchSizes = _meter.CreateHistogram<int>(
            "redemption.batch.size", "{redemption}", "Redemptions sharing one round trip (a Claim call, a redemptiondb transaction), by round trip",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    public void Redeemed(long faceValueCents, long orderAmountCents)
    {
        _decisions.Add(1, new KeyValuePair<string, object?>("outcome", "redeemed"));
        _faceValue.Add(faceValueCents);
        _orderAmount.Add(orderAmountCents);
    }

    public void Refused(string reason) => _decisions.Add(1, new("outcome", "refused"), new("reason", reason));

    public void Replayed() => _decisions.Add(1, new KeyValuePair<string, object?>("outcome", "replayed"));

    public void Reversed(string kind) => _reversals.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void ReversalRefusedPaidOut() => _refusedReversals.Add(1, new KeyValuePair<string, object?>("reason", "paid_out"));

    public void Recovered(string action) => _recoveries.Add(1, new KeyValuePair<string, object?>("action", action));

    public void Signals(int count) => _signals.Add(count);

    public void FeedEvent(string kind) => _events.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A reporter of batch sizes for one kind of round trip (key_check, attempt_start, recording, attempt_end, claim_lock, claim_consume).</summary>
    public Action<int> BatchSizes(string roundTrip)
    {
        var tag = new KeyValuePair<string, object?>("round_trip", roundTrip);
        return size => _batchSizes.Record(size, tag);
    }

    public void Dispose() => _meter.Dispose();
}
