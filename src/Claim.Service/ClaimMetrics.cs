using System.Diagnostics.Metrics;
using Vouchers.Claim.V1;

namespace Claim.Service;

/// <summary>
/// Business events of the Claim service on the "Claim.Service" meter: every claim and draw decision (granted, refused
/// with its reason — sold out among them — or replayed), value issued per channel, vouchers persisted and how long
/// after the claim they reached claimdb, expiries and the value returned to the pool, voucher usage for Redemption,
/// recoveries after Redis lost data, and stream entries trimmed.
/// </summary>
public sealed class ClaimMetrics : IDisposable
{
    public const string MeterName = "Claim.Service";

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _valueIssued;
    private readonly Counter<long> _persisted;
    private readonly Histogram<double> _persistenceLag;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _valueReturned;
    private readonly Counter<long> _usage;
    private readonly Counter<long> _recoveries;
    private readonly Counter<long> _trimmed;

    public ClaimMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _decisions = Meter.CreateCounter<long>("claim.decisions", "{decision}", "Claim and draw answers by kind, outcome (granted, refused, replayed) and refusal reason");
        _valueIssued = Meter.CreateCounter<long>("claim.value.issued", "cents", "Face value of vouchers granted, by channel");
        _persisted = Meter.CreateCounter<long>("claim.vouchers.persisted", "{voucher}", "Vouchers newly written to claimdb by the persister");
        _persistenceLag = Meter.CreateHistogram<double>("claim.persistence.lag", "ms", "Time from a voucher's claim to its row in claimdb");
        _expired = Meter.CreateCounter<long>("claim.vouchers.expired", "{voucher}", "Vouchers expired past their validity");
        _valueReturned = Meter.CreateCounter<long>("claim.value.returned", "cents", "Face value of expired vouchers returned to the pool");
        _usage = Meter.CreateCounter<long>("claim.voucher.usage", "{event}", "Voucher locks, consumptions, releases and reinstatements for Redemption");
        _recoveries = Meter.CreateCounter<long>("claim.recoveries", "{recovery}", "Campaigns whose Redis state was rebuilt from claimdb after Redis lost data");
        _trimmed = Meter.CreateCounter<long>("claim.stream.trimmed", "{entry}", "Issued-stream entries trimmed once persisted and acknowledged");
    }

    internal Meter Meter { get; }

    public void Decided(string kind, ClaimOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var result = outcome.Replayed ? "replayed" : outcome.Voucher is not null ? "granted" : "refused";
        var reason = outcome.Voucher is null && outcome.Refusal is { } refusal ? refusal.Reason.ToString() : string.Empty;
        _decisions.Add(1, new("kind", kind), new("outcome", result), new("reason", reason));
        if (outcome.Voucher is { } voucher && !outcome.Replayed)
        {
            _valueIssued.Add(voucher.FaceValueCents, new KeyValuePair<string, object?>("channel", voucher.ChannelId));
        }
    }

    public void Persisted(int count) => _persisted.Add(count);

    public void PersistenceLag(TimeSpan lag) => _persistenceLag.Record(Math.Max(0, lag.TotalMilliseconds));

    public void Expired(long count, long faceValueCents)
    {
        _expired.Add(count);
        _valueReturned.Add(faceValueCents);
    }

    public void Usage(string action) => _usage.Add(1, new KeyValuePair<string, object?>("action", action));

    public void Recovered() => _recoveries.Add(1);

    public void Trimmed(long entries) => _trimmed.Add(entries);

    public void Dispose() => Meter.Dispose();
}
