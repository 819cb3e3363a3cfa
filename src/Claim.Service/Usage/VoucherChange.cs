using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Usage;

/// <summary>
/// The writes one voucher change may make, all inside the transaction that row-locked the voucher
/// (<see cref="VoucherUsageStore.ChangeAsync"/>). Callers decide, this records what to write as values; the SQL lives
/// in <see cref="VoucherWriteCombiner"/>, which sends the writes of every change of a transaction in one batch together
/// with the COMMIT, a statement per kind of write whatever the number of changes. So a change costs two round trips
/// whatever it writes, and the feed's lock (taken by the event append) is held only while the server runs that batch.
/// </summary>
public sealed class VoucherChange
{
    private readonly string _voucherId;
    private readonly PriorRecord? _prior;
    private readonly string? _priorVoucherId;

    internal VoucherChange(string voucherId, PriorRecord? prior, string? priorVoucherId)
    {
        _voucherId = voucherId;
        _prior = prior;
        _priorVoucherId = priorVoucherId;
    }

    /// <summary>What the change writes to its voucher row (with the records that go with it); null when nothing.</summary>
    internal VoucherRowWrite? RowWrite { get; private set; }

    /// <summary>The feed events decided so far, in order.</summary>
    internal List<IssuanceEvent> Events { get; } = [];

    public Task LockAsync(string lockId, DateTimeOffset expires) => Write(new LockWrite(_voucherId, lockId, expires.UtcDateTime));

    public Task ReleaseAsync() => Write(new ReleaseWrite(_voucherId));

    /// <summary>Marks the voucher used by a redemption and records the consumption (the redemption id is then taken).</summary>
    public Task ConsumeAsync(string redemptionId, string merchantId, string merchantTradeName, DateTimeOffset usedAt, DateTimeOffset now) =>
        Write(new ConsumeWrite(_voucherId, redemptionId, merchantId, merchantTradeName, usedAt.UtcDateTime, now.UtcDateTime));

    /// <summary>Undoes a consumption: the voucher becomes <paramref name="status"/> (unused, or expired when its validity ended), the reversal is recorded.</summary>
    public Task ReinstateAsync(VoucherStatus status, string redemptionId, string reversalId, string reason, DateTimeOffset now) =>
        Write(new ReinstateWrite(_voucherId, status, redemptionId, reversalId, reason, status == VoucherStatus.Expired ? now.UtcDateTime : null, now.UtcDateTime));

    public Task RevokeAsync(string reason, DateTimeOffset now) => Write(new RevokeWrite(_voucherId, reason, now.UtcDateTime));

    /// <summary>The voucher an earlier consumption with this redemption id consumed; null when none did.</summary>
    public Task<string?> ConsumedByAsync(string redemptionId) => Prior(PriorRecord.Consumption(redemptionId));

    /// <summary>The voucher an earlier reinstatement with this reversal id reinstated; null when none did.</summary>
    public Task<string?> ReinstatedByAsync(string reversalId) => Prior(PriorRecord.Reinstatement(reversalId));

    public Task AppendEventsAsync(IReadOnlyList<IssuanceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Events.AddRange(events);
        return Task.CompletedTask;
    }

    private Task<string?> Prior(PriorRecord asked) =>
        asked == _prior
            ? Task.FromResult(_priorVoucherId)
            : throw new InvalidOperationException($"the change was opened without reading {asked}; pass it to ChangeAsync so it is read with the voucher row");

    private Task Write(VoucherRowWrite write)
    {
        // The combined statements update each named row once; a second write of the same row would be lost, not applied.
        if (RowWrite is not null)
        {
            throw new InvalidOperationException($"voucher '{_voucherId}' is already written by this change ({RowWrite.GetType().Name})");
        }

        RowWrite = write;
        return Task.CompletedTask;
    }
}

/// <summary>
/// A record an idempotent change reads before it decides (the consumption or reinstatement an id already made), read in
/// the same round trip as the voucher row: <paramref name="KeyColumn"/> of <paramref name="Table"/> names it, and the
/// record says which voucher it concerns.
/// </summary>
public sealed record PriorRecord(string Table, string KeyColumn, string Key)
{
    public static PriorRecord Consumption(string redemptionId) => new("voucher_consumptions", "redemption_id", redemptionId);

    public static PriorRecord Reinstatement(string reversalId) => new("voucher_reinstatements", "reversal_id", reversalId);

    /// <summary>The voucher of the record named <c>@key</c>.</summary>
    public string Sql => $"SELECT voucher_id FROM {Table} WHERE {KeyColumn} = @key";

    /// <summary>
    /// Every record of this kind named in <c>@keys</c>, with its key: one statement for a whole batch, one index probe per
    /// key. Written as <c>= ANY(@keys)</c>, the planner read the whole table whenever it thought it small (after a
    /// vacuum, or early in a campaign), 6 µs of PostgreSQL's time per redemption under load; the LIMIT keeps each lookup
    /// a probe whatever the table's size.
    /// </summary>
    public string ManySql =>
        $"SELECT k.key, p.voucher_id FROM unnest(@keys::text[]) AS k(key) CROSS JOIN LATERAL (SELECT voucher_id FROM {Table} WHERE {KeyColumn} = k.key LIMIT 1) p";
}
