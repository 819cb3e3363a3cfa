using Claim.Service.Persistence;
using Npgsql;
using Vouchers.Claim.V1;
using Vouchers.Common.V1;

namespace Claim.Service.Usage;

/// <summary>
/// The writes one voucher change may make, all inside the transaction that row-locked the voucher
/// (<see cref="VoucherUsageStore.ChangeAsync"/>). The SQL lives here; callers decide, this records. The writes are
/// queued and reach the server in one batch together with the COMMIT, so a change costs two round trips whatever it
/// writes, and the feed's lock (taken by the event append) is held only while the server runs that batch.
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

    /// <summary>The writes decided so far, in order.</summary>
    internal List<NpgsqlBatchCommand> Writes { get; } = [];

    public Task LockAsync(string lockId, DateTimeOffset expires) => ExecuteAsync(
        "UPDATE vouchers SET status = @status, lock_id = @lock, lock_expires_at = @expires, version = version + 1 WHERE voucher_id = @id",
        ("status", VoucherStatusColumn.Of(VoucherStatus.Locked)),
        ("lock", lockId),
        ("expires", expires.UtcDateTime));

    public Task ReleaseAsync() => ExecuteAsync(
        "UPDATE vouchers SET status = @status, lock_id = NULL, lock_expires_at = NULL, version = version + 1 WHERE voucher_id = @id",
        ("status", VoucherStatusColumn.Of(VoucherStatus.Unused)));

    /// <summary>Marks the voucher used by a redemption and records the consumption (the redemption id is then taken).</summary>
    public async Task ConsumeAsync(string redemptionId, string merchantId, string merchantTradeName, DateTimeOffset usedAt, DateTimeOffset now)
    {
        await ExecuteAsync(
            """
            UPDATE vouchers SET status = @status, lock_id = NULL, lock_expires_at = NULL, redemption_id = @redemption, merchant_id = @merchant,
                                merchant_trade_name = @trade, used_at = @used, version = version + 1
            WHERE voucher_id = @id
            """,
            ("status", VoucherStatusColumn.Of(VoucherStatus.Used)),
            ("redemption", redemptionId),
            ("merchant", merchantId),
            ("trade", merchantTradeName),
            ("used", usedAt.UtcDateTime));
        await ExecuteAsync(
            "INSERT INTO voucher_consumptions (redemption_id, voucher_id, consumed_at) VALUES (@redemption, @id, @now)",
            ("redemption", redemptionId),
            ("now", now.UtcDateTime));
    }

    /// <summary>Undoes a consumption: the voucher becomes <paramref name="status"/> (unused, or expired when its validity ended), the reversal is recorded.</summary>
    public async Task ReinstateAsync(VoucherStatus status, string redemptionId, string reversalId, string reason, DateTimeOffset now)
    {
        var expired = status == VoucherStatus.Expired;
        await ExecuteAsync(
            """
            UPDATE vouchers SET status = @status, redemption_id = NULL, merchant_id = NULL, merchant_trade_name = NULL, used_at = NULL,
                                ended_at = @ended, version = version + 1
            WHERE voucher_id = @id
            """,
            ("status", VoucherStatusColumn.Of(status)),
            ("ended", expired ? now.UtcDateTime : null));
        await ExecuteAsync(
            "UPDATE voucher_consumptions SET reversed_at = @now WHERE redemption_id = @redemption",
            ("now", now.UtcDateTime),
            ("redemption", redemptionId));
        await ExecuteAsync(
            "INSERT INTO voucher_reinstatements (reversal_id, voucher_id, redemption_id, reason, reinstated_at) VALUES (@reversal, @id, @redemption, @reason, @now)",
            ("reversal", reversalId),
            ("redemption", redemptionId),
            ("reason", reason),
            ("now", now.UtcDateTime));
    }

    public Task RevokeAsync(string reason, DateTimeOffset now) => ExecuteAsync(
        "UPDATE vouchers SET status = @status, ended_at = @now, revoke_reason = @reason, lock_id = NULL, lock_expires_at = NULL, version = version + 1 WHERE voucher_id = @id",
        ("status", VoucherStatusColumn.Of(VoucherStatus.Revoked)),
        ("now", now.UtcDateTime),
        ("reason", reason));

    /// <summary>The voucher an earlier consumption with this redemption id consumed; null when none did.</summary>
    public Task<string?> ConsumedByAsync(string redemptionId) => Prior(PriorRecord.Consumption(redemptionId));

    /// <summary>The voucher an earlier reinstatement with this reversal id reinstated; null when none did.</summary>
    public Task<string?> ReinstatedByAsync(string reversalId) => Prior(PriorRecord.Reinstatement(reversalId));

    public Task AppendEventsAsync(IReadOnlyList<IssuanceEvent> events)
    {
        Writes.AddRange(VoucherStore.AppendEventCommands(events));
        return Task.CompletedTask;
    }

    private Task<string?> Prior(PriorRecord asked) =>
        asked == _prior
            ? Task.FromResult(_priorVoucherId)
            : throw new InvalidOperationException($"the change was opened without reading {asked}; pass it to ChangeAsync so it is read with the voucher row");

    private Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("id", _voucherId);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        Writes.Add(command);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A record an idempotent change reads before it decides (the consumption or reinstatement an id already made), read in
/// the same round trip as the voucher row.
/// </summary>
public sealed record PriorRecord(string Sql, string Key)
{
    public static PriorRecord Consumption(string redemptionId) => new("SELECT voucher_id FROM voucher_consumptions WHERE redemption_id = @key", redemptionId);

    public static PriorRecord Reinstatement(string reversalId) => new("SELECT voucher_id FROM voucher_reinstatements WHERE reversal_id = @key", reversalId);
}
